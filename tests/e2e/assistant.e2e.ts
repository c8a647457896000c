/**
 * The assistant's chat drawer in chromium (issue 16): open it with Ctrl+I, send a message, see
 * the answer stream in and a tool card, apply a proposed edit (the canvas gets the node, as one
 * undo step) and undo it with Ctrl+Z.
 *
 * This file starts its own runtime (the suite's shared one runs the real tiny LLM, whose tool
 * choices are random): the same `runtime/cli.ts serve` with the scripted LLM worker
 * (tests/helpers/scripted-llm, selected by the test-only MYSTI_TEST_LLM_WORKER), so "the model"
 * deterministically calls describe_graph, then edit_graph, then answers.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, expect, node, nodes } from './helpers/app';
import { REPO, SHARED } from './helpers/global-setup';

let server: ChildProcess | undefined;
let url = '';
let root = '';

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => res(port));
    });
  });
}

const script = [
  { toolCalls: [{ name: 'describe_graph', arguments: {} }] },
  {
    toolCalls: [
      {
        name: 'edit_graph',
        arguments: {
          ops: [
            { op: 'add_node', type: 'upscale', id: 'upscale-1', after: 'txt2img-1' },
            {
              op: 'connect',
              source: 'txt2img-1',
              sourceHandle: 'image',
              target: 'upscale-1',
              targetHandle: 'image',
            },
            { op: 'set_param', id: 'prompt-1', key: 'text', value: 'a moody lighthouse' },
          ],
        },
      },
    ],
  },
  { text: 'I added an upscale node after the generator and made the prompt moodier.' },
];

test.beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'mysti-e2e-assistant-'));
  const models = join(root, 'models');
  mkdirSync(join(models, 'llm'), { recursive: true });
  mkdirSync(join(root, 'home'), { recursive: true });
  symlinkSync(join(SHARED, 'models', 'stories260K.gguf'), join(models, 'llm', 'stories260K.gguf'));
  writeFileSync(join(root, 'script.json'), JSON.stringify(script));
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  server = spawn('npx', ['tsx', 'runtime/cli.ts', 'serve'], {
    cwd: REPO,
    env: {
      ...process.env,
      MYSTI_HOME: join(root, 'home'),
      MYSTI_PORT: String(port),
      MYSTI_HOST: '127.0.0.1',
      MYSTI_MODELS: models,
      SD_CPP_BIN: join(REPO, 'tests/helpers/sd-standin/sd-cli'),
      MYSTI_TEST_LLM_WORKER: 'tests/helpers/scripted-llm/worker.ts',
      MYSTI_SCRIPTED_LLM: join(root, 'script.json'),
      MYSTI_ASSISTANT_MODEL: 'stories260K.gguf',
      MYSTI_SCRIPTED_LLM_WORD_MS: '250',
    },
    stdio: 'ignore',
    detached: true,
  });
  for (let i = 0; i < 240; i++) {
    try {
      if ((await fetch(`${url}/api/health`)).ok) return;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error('the assistant test runtime did not start');
});

test.afterAll(async () => {
  if (server?.pid && server.exitCode === null) {
    try {
      process.kill(-server.pid, 'SIGTERM');
    } catch {
      /* gone */
    }
    await new Promise((r) => setTimeout(r, 1500));
    try {
      process.kill(-server.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  rmSync(root, { recursive: true, force: true });
});

test('chat drawer: send, streamed answer, tool cards, apply a proposal, Ctrl+Z undoes it', async ({
  page,
}) => {
  await page.goto(url);
  await expect(page.locator('.app[data-ready]')).toBeVisible();
  await expect(page.locator('html[data-restored]')).toHaveCount(1);
  await expect(node(page, 'txt2img-1')).toBeVisible();
  const before = await nodes(page).count();

  await page.keyboard.press('Control+i');
  const drawer = page.getByTestId('assistant');
  await expect(drawer).toBeVisible();
  await drawer.getByLabel('Message the assistant').fill('add an upscale node and make it moodier');
  await drawer.getByLabel('Message the assistant').press('Enter');
  await expect(drawer.getByTestId('msg-user')).toHaveText(
    'add an upscale node and make it moodier',
  );

  // describe_graph ran; edit_graph waits as a proposal with its diff; the prompt node is outlined.
  await expect(drawer.locator('[data-tool="describe_graph"]')).toContainText('ran');
  const card = drawer.locator('[data-tool="edit_graph"]');
  await expect(card).toContainText('proposed');
  await expect(card).toContainText('+ nodes: upscale-1');
  await expect(node(page, 'prompt-1')).toHaveClass(/as-changed/);
  // The node it would add is ghosted on the canvas, not in the document yet.
  await expect(node(page, 'upscale-1')).toHaveClass(/as-ghost/);
  await expect(page.locator('.react-flow__node:not(.as-ghost)')).toHaveCount(before);

  await card.getByRole('button', { name: 'Apply' }).click();
  await expect(node(page, 'upscale-1')).toBeVisible();
  await expect(node(page, 'upscale-1')).not.toHaveClass(/as-ghost/);
  await expect(nodes(page)).toHaveCount(before + 1);
  await expect(card).toContainText('applied');

  // The answer streams in (partial text), then lands as a message.
  await expect(drawer.getByTestId('streaming')).toContainText('I added');
  await expect(drawer.getByTestId('msg-assistant').last()).toHaveText(
    'I added an upscale node after the generator and made the prompt moodier.',
  );

  // The whole edit is one undo step.
  await page.locator('.react-flow__pane').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('Control+z');
  await expect(node(page, 'upscale-1')).toHaveCount(0);
  await expect(nodes(page)).toHaveCount(before);

  // The drawer's width is remembered; Ctrl+I closes it.
  await page.keyboard.press('Control+i');
  await expect(drawer).toHaveCount(0);
});
