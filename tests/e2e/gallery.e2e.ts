/**
 * The gallery in real chromium against the real runtime (sd.cpp stand-in): make three images
 * over the API, then in the UI search (with highlights), open the lightbox and move with the
 * keyboard, tag an image and filter by that tag, favorite, trash and restore, and open an image's
 * workflow on the editor canvas.
 */
import { test, expect, freshEditor, appUrl, nodes, shot } from './helpers/app';
import type { Page } from '@playwright/test';

const WORD = `quokka${Date.now().toString(36)}`;
const PROMPTS = [`a ${WORD} on a red bicycle`, `a ${WORD} reading a map`, `a lonely lighthouse ${WORD}x`];

async function makeImage(prompt: string): Promise<void> {
  const graph = {
    format: 'mysticanvas.graph', version: 1, name: `gallery e2e ${prompt}`,
    nodes: [
      { id: 'p', type: 'prompt', position: { x: 0, y: 0 }, params: { text: prompt } },
      { id: 'g', type: 'txt2img', position: { x: 320, y: 0 }, params: { model: 'checkpoints/dummy-sd15.safetensors', width: 128, height: 128, steps: 2, seed: 1 } },
      { id: 's', type: 'save', position: { x: 640, y: 0 }, params: { filenamePrefix: 'gal' } },
    ],
    edges: [
      { id: 'e1', source: 'p', sourceHandle: 'text', target: 'g', targetHandle: 'prompt' },
      { id: 'e2', source: 'g', sourceHandle: 'image', target: 's', targetHandle: 'image' },
    ],
  };
  const r = await fetch(appUrl('/api/runs'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ graph }) });
  expect(r.status, await r.clone().text()).toBe(202);
  const { runId } = (await r.json()) as { runId: string };
  await expect.poll(async () => ((await (await fetch(appUrl(`/api/runs/${runId}`))).json()) as { status: string }).status, { timeout: 30_000 }).toBe('completed');
}

const tiles = (page: Page) => page.getByTestId('gallery-tile');

async function search(page: Page, text: string): Promise<void> {
  await page.getByTestId('gallery-search').fill(text);
}

test('gallery: search, lightbox keys, tag filter, favorite, trash/restore, open workflow', async ({ page }) => {
  await test.step('make three images', async () => {
    for (const p of PROMPTS) await makeImage(p);
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
    await shot(page, 'gallery-01-search');
  });

  const uuids = await tiles(page).evaluateAll((els) => els.map((e) => e.getAttribute('data-uuid')!));

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
    await shot(page, 'gallery-02-lightbox');
    await page.keyboard.press('Escape');
    await expect(lb).toHaveCount(0);
  });

  const tagged = uuids[1]!;
  await test.step('tag an image (source user) and filter by the tag', async () => {
    await page.locator(`[data-testid="gallery-tile"][data-uuid="${tagged}"]`).click();
    await page.getByTestId('meta-add-tag').fill('Keeper E2E');
    await page.getByTestId('meta-add-tag').press('Enter');
    await expect(page.getByTestId('meta-tag').filter({ hasText: 'keeper e2e' })).toContainText('user');
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
