/**
 * Building and editing: every edit kind is undone with Ctrl+Z and redone with Ctrl+Shift+Z;
 * quick-add by double-click and by dropping a wire on empty space; copy/paste between tabs;
 * help overlay.
 */
import type { Page } from '@playwright/test';
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
  nodePosition,
  shot,
} from './helpers/app';

async function undo(page: Page) {
  await page.keyboard.press('Control+z');
}
async function redo(page: Page) {
  await page.keyboard.press('Control+Shift+z');
}
/** Clicks empty canvas so keys go to the canvas, not a field. */
async function focusCanvas(page: Page) {
  await page.locator('.react-flow__pane').click({ position: { x: 20, y: 20 } });
}

test('undo and redo every kind of edit', async ({ page }) => {
  await freshEditor(page);

  await test.step('add node', async () => {
    await dragFromPalette(page, 'prompt', 100, 150);
    await expect(nodes(page)).toHaveCount(1);
    await focusCanvas(page);
    await undo(page);
    await expect(nodes(page)).toHaveCount(0);
    await redo(page);
    await expect(nodes(page)).toHaveCount(1);
  });

  await test.step('connect', async () => {
    await dragFromPalette(page, 'txt2img', 500, 100);
    await dragWire(
      page,
      handle(page, 'prompt-1', 'text', 'source'),
      handle(page, 'txt2img-1', 'prompt', 'target'),
    );
    await expect(edges(page)).toHaveCount(1);
    await focusCanvas(page);
    await undo(page);
    await expect(edges(page)).toHaveCount(0);
    await redo(page);
    await expect(edges(page)).toHaveCount(1);
  });

  await test.step('set a param (typing merges into one step)', async () => {
    await param(page, 'prompt-1', 'text').fill('first');
    await param(page, 'prompt-1', 'text').pressSequentially(' words', { delay: 20 });
    await expect(param(page, 'prompt-1', 'text')).toHaveValue('first words');
    await focusCanvas(page);
    await undo(page);
    await expect(param(page, 'prompt-1', 'text')).toHaveValue('');
    await redo(page);
    await expect(param(page, 'prompt-1', 'text')).toHaveValue('first words');
    await param(page, 'txt2img-1', 'steps', 'input[type=number]').fill('33');
    await focusCanvas(page);
    await undo(page);
    await expect(param(page, 'txt2img-1', 'steps', 'input[type=number]')).toHaveValue('20');
    await redo(page);
    await expect(param(page, 'txt2img-1', 'steps', 'input[type=number]')).toHaveValue('33');
  });

  await test.step('move', async () => {
    const before = await nodePosition(page, 'prompt-1');
    const head = node(page, 'prompt-1').locator('.mnode-head');
    const b = (await head.boundingBox())!;
    await page.mouse.move(b.x + 30, b.y + 10);
    await page.mouse.down();
    await page.mouse.move(b.x + 80, b.y + 140, { steps: 10 });
    await page.mouse.up();
    const after = await nodePosition(page, 'prompt-1');
    expect(after.y).toBeGreaterThan(before.y + 50);
    await focusCanvas(page);
    await undo(page);
    expect(await nodePosition(page, 'prompt-1')).toEqual(before);
    await redo(page);
    expect(await nodePosition(page, 'prompt-1')).toEqual(after);
  });

  await test.step('duplicate', async () => {
    await node(page, 'prompt-1').locator('.mnode-head').click();
    await page.keyboard.press('Control+d');
    await expect(nodes(page)).toHaveCount(3);
    await expect(param(page, 'prompt-2', 'text')).toHaveValue('first words');
    await undo(page);
    await expect(nodes(page)).toHaveCount(2);
    await redo(page);
    await expect(nodes(page)).toHaveCount(3);
  });

  await test.step('delete (node with its wires)', async () => {
    await node(page, 'prompt-1').locator('.mnode-head').click();
    await page.keyboard.press('Delete');
    await expect(nodes(page)).toHaveCount(2);
    await expect(edges(page)).toHaveCount(0);
    await undo(page);
    await expect(nodes(page)).toHaveCount(3);
    await expect(edges(page)).toHaveCount(1);
    await redo(page);
    await expect(nodes(page)).toHaveCount(2);
    await undo(page);
  });

  await test.step('auto-arrange', async () => {
    const before = await nodePosition(page, 'txt2img-1');
    await focusCanvas(page);
    await page.keyboard.press('l');
    await expect
      .poll(async () => JSON.stringify(await nodePosition(page, 'txt2img-1')))
      .not.toBe(JSON.stringify(before));
    await undo(page);
    expect(await nodePosition(page, 'txt2img-1')).toEqual(before);
    await redo(page);
    await expect
      .poll(async () => JSON.stringify(await nodePosition(page, 'txt2img-1')))
      .not.toBe(JSON.stringify(before));
  });

  await test.step('note and rename', async () => {
    await focusCanvas(page);
    await page.keyboard.press('n');
    await expect(page.locator('.react-flow__node[data-id^="note-"]')).toHaveCount(1);
    await undo(page);
    await expect(page.locator('.react-flow__node[data-id^="note-"]')).toHaveCount(0);
    await page.getByTestId('graph-name').fill('Renamed');
    await focusCanvas(page);
    await undo(page);
    await expect(page.getByTestId('graph-name')).toHaveValue('Untitled');
    await redo(page);
    await expect(page.getByTestId('graph-name')).toHaveValue('Renamed');
  });
  await shot(page, '10-editing');
});

test('quick-add by double-click and by dropping a wire on empty space', async ({ page }) => {
  await freshEditor(page);
  const pane = page.locator('.react-flow__pane');
  await pane.dblclick({ position: { x: 200, y: 200 } });
  await expect(page.getByTestId('add-menu')).toBeVisible();
  await page.keyboard.type('text to');
  await page.keyboard.press('Enter');
  await expect(node(page, 'txt2img-1')).toBeVisible();

  const box = (await pane.boundingBox())!;
  await dragWire(page, handle(page, 'txt2img-1', 'image', 'source'), {
    x: box.x + 900,
    y: box.y + 300,
  });
  const menu = page.getByTestId('add-menu');
  await expect(menu).toBeVisible();
  await expect(menu.getByTestId('add-save')).toBeVisible();
  await expect(menu.getByTestId('add-upscale')).toBeVisible();
  await expect(menu.getByTestId('add-prompt')).toHaveCount(0);
  await shot(page, '11-link-drop-menu');
  await menu.getByTestId('add-save').click();
  await expect(node(page, 'save-1')).toBeVisible();
  await expect(edges(page)).toHaveCount(1);
  await expect(
    page.locator('.react-flow__edge[data-id="e-txt2img-1.image-save-1.image"]'),
  ).toHaveCount(1);

  await page.keyboard.press('?');
  await expect(page.getByTestId('help')).toBeVisible();
  await shot(page, '12-help');
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('help')).toHaveCount(0);
});

test('copy in one tab, paste in another', async ({ page, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await freshEditor(page);
  await dragFromPalette(page, 'prompt', 100, 150);
  await dragFromPalette(page, 'llm-enhance', 450, 150);
  await dragWire(
    page,
    handle(page, 'prompt-1', 'text', 'source'),
    handle(page, 'llm-enhance-1', 'prompt', 'target'),
  );
  await param(page, 'prompt-1', 'text').fill('copied prompt');
  await page.locator('.react-flow__pane').click({ position: { x: 20, y: 20 } });
  await page.keyboard.press('Control+a');
  await page.keyboard.press('Control+c');

  const other = await context.newPage();
  const errors: string[] = [];
  other.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  await freshEditor(other);
  await other.locator('.react-flow__pane').click({ position: { x: 300, y: 300 } });
  await other.keyboard.press('Control+v');
  await expect(other.locator('.react-flow__node')).toHaveCount(2);
  await expect(other.locator('.react-flow__edge')).toHaveCount(1);
  await expect(other.locator('.react-flow__node[data-id="prompt-1"] textarea')).toHaveValue(
    'copied prompt',
  );
  await shot(other, '13-pasted');
  await other.keyboard.press('Control+z');
  await expect(other.locator('.react-flow__node')).toHaveCount(0);
  expect(errors).toEqual([]);
  await other.close();
});
