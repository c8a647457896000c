/**
 * Node tools in real chromium against the real runtime (sd.cpp stand-in): the Load image gallery
 * picker (search, choose, drop a gallery URL, run it), pre-run checks shown on the node before
 * Run (empty model; SD_CPP_BIN not set per GET /api/health) with Run refusing to send, renaming a
 * node by double-clicking its title, and applying a prompt style from GET /api/prompt-templates.
 */
import type { Page } from '@playwright/test';
import {
  test,
  expect,
  freshEditor,
  openEditor,
  appUrl,
  dragFromPalette,
  dragWire,
  dropFile,
  handle,
  node,
  nodes,
  param,
  shot,
  txt2imgGraph,
} from './helpers/app';

const WORD = `wombat${Date.now().toString(36)}`;

/** Makes one library image over the API (prompt → txt2img → save) and returns its generation uuid. */
async function makeImage(prompt: string): Promise<string> {
  const graph = JSON.parse(txt2imgGraph({ steps: 2, name: `picker ${prompt}` })) as {
    nodes: { params: Record<string, unknown> }[];
  };
  graph.nodes[0]!.params.text = prompt;
  const r = await fetch(appUrl('/api/runs'), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ graph }),
  });
  expect(r.status, await r.clone().text()).toBe(202);
  const { runId } = (await r.json()) as { runId: string };
  await expect
    .poll(
      async () =>
        ((await (await fetch(appUrl(`/api/runs/${runId}`))).json()) as { status: string }).status,
      { timeout: 30_000 },
    )
    .toBe('completed');
  const list = (await (
    await fetch(appUrl(`/api/generations?limit=5&q=${encodeURIComponent(prompt)}`))
  ).json()) as { items: { uuid: string; prompt: string }[] };
  const hit = list.items.find((i) => i.prompt === prompt);
  expect(hit, `generation for “${prompt}”`).toBeTruthy();
  return hit!.uuid;
}

/** Records whether the page POSTs /api/runs from now on. */
function watchRunPosts(page: Page): () => boolean {
  let posted = false;
  page.on('request', (r) => {
    if (r.method() === 'POST' && r.url().endsWith('/api/runs')) posted = true;
  });
  return () => posted;
}

/** Drops text (a URL, as dragging an image from another tab carries) on `selector`. */
async function dropUrl(page: Page, selector: string, url: string): Promise<void> {
  await page.evaluate(
    ({ selector, url }) => {
      const el = document.querySelector(selector)!;
      const r = el.getBoundingClientRect();
      const dt = new DataTransfer();
      dt.setData('text/uri-list', url);
      dt.setData('text/plain', url);
      const at = {
        clientX: r.left + r.width / 2,
        clientY: r.top + Math.min(40, r.height / 2),
        bubbles: true,
        cancelable: true,
        dataTransfer: dt,
      };
      el.dispatchEvent(new DragEvent('dragover', at));
      el.dispatchEvent(new DragEvent('drop', at));
    },
    { selector, url },
  );
}

test('load image: pick a gallery image by search, drop one, and run it', async ({ page }) => {
  const fox = await makeImage(`a ${WORD} in a red scarf`);
  const owl = await makeImage(`a ${WORD} under the moon`);
  await freshEditor(page);
  await dragFromPalette(page, 'load-image', 200, 150);
  const li = node(page, 'load-image-1');
  await expect(li.getByTestId('node-checks')).toContainText('load image: set "source"');

  await li.getByTestId('pick-image').click();
  const picker = page.getByTestId('image-picker');
  await expect(picker).toBeVisible();
  await picker.getByTestId('image-picker-search').fill(WORD);
  await expect(picker.getByTestId('picker-image')).toHaveCount(2);
  await expect(picker.locator('img').first()).toHaveJSProperty('complete', true);
  await shot(page, '40-load-image-picker');
  await picker.getByTestId('image-picker-search').fill(`${WORD} moon`);
  await expect(picker.getByTestId('picker-image')).toHaveCount(1);
  await picker.getByTestId('picker-image').click();
  await expect(picker).toHaveCount(0);
  await expect(li.getByTestId('source-thumb')).toHaveAttribute(
    'src',
    `/api/generations/${owl}/thumb`,
  );
  await expect(li.getByTestId('source-text')).toHaveValue(owl);
  await expect(li.getByTestId('node-checks')).toHaveCount(0);
  await page.getByTestId('undo').click();
  await expect(li.getByTestId('source-text')).toHaveValue('');
  await page.getByTestId('redo').click();
  await expect(li.getByTestId('source-text')).toHaveValue(owl);

  // A gallery URL dropped on the node replaces its image; dropped on the canvas it adds a Load image.
  await dropUrl(
    page,
    '.react-flow__node[data-id="load-image-1"] [data-testid="image-source"]',
    appUrl(`/api/generations/${fox}/image`),
  );
  await expect(li.getByTestId('source-text')).toHaveValue(fox);
  await dropUrl(page, '.react-flow__pane', appUrl(`/api/generations/${owl}/image`));
  await expect(nodes(page)).toHaveCount(2);
  await expect(node(page, 'load-image-2').getByTestId('source-text')).toHaveValue(owl);

  // The runtime loads the chosen generation.
  await dragFromPalette(page, 'save', 700, 150);
  await dragWire(
    page,
    handle(page, 'load-image-1', 'image', 'source'),
    handle(page, 'save-1', 'image', 'target'),
  );
  await node(page, 'load-image-2').locator('.mnode-head').click();
  await page.keyboard.press('Delete');
  await expect(nodes(page)).toHaveCount(2);
  await page.getByTestId('run').click();
  await expect(node(page, 'save-1').locator('.mnode')).toHaveAttribute(
    'data-status',
    /done|cached/,
    { timeout: 30_000 },
  );
  await shot(page, '41-load-image-chosen');
});

test('pre-run checks: an empty model and a missing SD_CPP_BIN are on the node before Run, and Run explains', async ({
  page,
}) => {
  await freshEditor(page);
  await dropFile(
    page,
    { name: 'nomodel.json', content: txt2imgGraph({ model: '' }) },
    'application/json',
  );
  const g1 = node(page, 'g1');
  await expect(g1.getByTestId('node-checks')).toContainText(
    `Choose a model in the txt2img node's "Model" param`,
  );
  await expect(g1.locator('[data-param="model"]')).toHaveClass(/warn/);
  const posted = watchRunPosts(page);
  await page.getByTestId('run').click();
  await expect(page.getByTestId('toast').filter({ hasText: 'Cannot run yet' })).toContainText(
    'Text to image: Choose a model',
  );
  await shot(page, '42-prerun-warning');
  expect(posted()).toBe(false);
  await param(page, 'g1', 'model').selectOption('checkpoints/dummy-sd15.safetensors');
  await expect(g1.getByTestId('node-checks')).toHaveCount(0);

  // A runtime without SD_CPP_BIN (GET /api/health sdCppConfigured: false).
  await page.waitForTimeout(600); // the draft is written 400 ms after the last edit
  await page.route('**/api/health', async (route) => {
    const res = await route.fetch();
    await route.fulfill({
      response: res,
      json: { ...((await res.json()) as object), sdCppConfigured: false },
    });
  });
  await page.reload();
  await expect(page.locator('.app[data-ready]')).toBeVisible();
  await expect(g1.getByTestId('node-checks')).toContainText(
    'Set SD_CPP_BIN to the path of stable-diffusion.cpp',
  );
  await expect(node(page, 's1').getByTestId('node-checks')).toHaveCount(0);
  await page.getByTestId('run').click();
  await expect(page.getByTestId('toast').filter({ hasText: 'Cannot run yet' })).toContainText(
    'stable-diffusion.cpp is not configured',
  );
  await shot(page, '43-prerun-sdcpp');
  expect(posted()).toBe(false);
});

test('rename a node by double-clicking its title; apply a prompt style; both undoable', async ({
  page,
}) => {
  const style = `Cinematic ${WORD}`;
  const r = await fetch(appUrl('/api/prompt-templates'), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      name: style,
      category: 'Photo',
      prompt: 'cinematic still of {prompt}, film grain',
      negativePrompt: 'cartoon',
    }),
  });
  expect(r.status, await r.clone().text()).toBe(201);
  await openEditor(page);
  await page.getByRole('button', { name: 'New', exact: true }).click();
  await page.getByTestId('load-default').click();
  const gen = node(page, 'txt2img-1');

  await gen.getByTestId('node-title').dblclick();
  await gen.getByTestId('node-title-input').fill('Hero shot');
  await gen.getByTestId('node-title-input').press('Enter');
  await expect(gen.getByTestId('node-title')).toHaveText('Hero shot');
  await expect(gen.locator('.mnode-type')).toHaveText('Text to image');
  await shot(page, '44-renamed-node');
  // Esc cancels an edit in progress.
  await gen.getByTestId('node-title').dblclick();
  await gen.getByTestId('node-title-input').fill('Nope');
  await gen.getByTestId('node-title-input').press('Escape');
  await expect(gen.getByTestId('node-title')).toHaveText('Hero shot');
  await page.getByTestId('undo').click();
  await expect(gen.getByTestId('node-title')).toHaveText('Text to image');
  await expect(gen.locator('.mnode-type')).toHaveCount(0);
  await page.getByTestId('redo').click();
  await expect(gen.getByTestId('node-title')).toHaveText('Hero shot');

  const prompt = await param(page, 'prompt-1', 'text').inputValue();
  const negative = await param(page, 'prompt-2', 'text').inputValue();
  await node(page, 'prompt-1').getByTestId('style-picker').selectOption({ label: style });
  await expect(param(page, 'prompt-1', 'text')).toHaveValue(
    `cinematic still of ${prompt}, film grain`,
  );
  await expect(param(page, 'prompt-2', 'text')).toHaveValue(`${negative}, cartoon`);
  await page.getByTestId('undo').click();
  await expect(param(page, 'prompt-1', 'text')).toHaveValue(prompt);
  await expect(param(page, 'prompt-2', 'text')).toHaveValue(negative);

  // The title is part of the document: it survives a reload (local draft).
  await page.waitForTimeout(600);
  await page.reload();
  await expect(page.locator('.app[data-ready]')).toBeVisible();
  await expect(gen.getByTestId('node-title')).toHaveText('Hero shot');
});
