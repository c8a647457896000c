/**
 * Bypass and mute as a user does it (issue 15 §1): right-click the upscale between txt2img and
 * save → Bypass, select a second save branch → Ctrl+M, run. The save gets the un-upscaled image,
 * the muted branch does not run, and the run's node records say so.
 */
import { test, expect, freshEditor, dropFile, node, shot, appUrl } from './helpers/app';

const graph = JSON.stringify({
  format: 'mysticanvas.graph',
  version: 3,
  name: 'e2e bypass',
  nodes: [
    { id: 'p1', type: 'prompt', position: { x: 0, y: 0 }, params: { text: 'a bypassed fox' } },
    {
      id: 'g1',
      type: 'txt2img',
      position: { x: 320, y: 0 },
      params: {
        model: 'checkpoints/dummy-sd15.safetensors',
        width: 128,
        height: 128,
        steps: 4,
        seed: 11,
      },
    },
    {
      id: 'u1',
      type: 'upscale',
      position: { x: 640, y: 0 },
      params: { method: 'lanczos', scale: 2 },
    },
    { id: 's1', type: 'save', position: { x: 960, y: 0 }, params: {} },
    { id: 's2', type: 'save', position: { x: 640, y: 420 }, params: {} },
  ],
  edges: [
    { id: 'e1', source: 'p1', sourceHandle: 'text', target: 'g1', targetHandle: 'prompt' },
    { id: 'e2', source: 'g1', sourceHandle: 'image', target: 'u1', targetHandle: 'image' },
    { id: 'e3', source: 'u1', sourceHandle: 'image', target: 's1', targetHandle: 'image' },
    { id: 'e4', source: 'g1', sourceHandle: 'image', target: 's2', targetHandle: 'image' },
  ],
});

test('bypass an upscale from the node menu, mute a branch with Ctrl+M, run', async ({ page }) => {
  await freshEditor(page);
  await dropFile(page, { name: 'bypass.json', content: graph }, 'application/json');
  await expect(node(page, 'u1')).toBeVisible();

  await test.step('right-click the upscale → Bypass', async () => {
    await node(page, 'u1').locator('.mnode-head').click({ button: 'right' });
    await expect(page.getByTestId('node-menu')).toBeVisible();
    await page.getByTestId('node-menu-bypass').click();
    await expect(page.getByTestId('node-menu')).toHaveCount(0);
    await expect(node(page, 'u1').locator('.mnode')).toHaveAttribute('data-mode', 'bypass');
    await expect(node(page, 'u1').getByTestId('node-mode')).toHaveText('bypassed');
  });

  await test.step('select the second save and press Ctrl+M (twice toggles back, three times mutes)', async () => {
    await node(page, 's2').locator('.mnode-head').click();
    await page.keyboard.press('Control+m');
    await expect(node(page, 's2').locator('.mnode')).toHaveAttribute('data-mode', 'mute');
    await page.keyboard.press('Control+m');
    await expect(node(page, 's2').locator('.mnode')).not.toHaveAttribute('data-mode', /./);
    await page.keyboard.press('Control+m');
    await expect(node(page, 's2').getByTestId('node-mode')).toHaveText('muted');
    await shot(page, '40-bypass-mute');
  });

  await test.step('run: the save gets the un-upscaled 128 px image; the muted save does not run', async () => {
    const posted = page.waitForResponse(
      (r) => r.request().method() === 'POST' && r.url().endsWith('/api/runs'),
    );
    await page.getByTestId('run').click();
    const runId = ((await (await posted).json()) as { runId: string }).runId;
    await expect(node(page, 's1').locator('.mnode')).toHaveAttribute('data-status', 'done', {
      timeout: 60_000,
    });
    const img = node(page, 's1').getByTestId('output-image');
    await expect.poll(() => img.evaluate((el) => (el as HTMLImageElement).naturalWidth)).toBe(128);
    await expect(node(page, 'u1').locator('.mnode')).toHaveAttribute('data-status', 'skipped');
    await expect(node(page, 's2').locator('.mnode')).toHaveAttribute('data-status', 'skipped');
    await expect(node(page, 's2').getByTestId('output-image')).toHaveCount(0);
    const run = (await (await page.request.get(appUrl(`/api/runs/${runId}`))).json()) as {
      status: string;
      nodes: Record<string, { status: string }>;
      graph: { nodes: { id: string; mode?: string }[] };
    };
    expect(run.status).toBe('completed');
    expect(Object.fromEntries(Object.entries(run.nodes).map(([id, n]) => [id, n.status]))).toEqual({
      p1: 'completed',
      g1: 'completed',
      u1: 'skipped',
      s1: 'completed',
      s2: 'skipped',
    });
    // The modes travel in the run's graph document (what a reopen or a rerun sees).
    expect(run.graph.nodes.find((n) => n.id === 'u1')!.mode).toBe('bypass');
    await shot(page, '41-bypass-ran');
  });
});
