/**
 * The first-minutes story of a ComfyUI/InvokeAI user: drag prompt, LLM enhance, txt2img and save
 * from the palette, wire them by dragging handles, get refused when wiring text into an image
 * input, set params, run (sd-cli stand-in + the real stories260K LLM), watch progress, see the
 * image on the save node, save the workflow, reload and find it again.
 */
import {
  test,
  expect,
  freshEditor,
  dragFromPalette,
  dragWire,
  handle,
  node,
  nodes,
  edges,
  param,
  shot,
} from './helpers/app';

test('build a txt2img graph from the palette, run it, and find it after a reload', async ({
  page,
}) => {
  await freshEditor(page);

  await test.step('drag four nodes from the palette', async () => {
    // Zoom out first so four 270 px nodes fit side by side in the pane.
    await page.locator('.react-flow__controls-zoomout').click();
    await page.locator('.react-flow__controls-zoomout').click();
    await dragFromPalette(page, 'prompt', 20, 160);
    await dragFromPalette(page, 'llm-enhance', 250, 60);
    await dragFromPalette(page, 'txt2img', 480, 60);
    await dragFromPalette(page, 'save', 720, 160);
    await expect(nodes(page)).toHaveCount(4);
    for (const id of ['prompt-1', 'llm-enhance-1', 'txt2img-1', 'save-1'])
      await expect(node(page, id)).toBeVisible();
  });

  await test.step('connect ports by dragging handles', async () => {
    await dragWire(
      page,
      handle(page, 'prompt-1', 'text', 'source'),
      handle(page, 'llm-enhance-1', 'prompt', 'target'),
    );
    await dragWire(
      page,
      handle(page, 'llm-enhance-1', 'text', 'source'),
      handle(page, 'txt2img-1', 'prompt', 'target'),
    );
    await dragWire(
      page,
      handle(page, 'txt2img-1', 'image', 'source'),
      handle(page, 'save-1', 'image', 'target'),
    );
    await expect(edges(page)).toHaveCount(3);
  });

  await test.step('an incompatible connection is refused with a reason', async () => {
    await dragWire(
      page,
      handle(page, 'prompt-1', 'text', 'source'),
      handle(page, 'save-1', 'tags', 'target'),
    );
    await expect(page.getByTestId('toast').filter({ hasText: 'Cannot connect' })).toContainText(
      'text output cannot feed a tags input',
    );
    await expect(edges(page)).toHaveCount(3);
  });

  await test.step('set params', async () => {
    await param(page, 'prompt-1', 'text').fill('a lighthouse at dusk');
    const llmModel = param(page, 'llm-enhance-1', 'model');
    await llmModel.selectOption(
      (await llmModel.locator('option', { hasText: 'stories260K' }).getAttribute('value'))!,
    );
    await param(page, 'llm-enhance-1', 'maxTokens').fill('12');
    await param(page, 'llm-enhance-1', 'seed', 'input[type=checkbox]').uncheck();
    const sdModel = param(page, 'txt2img-1', 'model');
    await sdModel.selectOption(
      (await sdModel.locator('option', { hasText: 'dummy-sd15' }).getAttribute('value'))!,
    );
    await param(page, 'txt2img-1', 'steps', 'input[type=number]').fill('8');
    await param(page, 'txt2img-1', 'width', 'input[type=number]').fill('128');
    await param(page, 'txt2img-1', 'width', 'input[type=number]').blur();
    await param(page, 'txt2img-1', 'height', 'input[type=number]').fill('128');
    await param(page, 'txt2img-1', 'height', 'input[type=number]').blur();
    await param(page, 'txt2img-1', 'sampler').selectOption('euler_a');
    await expect(param(page, 'txt2img-1', 'steps', 'input[type=range]')).toHaveValue('8');
    await expect(page.getByTestId('dirty')).toHaveText('●');
    await shot(page, '01-built-graph');
  });

  await test.step('run and watch progress', async () => {
    // Record every status and progress label the nodes show, however briefly.
    await page.evaluate(() => {
      const seen: Record<string, string[]> = {};
      (window as unknown as { __seen: typeof seen }).__seen = seen;
      const note = () => {
        for (const el of document.querySelectorAll<HTMLElement>('.mnode[data-status]')) {
          const id = el.dataset.testid!.slice(5);
          const list = (seen[id] ??= []);
          const s = el.dataset.status!;
          if (list[list.length - 1] !== s) list.push(s);
          const label = el.querySelector('.progress-label')?.textContent;
          if (label && !list.includes(`progress:${label}`)) list.push(`progress:${label}`);
        }
      };
      new MutationObserver(note).observe(document.body, {
        subtree: true,
        childList: true,
        attributes: true,
        characterData: true,
      });
    });
    await page.getByTestId('run').click();
    await expect(page.getByTestId('run-item').first()).toBeVisible();
    await expect(node(page, 'txt2img-1').locator('.mnode')).toHaveAttribute(
      'data-status',
      'running',
      { timeout: 60_000 },
    );
    await shot(page, '02-running');
    await expect(node(page, 'save-1').locator('.mnode')).toHaveAttribute('data-status', 'done', {
      timeout: 60_000,
    });
    const seen = await page.evaluate(
      () => (window as unknown as { __seen: Record<string, string[]> }).__seen,
    );
    expect(seen['txt2img-1']).toContain('running');
    expect(seen['txt2img-1']!.some((s) => /progress:.*\d+\/8/.test(s))).toBe(true);
    expect(seen['llm-enhance-1']).toContain('running');
    await expect(page.getByTestId('run-item').first()).toHaveAttribute('data-status', 'completed');
  });

  await test.step('see the streamed text and the image on the save node', async () => {
    await expect(node(page, 'llm-enhance-1').getByTestId('node-text')).not.toBeEmpty();
    const img = node(page, 'save-1').getByTestId('output-image');
    await expect(img).toBeVisible();
    await expect.poll(() => img.evaluate((el) => (el as HTMLImageElement).naturalWidth)).toBe(128);
    await shot(page, '03-finished');
  });

  await test.step('save, reload and find the graph persisted', async () => {
    await page.getByTestId('graph-name').fill('Lighthouse');
    await page.getByTestId('save').click();
    await expect(page.getByTestId('toast').filter({ hasText: 'Saved' })).toBeVisible();
    await expect(page.getByTestId('dirty')).toHaveText('');
    expect(page.url()).toMatch(/#g=/);
    await page.reload();
    await expect(page.locator('.app[data-ready]')).toBeVisible();
    await expect(nodes(page)).toHaveCount(4);
    await expect(edges(page)).toHaveCount(3);
    await expect(page.getByTestId('graph-name')).toHaveValue('Lighthouse');
    await expect(param(page, 'prompt-1', 'text')).toHaveValue('a lighthouse at dusk');
    await expect(param(page, 'txt2img-1', 'sampler')).toHaveValue('euler_a');
    await expect(page.getByTestId('dirty')).toHaveText('');
    // The last run's results come back on the nodes.
    await expect(node(page, 'save-1').getByTestId('output-image')).toBeVisible();
    await shot(page, '04-reloaded');
  });
});
