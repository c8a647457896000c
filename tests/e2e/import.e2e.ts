/**
 * Dropping a PNG with an embedded ComfyUI workflow onto the canvas loads it through
 * POST /api/workflows/from-image; what could not be mapped is reported, never silently dropped.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { test, expect, freshEditor, nodes, edges, shot } from './helpers/app';
import { SHARED } from './helpers/global-setup';

async function dropFile(page: Page, path: string, type: string) {
  const b64 = readFileSync(path).toString('base64');
  const name = path.split('/').pop()!;
  await page.evaluate(
    ({ b64, name, type }) => {
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const dt = new DataTransfer();
      dt.items.add(new File([bytes], name, { type }));
      const pane = document.querySelector('.react-flow__pane')!;
      const r = pane.getBoundingClientRect();
      const at = { clientX: r.left + 300, clientY: r.top + 200, bubbles: true, cancelable: true, dataTransfer: dt };
      pane.dispatchEvent(new DragEvent('dragover', at));
      pane.dispatchEvent(new DragEvent('drop', at));
    },
    { b64, name, type },
  );
}

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
