/**
 * Dropping a PNG with an embedded ComfyUI workflow onto the canvas uploads it (POST /api/uploads)
 * and offers its workflow: "Open as workflow" loads it; a workflow JSON dropped loads through
 * POST /api/workflows/from-image; what could not be mapped is reported, never silently dropped.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, expect, freshEditor, nodes, edges, shot, dropFile } from './helpers/app';
import { SHARED } from './helpers/global-setup';

test('drop a ComfyUI PNG and get its workflow as a graph', async ({ page }) => {
  await freshEditor(page);
  await dropFile(page, join(SHARED, 'fixtures/png/comfyui_lora.png'), 'image/png');
  const choice = page.getByTestId('drop-choice');
  await expect(choice).toContainText('ComfyUI workflow');
  await choice.getByTestId('open-as-workflow').click();
  await expect(choice).toHaveCount(0);
  await expect(page.getByTestId('toast').filter({ hasText: 'Loaded workflow' })).toBeVisible();
  await expect.poll(() => nodes(page).count()).toBeGreaterThanOrEqual(3);
  await expect.poll(() => edges(page).count()).toBeGreaterThanOrEqual(2);
  await expect(page.locator('.react-flow__node[data-id] .mnode[data-type="txt2img"]')).toHaveCount(
    1,
  );
  const promptText = await page.locator('.mnode[data-type="prompt"] textarea').first().inputValue();
  expect(promptText.length).toBeGreaterThan(0);
  await expect(page.getByTestId('dirty')).toHaveText('●');
  await shot(page, '20-imported-png');
});

test('a ComfyUI workflow with nodes we cannot map keeps them as placeholders, with their data', async ({
  page,
}) => {
  await freshEditor(page);
  // The SDXL base + refiner API workflow, with a sharpen pass (a node we have no equivalent for) before saving.
  const wf = JSON.parse(
    readFileSync(join(SHARED, 'fixtures/json/comfyui_api_sdxl_base_refiner.json'), 'utf8'),
  );
  wf['99'] = {
    class_type: 'ImageSharpen',
    inputs: { image: ['12', 0], sharpen_radius: 1, sigma: 0.5, alpha: 0.5 },
  };
  wf['13'].inputs.images = ['99', 0];
  await dropFile(
    page,
    { name: 'sdxl_sharpen.json', content: JSON.stringify(wf) },
    'application/json',
  );
  await expect(page.getByTestId('toast').filter({ hasText: 'Loaded workflow' })).toBeVisible();
  const placeholders = page.locator('.mnode.placeholder');
  await expect.poll(() => placeholders.count()).toBeGreaterThan(0);
  await expect(page.getByTestId('toast').filter({ hasText: 'placeholder' }).first()).toBeVisible();
  const first = placeholders.first();
  await expect(first).toHaveAttribute('data-type', 'comfyui:ImageSharpen');
  await expect(first.locator('.badge')).toHaveText(/not available/i);
  await expect(first.locator('.mnode-title')).toHaveText('ImageSharpen');
  await expect(first.locator('.placeholder-note')).toContainText('ComfyUI node');
  await expect(first.locator('.placeholder-params')).toContainText('sharpen_radius');
  await shot(page, '21-imported-placeholders');
  // Saved as it was loaded: the placeholder keeps its type and original ComfyUI object.
  const placeholdersInDraft = () =>
    page.evaluate(() => {
      const draft = JSON.parse(localStorage.getItem('mysti.draft') ?? 'null') as {
        doc: { nodes: { type: string; data?: { original?: unknown } }[] };
      } | null;
      return (draft?.doc.nodes ?? []).filter((n) => n.type.startsWith('comfyui:'));
    });
  await expect.poll(async () => (await placeholdersInDraft()).length).toBeGreaterThan(0);
  const kept = await placeholdersInDraft();
  expect(kept[0]?.data?.original).toBeTruthy();
});
