/**
 * Run to here / run from here from the node menu (issue 15 §4): "Run to here" on the first
 * branch's txt2img runs it and its prompt only — the save after it and the unrelated second
 * branch do not run; "Run from here" on the same txt2img executes it again (not cached) and its
 * save, while its prompt comes from the cache.
 */
import { test, expect, freshEditor, dropFile, node, shot, appUrl } from './helpers/app';

const gen = (id: string, x: number, y: number, seed: number) => ({
  id,
  type: 'txt2img',
  position: { x, y },
  params: { model: 'checkpoints/dummy-sd15.safetensors', width: 128, height: 128, steps: 3, seed },
});
const graph = JSON.stringify({
  format: 'mysticanvas.graph',
  version: 4,
  name: 'e2e run scope',
  nodes: [
    { id: 'p1', type: 'prompt', position: { x: 0, y: 0 }, params: { text: 'branch one' } },
    gen('g1', 320, 0, 21),
    { id: 's1', type: 'save', position: { x: 640, y: 0 }, params: {} },
    { id: 'p2', type: 'prompt', position: { x: 0, y: 700 }, params: { text: 'branch two' } },
    gen('g2', 320, 700, 22),
  ],
  edges: [
    { id: 'e1', source: 'p1', sourceHandle: 'text', target: 'g1', targetHandle: 'prompt' },
    { id: 'e2', source: 'g1', sourceHandle: 'image', target: 's1', targetHandle: 'image' },
    { id: 'e3', source: 'p2', sourceHandle: 'text', target: 'g2', targetHandle: 'prompt' },
  ],
});

const statusOf = (page: import('@playwright/test').Page, id: string) =>
  node(page, id).locator('.mnode');

test('run to here skips the unrelated branch; run from here re-executes', async ({ page }) => {
  await freshEditor(page);
  await dropFile(page, { name: 'scope.json', content: graph }, 'application/json');
  await expect(node(page, 'g1')).toBeVisible();

  const posted = () =>
    page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith('/api/runs'));
  const runRecord = async (id: string) =>
    (await (await page.request.get(appUrl(`/api/runs/${id}`))).json()) as {
      status: string;
      nodes: Record<string, { status: string }>;
    };

  await test.step('Run to here on g1', async () => {
    const p = posted();
    await node(page, 'g1').locator('.mnode-head').click({ button: 'right' });
    await page.getByTestId('node-menu-run-to-here').click();
    const runId = ((await (await p).json()) as { runId: string }).runId;
    await expect(statusOf(page, 'g1')).toHaveAttribute('data-status', 'done', { timeout: 60_000 });
    for (const id of ['s1', 'p2', 'g2'])
      await expect(statusOf(page, id)).not.toHaveAttribute('data-status', /./);
    await expect.poll(async () => (await runRecord(runId)).status).toBe('completed');
    expect(Object.keys((await runRecord(runId)).nodes).sort()).toEqual(['g1', 'p1']);
    await shot(page, '60-run-to-here');
  });

  await test.step('Run from here on g1', async () => {
    const p = posted();
    await node(page, 'g1').locator('.mnode-head').click({ button: 'right' });
    await page.getByTestId('node-menu-run-from-here').click();
    const runId = ((await (await p).json()) as { runId: string }).runId;
    await expect
      .poll(async () => (await runRecord(runId)).status, { timeout: 60_000 })
      .toBe('completed');
    const nodes = (await runRecord(runId)).nodes;
    expect(Object.fromEntries(Object.entries(nodes).map(([k, v]) => [k, v.status]))).toEqual({
      p1: 'cached',
      g1: 'completed',
      s1: 'completed',
      p2: 'completed',
      g2: 'completed',
    });
    await expect(statusOf(page, 'g1')).toHaveAttribute('data-status', 'done');
  });
});
