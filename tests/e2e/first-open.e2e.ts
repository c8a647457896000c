/**
 * First open, like ComfyUI: no saved draft and no `#g=` workflow → the default txt2img workflow
 * (prompt + negative prompt → Text to image → Save image) with the first image model selected;
 * without models, a hint names the folders to put them in; an empty canvas says what to do.
 */
import { test, expect, openEditor, node, nodes, edges, param, shot, appUrl } from './helpers/app';

test('the first open shows the default workflow, ready to run', async ({ page }) => {
  await openEditor(page);
  await expect(nodes(page)).toHaveCount(4);
  await expect(edges(page)).toHaveCount(3);
  await expect(
    page.locator('.react-flow__edge[data-id="e-prompt-2.text-txt2img-1.negative"]'),
  ).toHaveCount(1);
  await expect(node(page, 'prompt-2').locator('.mnode-title')).toHaveText('Negative prompt');
  expect((await param(page, 'prompt-1', 'text').inputValue()).length).toBeGreaterThan(10);
  await expect(param(page, 'txt2img-1', 'model')).toHaveValue('checkpoints/dummy-sd15.safetensors');
  await expect(page.getByTestId('dirty')).toHaveText('');
  await expect(page.getByTestId('no-models-hint')).toHaveCount(0);
  // Every node is inside the viewport once the initial fit ran (after the nodes were measured).
  await expect(async () => {
    const pane = (await page.locator('.react-flow__pane').boundingBox())!;
    for (const id of ['prompt-1', 'prompt-2', 'txt2img-1', 'save-1']) {
      const b = (await node(page, id).boundingBox())!;
      expect(b.x).toBeGreaterThanOrEqual(pane.x);
      expect(b.y).toBeGreaterThanOrEqual(pane.y);
      expect(b.x + b.width).toBeLessThanOrEqual(pane.x + pane.width);
      expect(b.y + b.height).toBeLessThanOrEqual(pane.y + pane.height);
    }
  }).toPass({ timeout: 5000 });
  await shot(page, '00-default-workflow');

  // An edit makes it a draft that survives a reload (instead of the default coming back).
  await param(page, 'prompt-1', 'text').fill('a lighthouse in the fog');
  await expect(page.getByTestId('dirty')).toHaveText('●');
  await page.waitForTimeout(600); // the draft is written 400 ms after the last edit
  await page.reload();
  await expect(page.locator('.app[data-ready]')).toBeVisible();
  await expect(param(page, 'prompt-1', 'text')).toHaveValue('a lighthouse in the fog');

  // New gives an empty canvas with a hint; the default comes back from the hint.
  await page.getByRole('button', { name: 'New', exact: true }).click();
  await expect(nodes(page)).toHaveCount(0);
  await expect(page.getByTestId('empty-hint')).toBeVisible();
  await page.getByTestId('load-default').click();
  await expect(nodes(page)).toHaveCount(4);
  await expect(page.getByTestId('empty-hint')).toHaveCount(0);
});

test('without models, the canvas says where to put them', async ({ page }) => {
  // The e2e runtime has models; answer the registry as a fresh install would.
  await page.route('**/api/models', (r) => r.fulfill({ json: { models: [], folders: [] } }));
  await page.goto(appUrl('/'));
  await expect(page.locator('.app[data-ready]')).toBeVisible();
  const hint = page.getByTestId('no-models-hint');
  await expect(hint).toContainText('No models found');
  await expect(hint).toContainText('MYSTI_MODELS');
  // The folders come from GET /api/health: the e2e runtime's MYSTI_MODELS temp folder.
  await expect(hint.locator('code').first()).toContainText('mysti-e2e-');
  await expect(param(page, 'txt2img-1', 'model')).toHaveValue('');
  await shot(page, '05-no-models');
  await hint.getByTitle('Hide').click();
  await expect(hint).toHaveCount(0);
});
