/**
 * App mode (issue 20): expose the prompt and seed of the default workflow from their nodes, switch
 * to App, type a prompt, Run ×2 (the second run's seed is the first's + 1), watch the progress
 * and get two images, open one in the lightbox; undo in the editor removes an exposure and the
 * form follows; the saved graph reopens in App view from its own URL (#/app/<id>); the form works
 * from the keyboard (tab order, Ctrl+Enter) and at 1280×720 and 390×844.
 */
import {
  test,
  expect,
  openEditor,
  freshEditor,
  dropFile,
  node,
  shot,
  appUrl,
  txt2imgGraph,
} from './helpers/app';
import type { Page } from '@playwright/test';

const field = (page: Page, name: string) =>
  page.getByTestId('app-view').locator(`[data-field="${name}"]`);
const fieldNames = (page: Page) =>
  page
    .getByTestId('app-view')
    .locator('.app-field')
    .evaluateAll((els) => els.map((e) => e.getAttribute('data-field')));

test('expose, run ×2 from the App form, lightbox, undo follows, the URL reopens the App view', async ({
  page,
  request,
}) => {
  await page.setViewportSize({ width: 1280, height: 720 });
  await openEditor(page);
  await expect(node(page, 'txt2img-1')).toBeVisible();

  // Nothing exposed yet: the App view offers the Text to image defaults and says how to choose.
  await page.getByTestId('tab-app').click();
  await expect(page.getByTestId('app-hint')).toBeVisible();
  expect(await fieldNames(page)).toEqual([
    'Prompt',
    'Negative prompt',
    'Model',
    'Width (px)',
    'Height (px)',
    'Steps',
    'CFG scale',
    'Seed',
  ]);
  // Size presets set width and height together, one undo step.
  await page.getByTestId('size-preset').selectOption({ label: '3:2 · 768×512' });
  await expect(field(page, 'Width (px)').locator('input[type="number"]')).toHaveValue('768');
  await expect(field(page, 'Height (px)').locator('input[type="number"]')).toHaveValue('512');
  await shot(page, '60-app-default');
  await page.keyboard.press('ControlOrMeta+z');
  await expect(field(page, 'Width (px)').locator('input[type="number"]')).toHaveValue('512');

  // Expose the prompt and the seed from their nodes (the pins on the widgets).
  await page.getByTestId('tab-editor').click();
  await node(page, 'prompt-1').getByTestId('pin-text').click();
  await node(page, 'txt2img-1').getByTestId('pin-seed').click();
  await expect(node(page, 'txt2img-1').getByTestId('pin-seed')).toHaveAttribute(
    'aria-pressed',
    'true',
  );
  await shot(page, '66-editor-pins');
  await page.getByTestId('tab-app').click();
  await expect(page.getByTestId('app-hint')).toHaveCount(0);
  expect(await fieldNames(page)).toEqual(['Prompt', 'Seed']);

  // Keyboard only from here: type the prompt, a fixed seed, tab to the count and run with Ctrl+Enter.
  const prompt = field(page, 'Prompt').locator('textarea');
  await prompt.focus();
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.type('a paper boat on a pond, app mode');
  await page.keyboard.press('Tab');
  // The seed is "random": its −, text box and + are disabled, so Tab lands on the random toggle.
  await expect(field(page, 'Seed').getByLabel('random seed')).toBeFocused();
  await page.keyboard.press('Space');
  await page.keyboard.press('Shift+Tab'); // + (seed + 1)
  await page.keyboard.press('Shift+Tab'); // the seed's text box (exact 64-bit decimal text)
  const seedBox = field(page, 'Seed').getByLabel('seed', { exact: true });
  await expect(seedBox).toBeFocused();
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.type('100');
  await page.keyboard.press('Tab'); // + (seed + 1)
  await page.keyboard.press('Tab'); // random toggle
  await page.keyboard.press('Tab'); // new-seed dice
  await page.keyboard.press('Tab');
  await expect(page.getByTestId('app-count')).toBeFocused();
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.type('2');
  await page.keyboard.press('Tab');
  await expect(page.getByTestId('app-run')).toBeFocused();
  await expect(page.getByTestId('app-run')).toHaveText('▶ Run ×2');
  await page.keyboard.press('ControlOrMeta+Enter');

  // Progress per run and phase, then two images.
  const lines = page.getByTestId('app-run-line');
  await expect(lines).toHaveCount(2, { timeout: 15_000 });
  await expect(page.getByTestId('app-phase').first()).toContainText(/Text to image: .*\d+\/20/, {
    timeout: 30_000,
  });
  await shot(page, '61-app-progress');
  await expect(lines.nth(0)).toHaveAttribute('data-status', 'completed', { timeout: 60_000 });
  await expect(lines.nth(1)).toHaveAttribute('data-status', 'completed', { timeout: 60_000 });
  const images = page.getByTestId('app-image');
  await expect(images).toHaveCount(2);
  await expect(images.first()).toBeEnabled();
  await shot(page, '62-app-results');
  await page.setViewportSize({ width: 390, height: 844 });
  await expect(images.nth(1)).toBeInViewport();
  await shot(page, '67-app-phone-results');
  await page.setViewportSize({ width: 1280, height: 720 });

  // The two runs: the typed prompt, seeds 100 and 101 (Run ×N increments fixed seeds).
  const runs = (await (await request.get(appUrl('/api/runs?limit=2'))).json()).items as {
    id: string;
  }[];
  const seeds: unknown[] = [];
  for (const r of runs) {
    const v = await (await request.get(appUrl(`/api/runs/${r.id}`))).json();
    seeds.push(v.nodes['txt2img-1'].params.seed);
    expect(v.graph.nodes.find((n: { id: string }) => n.id === 'prompt-1').params.text).toBe(
      'a paper boat on a pond, app mode',
    );
  }
  expect(seeds.sort()).toEqual(['100', '101']); // exact decimal text (graph format v3)

  // An image opens in the lightbox; Esc closes it.
  await images.first().click();
  await expect(page.getByTestId('lightbox')).toBeVisible();
  await expect(page.getByTestId('lightbox-image')).toBeVisible();
  await shot(page, '63-app-lightbox');
  // ←/→ step through the strip's images.
  const first = await page.getByTestId('lightbox').getAttribute('data-uuid');
  await page.keyboard.press('ArrowRight');
  await expect(page.getByTestId('lightbox')).not.toHaveAttribute('data-uuid', first!);
  await page.keyboard.press('ArrowLeft');
  await expect(page.getByTestId('lightbox')).toHaveAttribute('data-uuid', first!);
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('lightbox')).toHaveCount(0);

  // One graph, one history: expose Steps in the editor, undo there, and the form follows.
  await page.getByTestId('tab-editor').click();
  await expect(node(page, 'prompt-1').locator('[data-param="text"] textarea')).toHaveValue(
    'a paper boat on a pond, app mode',
  );
  await node(page, 'txt2img-1').getByTestId('pin-steps').click();
  await page.getByTestId('tab-app').click();
  expect(await fieldNames(page)).toEqual(['Prompt', 'Seed', 'Steps']);
  await page.getByTestId('tab-editor').click();
  await page.getByTestId('undo').click();
  await expect(node(page, 'txt2img-1').getByTestId('pin-steps')).toHaveAttribute(
    'aria-pressed',
    'false',
  );
  await page.getByTestId('tab-app').click();
  expect(await fieldNames(page)).toEqual(['Prompt', 'Seed']);

  // Save from the App view: the URL is the App view's own, and a reload comes back to the form.
  await page.keyboard.press('ControlOrMeta+s');
  await expect(page).toHaveURL(/#\/app\/[\w-]+$/);
  const graphId = decodeURIComponent(new URL(page.url()).hash.slice('#/app/'.length));
  await page.reload();
  await expect(page.locator('html[data-restored]')).toHaveCount(1);
  await expect(page.getByTestId('app-view')).toBeVisible();
  expect(await fieldNames(page)).toEqual(['Prompt', 'Seed']);
  await expect(field(page, 'Prompt').locator('textarea')).toHaveValue(
    'a paper boat on a pond, app mode',
  );
  // The latest run's image is back in the strip and still opens in the viewer.
  await expect(page.getByTestId('app-image')).toHaveCount(1);
  await expect(page.getByTestId('app-image')).toBeEnabled();

  // The headless description of the same form.
  const schema = await (await request.get(appUrl(`/api/graphs/${graphId}/app`))).json();
  expect(Object.keys(schema.properties)).toEqual(['Prompt', 'Seed']);
  expect(schema.properties.Seed.default).toBe('100');

  // Phone size: one column, nothing cut off sideways.
  await page.setViewportSize({ width: 390, height: 844 });
  await expect(page.getByTestId('app-run')).toBeVisible();
  const overflow = await page
    .getByTestId('app-view')
    .evaluate((el) => el.scrollWidth - el.clientWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  await shot(page, '64-app-phone');

  // The e2e runtime is shared by every file, and a first open paints the latest run on the default
  // workflow when the node ids match: leave a latest run of another graph (first-open.e2e.ts runs later).
  const other = await (
    await request.post(appUrl('/api/runs'), {
      data: { graph: JSON.parse(txt2imgGraph({ steps: 1, name: 'after app mode' })) },
    })
  ).json();
  await expect
    .poll(
      async () => (await (await request.get(appUrl(`/api/runs/${other.runId}`))).json()).status,
      { timeout: 30_000 },
    )
    .toBe('completed');
});

test('the workflow library opens a saved graph straight in the App view', async ({
  page,
  request,
}) => {
  const graph = JSON.parse(
    JSON.stringify({
      format: 'mysticanvas.graph',
      version: 2,
      name: 'App library e2e',
      nodes: [
        {
          id: 'p1',
          type: 'prompt',
          position: { x: 0, y: 0 },
          params: { text: 'a red fox' },
          app: { inputs: [{ param: 'text', label: 'Describe it' }] },
        },
        {
          id: 'g1',
          type: 'txt2img',
          position: { x: 320, y: 0 },
          params: {
            model: 'checkpoints/dummy-sd15.safetensors',
            width: 128,
            height: 128,
            steps: 4,
            seed: 7,
          },
          app: { inputs: [{ param: 'steps', group: 'Advanced' }] },
        },
        { id: 's1', type: 'save', position: { x: 640, y: 0 }, params: {}, app: { output: {} } },
      ],
      edges: [
        { id: 'e1', source: 'p1', sourceHandle: 'text', target: 'g1', targetHandle: 'prompt' },
        { id: 'e2', source: 'g1', sourceHandle: 'image', target: 's1', targetHandle: 'image' },
      ],
    }),
  );
  const saved = await (await request.post(appUrl('/api/graphs'), { data: { graph } })).json();
  await openEditor(page);
  await page.getByRole('button', { name: 'Open', exact: true }).click();
  await page
    .getByTestId('workflows')
    .locator('li', { hasText: 'App library e2e' })
    .getByTestId('open-in-app')
    .click();
  await expect(page.getByTestId('app-view')).toBeVisible();
  await expect(page).toHaveURL(new RegExp(`#/app/${saved.id}$`));
  expect(await fieldNames(page)).toEqual(['Describe it', 'Steps']);
  await expect(page.getByTestId('app-view').locator('fieldset legend')).toHaveText('Advanced');
  await page.setViewportSize({ width: 390, height: 844 });
  await shot(page, '65-app-library-phone');

  // Labels, groups and order are edited in the form, each an undoable edit of the same graph.
  await page.getByTestId('app-edit-layout').click();
  const label = page.getByLabel('Label of Steps');
  await label.fill('Quality');
  await label.press('Tab');
  await expect.poll(() => fieldNames(page)).toEqual(['Describe it', 'Quality']);
  await page.getByLabel('Group of Quality').fill('');
  await page.getByLabel('Group of Quality').press('Tab');
  await page.getByLabel('Move Quality up').click();
  await expect.poll(() => fieldNames(page)).toEqual(['Quality', 'Describe it']);
  await shot(page, '69-app-edit-layout-phone');
  await page.keyboard.press('ControlOrMeta+z');
  await expect.poll(() => fieldNames(page)).toEqual(['Describe it', 'Quality']);
});

test('an unconnected text input is shown in the app through a wired Prompt node', async ({
  page,
}) => {
  await freshEditor(page);
  await dropFile(
    page,
    { name: 'no-negative.json', content: txt2imgGraph({ name: 'no negative' }) },
    'application/json',
  );
  await expect(node(page, 'g1')).toBeVisible();
  await node(page, 'g1').getByTestId('pin-port-negative').click();
  await expect(node(page, 'prompt-1').locator('.mnode-title')).toHaveText('Negative prompt');
  await expect(node(page, 'g1').getByTestId('pin-port-negative')).toHaveCount(0);
  await expect(
    page.locator('.react-flow__edge[data-id="e-prompt-1.text-g1.negative"]'),
  ).toHaveCount(1);
  await shot(page, '68-port-pin');
  await page.getByTestId('tab-app').click();
  expect(await fieldNames(page)).toEqual(['Negative prompt']);
  await field(page, 'Negative prompt').locator('textarea').fill('grainy');
  await page.getByTestId('tab-editor').click();
  await expect(node(page, 'prompt-1').locator('[data-param="text"] textarea')).toHaveValue(
    'grainy',
  );
});

test('a field the run cannot start with says why, in the form', async ({ page }) => {
  // A fresh install without models: the default workflow's Model is empty.
  await page.route('**/api/models', (r) => r.fulfill({ json: { models: [], folders: [] } }));
  await page.goto(appUrl('/'));
  await expect(page.locator('html[data-restored]')).toHaveCount(1);
  await page.getByTestId('tab-app').click();
  await expect(field(page, 'Model').getByTestId('app-field-problem')).toBeVisible();
  let posted = false;
  page.on('request', (r) => {
    if (r.method() === 'POST' && r.url().endsWith('/api/runs')) posted = true;
  });
  await page.getByTestId('app-run').click();
  await expect(page.getByTestId('toast').first()).toContainText('Model');
  expect(posted).toBe(false);
  await page.setViewportSize({ width: 390, height: 844 });
  await shot(page, '70-app-problem-phone');
});
