/**
 * The gallery in real chromium against the real runtime (sd.cpp stand-in): make three images
 * (and a txt2img → img2img chain) over the API, then in the UI search (with highlights), open the
 * lightbox and move with the keyboard (the Editor/Gallery switch hides meanwhile), tag an image
 * and filter by that tag, favorite, trash and restore, tag a selection through the inline field,
 * compare two images, follow the lineage, rerun an image's run, and open an image's workflow on
 * the editor canvas. Screenshots of grid, lightbox, compare and lineage go to tests/e2e/artifacts.
 */
import { test, expect, freshEditor, appUrl, nodes, shot } from './helpers/app';
import type { Page } from '@playwright/test';

const WORD = `quokka${Date.now().toString(36)}`;
const PROMPTS = [
  `a ${WORD} on a red bicycle`,
  `a ${WORD} reading a map`,
  `a lonely lighthouse ${WORD}x`,
];
const CHAIN = `lineage${Date.now().toString(36)}`;
const MODEL = 'checkpoints/dummy-sd15.safetensors';

async function waitRun(runId: string): Promise<void> {
  await expect
    .poll(
      async () =>
        ((await (await fetch(appUrl(`/api/runs/${runId}`))).json()) as { status: string }).status,
      { timeout: 30_000 },
    )
    .toBe('completed');
}

async function submit(graph: unknown): Promise<void> {
  const r = await fetch(appUrl('/api/runs'), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ graph }),
  });
  expect(r.status, await r.clone().text()).toBe(202);
  await waitRun(((await r.json()) as { runId: string }).runId);
}

async function makeImage(prompt: string): Promise<void> {
  await submit({
    format: 'mysticanvas.graph',
    version: 1,
    name: `gallery e2e ${prompt}`,
    nodes: [
      { id: 'p', type: 'prompt', position: { x: 0, y: 0 }, params: { text: prompt } },
      {
        id: 'g',
        type: 'txt2img',
        position: { x: 320, y: 0 },
        params: { model: MODEL, width: 128, height: 128, steps: 2, seed: 1 },
      },
      { id: 's', type: 'save', position: { x: 640, y: 0 }, params: { filenamePrefix: 'gal' } },
    ],
    edges: [
      { id: 'e1', source: 'p', sourceHandle: 'text', target: 'g', targetHandle: 'prompt' },
      { id: 'e2', source: 'g', sourceHandle: 'image', target: 's', targetHandle: 'image' },
    ],
  });
}

/** txt2img → save → img2img → save: the second image's lineage holds the first. */
async function makeChain(prompt: string): Promise<void> {
  await submit({
    format: 'mysticanvas.graph',
    version: 1,
    name: `gallery e2e chain ${prompt}`,
    nodes: [
      { id: 'p', type: 'prompt', position: { x: 0, y: 0 }, params: { text: prompt } },
      {
        id: 'g',
        type: 'txt2img',
        position: { x: 320, y: 0 },
        params: { model: MODEL, width: 128, height: 128, steps: 2, seed: 5 },
      },
      { id: 's1', type: 'save', position: { x: 640, y: 0 }, params: { filenamePrefix: 'chain-a' } },
      {
        id: 'r',
        type: 'img2img',
        position: { x: 960, y: 0 },
        params: { model: MODEL, steps: 2, seed: 6, strength: 0.5 },
      },
      {
        id: 's2',
        type: 'save',
        position: { x: 1280, y: 0 },
        params: { filenamePrefix: 'chain-b' },
      },
    ],
    edges: [
      { id: 'e1', source: 'p', sourceHandle: 'text', target: 'g', targetHandle: 'prompt' },
      { id: 'e2', source: 'g', sourceHandle: 'image', target: 's1', targetHandle: 'image' },
      { id: 'e3', source: 's1', sourceHandle: 'image', target: 'r', targetHandle: 'image' },
      { id: 'e4', source: 'p', sourceHandle: 'text', target: 'r', targetHandle: 'prompt' },
      { id: 'e5', source: 'r', sourceHandle: 'image', target: 's2', targetHandle: 'image' },
    ],
  });
}

const tiles = (page: Page) => page.getByTestId('gallery-tile');

async function search(page: Page, text: string): Promise<void> {
  await page.getByTestId('gallery-search').fill(text);
}

test('gallery: search, lightbox keys, tag filter, favorite, trash/restore, open workflow', async ({
  page,
}) => {
  await test.step('make three images and a two-image chain', async () => {
    for (const p of PROMPTS) await makeImage(p);
    await makeChain(`a ${CHAIN} harbour at dawn`);
  });

  await freshEditor(page);
  await page.getByTestId('tab-gallery').click();
  await expect(page.getByTestId('gallery')).toBeVisible();
  await expect(tiles(page).first()).toBeVisible();

  await test.step('debounced search with highlights', async () => {
    await search(page, WORD);
    await expect(tiles(page)).toHaveCount(3); // the last word is a prefix: "…x" matches too
    await search(page, `${WORD} map`);
    await expect(tiles(page)).toHaveCount(1);
    await expect(tiles(page).first().locator('mark').first()).toHaveText(new RegExp(WORD));
    await search(page, WORD);
    await expect(tiles(page)).toHaveCount(3);
    await shot(page, 'gallery-01-grid');
  });

  const uuids = await tiles(page).evaluateAll((els) =>
    els.map((e) => e.getAttribute('data-uuid')!),
  );

  await test.step('lightbox: open, ←/→, i, Esc', async () => {
    await tiles(page).first().click();
    const lb = page.getByTestId('lightbox');
    await expect(lb).toHaveAttribute('data-uuid', uuids[0]!);
    await expect(page.getByTestId('meta-prompt')).toContainText(WORD);
    await page.keyboard.press('ArrowRight');
    await expect(lb).toHaveAttribute('data-uuid', uuids[1]!);
    await page.keyboard.press('ArrowRight');
    await expect(lb).toHaveAttribute('data-uuid', uuids[2]!);
    await page.keyboard.press('ArrowLeft');
    await expect(lb).toHaveAttribute('data-uuid', uuids[1]!);
    await expect(page.getByTestId('gallery-meta')).toBeVisible();
    await page.keyboard.press('i');
    await expect(page.getByTestId('gallery-meta')).toHaveCount(0);
    await page.keyboard.press('i');
    await expect(page.getByTestId('gallery-meta')).toBeVisible();
    await expect(page.getByTestId('lightbox-image')).toHaveJSProperty('complete', true);
    // The Editor/Gallery switch would sit on the picture: hidden while the lightbox is open.
    await expect(page.getByTestId('tab-gallery')).toBeHidden();
    await shot(page, 'gallery-02-lightbox');
    await page.keyboard.press('Escape');
    await expect(lb).toHaveCount(0);
    await expect(page.getByTestId('tab-gallery')).toBeVisible();
  });

  const tagged = uuids[1]!;
  await test.step('tag an image (source user) and filter by the tag', async () => {
    await page.locator(`[data-testid="gallery-tile"][data-uuid="${tagged}"]`).click();
    await page.getByTestId('meta-add-tag').fill('Keeper E2E');
    await page.getByTestId('meta-add-tag').press('Enter');
    await expect(page.getByTestId('meta-tag').filter({ hasText: 'keeper e2e' })).toContainText(
      'user',
    );
    await page.keyboard.press('Escape'); // leaves the tag field
    await page.keyboard.press('Escape'); // closes the lightbox
    await search(page, '');
    await page.getByTestId('gallery-tag').fill('keeper e2e');
    await expect(tiles(page)).toHaveCount(1);
    await expect(tiles(page).first()).toHaveAttribute('data-uuid', tagged);
    await page.getByTestId('gallery-tag').fill('');
  });

  await test.step('favorite', async () => {
    await search(page, WORD);
    await expect(tiles(page)).toHaveCount(3);
    await tiles(page).nth(2).click();
    const fav = page.getByTestId('lb-favorite');
    await expect(fav).toHaveAttribute('aria-pressed', 'false');
    await fav.click();
    await expect(fav).toHaveAttribute('aria-pressed', 'true');
    await page.keyboard.press('Escape');
    await page.getByTestId('gallery-favorites').check();
    await expect(tiles(page)).toHaveCount(1);
    await expect(tiles(page).first()).toHaveAttribute('data-uuid', uuids[2]!);
    await expect(tiles(page).first().getByLabel('Favorite')).toBeVisible();
    await page.getByTestId('gallery-favorites').uncheck();
  });

  await test.step('trash and restore', async () => {
    await expect(tiles(page)).toHaveCount(3);
    await tiles(page).first().click();
    await page.getByTestId('lb-trash').click();
    await expect(page.getByTestId('lightbox')).toHaveAttribute('data-uuid', uuids[1]!); // moved on
    await page.keyboard.press('Escape');
    await expect(tiles(page)).toHaveCount(2);
    await page.getByTestId('gallery-trash').check();
    await expect(tiles(page)).toHaveCount(1);
    await expect(tiles(page).first()).toHaveAttribute('data-uuid', uuids[0]!);
    await tiles(page).first().click();
    await page.getByTestId('lb-trash').click(); // "Restore" in the trash view
    await expect(tiles(page)).toHaveCount(0);
    await page.getByTestId('gallery-trash').uncheck();
    await expect(tiles(page)).toHaveCount(3);
  });

  await test.step('tag a selection through the inline field (no prompt() dialog)', async () => {
    let dialogs = 0;
    page.on('dialog', (d) => (dialogs++, void d.dismiss()));
    await search(page, WORD);
    await expect(tiles(page)).toHaveCount(3);
    await tiles(page)
      .nth(0)
      .click({ modifiers: ['Control'] });
    await tiles(page)
      .nth(2)
      .click({ modifiers: ['Control'] });
    await expect(page.getByTestId('batch-bar')).toContainText('2 selected');
    await page.getByTestId('batch-tag').click();
    await page.getByTestId('batch-tag-input').fill('pair e2e, Second One');
    await shot(page, 'gallery-04-inline-tag');
    await page.getByTestId('batch-tag-input').press('Enter');
    await expect(page.getByTestId('batch-tag-input')).toHaveCount(0);
    await expect(page.getByTestId('batch-bar')).toHaveCount(0); // the grid reloads with the new tags, selection cleared
    await search(page, '');
    await page.getByTestId('gallery-tag').fill('pair e2e');
    await expect(tiles(page)).toHaveCount(2);
    expect(
      (await tiles(page).evaluateAll((els) => els.map((e) => e.getAttribute('data-uuid')))).sort(),
    ).toEqual([uuids[0], uuids[2]].sort());
    await page.getByTestId('gallery-tag').fill('');
    expect(dialogs).toBe(0);
  });

  await test.step('compare two images side by side', async () => {
    await search(page, WORD);
    await expect(tiles(page)).toHaveCount(3);
    await tiles(page)
      .nth(0)
      .click({ modifiers: ['Control'] });
    await tiles(page)
      .nth(1)
      .click({ modifiers: ['Control'] });
    await page.getByTestId('batch-compare').click();
    const cmp = page.getByTestId('compare');
    await expect(cmp).toBeVisible();
    await expect(page.getByTestId('tab-gallery')).toBeHidden();
    const imgs = cmp.locator('.gal-cmp-images img');
    await expect(imgs).toHaveCount(2);
    for (const k of [0, 1]) await expect(imgs.nth(k)).toHaveJSProperty('complete', true);
    // Same model, size and seed; only the prompts differ.
    await expect(page.getByTestId('compare-diff')).toHaveCount(1);
    await expect(page.getByTestId('compare-diff').locator('th')).toHaveText('Prompt');
    await expect(cmp.locator('tr', { hasText: 'Seed' })).not.toHaveClass(/diff/);
    await shot(page, 'gallery-05-compare');
    await page.keyboard.press('Escape');
    await expect(cmp).toHaveCount(0);
    await page.keyboard.press('Escape'); // clears the selection
    await expect(page.getByTestId('batch-bar')).toHaveCount(0);
  });

  await test.step('lineage: the refined image shows its source; clicking it jumps there', async () => {
    await search(page, CHAIN);
    await expect(tiles(page)).toHaveCount(2);
    const [refined, source] = await tiles(page).evaluateAll((els) =>
      els.map((e) => e.getAttribute('data-uuid')!),
    );
    await tiles(page).first().click();
    const lin = page.getByTestId('lineage');
    await expect(lin.getByTestId('lineage-node')).toHaveCount(1);
    await expect(lin.getByTestId('lineage-node')).toHaveAttribute('data-uuid', source!);
    await expect(lin).toContainText('Made from (1)');
    await expect(lin).toContainText('Used by (0)');
    await expect(lin.locator('img').first()).toHaveJSProperty('complete', true);
    await shot(page, 'gallery-06-lineage');
    await lin.getByTestId('lineage-node').click();
    await expect(page.getByTestId('lightbox')).toHaveAttribute('data-uuid', source!);
    await expect(page.getByTestId('lineage')).toContainText('Used by (1)');
    await expect(page.getByTestId('lineage').getByTestId('lineage-node')).toHaveAttribute(
      'data-uuid',
      refined!,
    );
    await page.keyboard.press('Escape');
  });

  await test.step('rerun an image: its recorded run is queued again and completes', async () => {
    await search(page, WORD);
    await tiles(page).first().click();
    const rerunBtn = page.getByTestId('lb-rerun');
    await expect(rerunBtn).toBeEnabled();
    const posted = page.waitForResponse(
      (r) =>
        r.request().method() === 'POST' &&
        /\/api\/runs(\/[^/]+\/rerun)?$/.test(new URL(r.url()).pathname),
    );
    await rerunBtn.click();
    const res = await posted;
    expect(res.status()).toBe(202);
    const body = (await res.json()) as { runId: string; rerunOf?: string };
    expect(body.rerunOf).toBeTruthy(); // the recorded run was reused (resolved params), not a fresh graph
    await expect(page.getByText(`Queued run ${body.runId.slice(0, 8)}`)).toBeVisible();
    await waitRun(body.runId);
    const run = (await (await fetch(appUrl(`/api/runs/${body.runId}`))).json()) as {
      rerunOf: string | null;
    };
    expect(run.rerunOf).toBe(body.rerunOf);
    await page.keyboard.press('Escape');
  });

  await test.step('open the workflow of an image in the editor', async () => {
    await page.locator(`[data-testid="gallery-tile"][data-uuid="${uuids[0]}"]`).click();
    await page.getByTestId('lb-open-workflow').click();
    await expect(page.getByTestId('gallery')).toHaveCount(0);
    await expect(nodes(page)).toHaveCount(3);
    await expect(page.locator('.react-flow__node[data-id="p"]')).toBeVisible();
    await expect(page.getByTestId('graph-name')).toHaveValue(/gallery e2e/);
    await shot(page, 'gallery-03-workflow-opened');
  });
});
