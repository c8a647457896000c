/**
 * Issue 13: a standalone Flux diffusion model without its text encoders is refused before the
 * run, and the problem is shown on the node ("Flux needs a T5-XXL text encoder and a CLIP-L");
 * the node says which family it detected.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  test,
  expect,
  freshEditor,
  dragFromPalette,
  dragWire,
  handle,
  node,
  param,
} from './helpers/app';
import { safetensorsBytes } from '../unit/models/craft';

test('a Flux stack missing its encoders shows the pre-run problem on the node', async ({
  page,
  consoleErrors,
}) => {
  const dir = join(process.env.MYSTI_E2E_ROOT!, 'models', 'diffusion_models');
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'flux-e2e.safetensors'),
    safetensorsBytes([
      { name: 'double_blocks.0.img_attn.qkv.weight', shape: [12, 4] },
      { name: 'single_blocks.0.linear1.weight', shape: [8, 4] },
      { name: 'img_in.weight', shape: [4, 64] },
    ]),
  );
  const scan = await page.request.post(`${process.env.MYSTI_E2E_URL}/api/models/scan`, {
    headers: { origin: process.env.MYSTI_E2E_URL! },
  });
  expect(scan.ok()).toBe(true);

  await freshEditor(page);
  await dragFromPalette(page, 'prompt', 20, 160);
  await dragFromPalette(page, 'txt2img', 400, 60);
  await dragWire(
    page,
    handle(page, 'prompt-1', 'text', 'source'),
    handle(page, 'txt2img-1', 'prompt', 'target'),
  );
  await param(page, 'prompt-1', 'text').fill('a fox');
  const model = param(page, 'txt2img-1', 'model', 'select');
  await model.selectOption(
    (await model.locator('option', { hasText: 'flux-e2e' }).getAttribute('value'))!,
  );
  await expect(node(page, 'txt2img-1').getByTestId('node-family')).toHaveText(
    'Detected: Flux · standalone diffusion model',
  );
  await page.getByTestId('run').click();
  await expect(node(page, 'txt2img-1').getByTestId('node-issues')).toContainText(
    'Flux needs a T5-XXL text encoder and a CLIP-L',
  );
  // Chromium logs every 4xx fetch as a console error; this one is the runtime's expected refusal.
  expect(consoleErrors.splice(0)).toEqual([expect.stringContaining('status of 400')]);
});
