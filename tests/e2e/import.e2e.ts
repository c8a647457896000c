/**
 * Dropping a PNG with an embedded ComfyUI workflow onto the canvas loads it through
 * POST /api/workflows/from-image; what could not be mapped is reported, never silently dropped.
 */
import { join } from 'node:path';
import { test, expect, freshEditor, nodes, edges, shot, dropFile } from './helpers/app';
import { SHARED } from './helpers/global-setup';

test('drop a ComfyUI PNG and get its workflow as a graph', async ({ page }) => {
  await freshEditor(page);
  await dropFile(page, join(SHARED, 'fixtures/png/comfyui_lora.png'), 'image/png');
  await expect(page.getByTestId('toast').filter({ hasText: 'Loaded workflow' })).toBeVisible();
  await expect.poll(() => nodes(page).count()).toBeGreaterThanOrEqual(3);
  await expect.poll(() => edges(page).count()).toBeGreaterThanOrEqual(2);
  await expect(page.locator('.react-flow__node[data-id] .mnode[data-type="txt2img"]')).toHaveCount(1);
  const promptText = await page.locator('.mnode[data-type="prompt"] textarea').first().inputValue();
  expect(promptText.length).toBeGreaterThan(0);
  await expect(page.getByTestId('dirty')).toHaveText('●');
  await shot(page, '20-imported-png');
});
