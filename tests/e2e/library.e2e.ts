/**
 * The workflow library as a user does it (issue 15 §6): Save as under a new name, find it by
 * searching, duplicate and rename it, mark it as a template; open a shipped template with "New
 * from template" and the user's template from the same list.
 */
import {
  test,
  expect,
  freshEditor,
  dropFile,
  node,
  nodes,
  shot,
  txt2imgGraph,
} from './helpers/app';

test('save as, search, duplicate, rename, template; new from template', async ({ page }) => {
  await freshEditor(page);
  await dropFile(
    page,
    { name: 'lib.json', content: txt2imgGraph({ name: 'Library base' }) },
    'application/json',
  );
  await expect(node(page, 'g1')).toBeVisible();
  const dialog = page.getByTestId('workflows');
  const items = dialog.getByTestId('workflow-item');

  await test.step('Save as (Ctrl+Shift+S) under a new name', async () => {
    page.once('dialog', (d) => void d.accept('Zebra library test'));
    await page.keyboard.press('Control+Shift+S');
    await expect(
      page.getByTestId('toast').filter({ hasText: 'Saved “Zebra library test”' }),
    ).toBeVisible();
    await expect(page.getByTestId('graph-name')).toHaveValue('Zebra library test');
  });

  await test.step('find it by name, duplicate and rename the copy, mark it as template', async () => {
    await page.getByRole('button', { name: 'Open', exact: true }).click();
    await dialog.getByTestId('workflow-search').fill('zebra');
    await expect(items).toHaveCount(1);
    await items.first().getByTestId('duplicate-workflow').click();
    await expect(items).toHaveCount(2);
    await dialog.getByTestId('workflow-sort').selectOption('name');
    await expect(items.nth(1)).toContainText('Zebra library test (copy)');
    page.once('dialog', (d) => void d.accept('Zebra house style'));
    await items.nth(1).getByTestId('rename-workflow').click();
    await expect(items.nth(0)).toContainText('Zebra house style');
    await items.nth(0).getByTestId('template-workflow').click();
    await expect(items.nth(0).getByTestId('template-workflow')).toHaveAttribute(
      'aria-pressed',
      'true',
    );
    await shot(page, '70-library');
  });

  await test.step('New from template: a shipped example', async () => {
    await dialog.getByTestId('library-tab-templates').click();
    const tpl = dialog.getByTestId('template-item');
    await expect(tpl.filter({ hasText: 'Text to image' })).toBeVisible();
    await expect(tpl.filter({ hasText: 'Zebra house style' })).toBeVisible();
    await shot(page, '71-templates');
    await tpl.filter({ hasText: 'Text to image' }).getByTestId('use-template').click();
    await expect(dialog).toHaveCount(0);
    await expect(page.getByTestId('graph-name')).toHaveValue('Text to image');
    await expect(nodes(page)).toHaveCount(4); // graphs/txt2img.graph.json: prompt, negative, txt2img, save
    // A template opens as a new, unsaved workflow.
    expect(page.url()).not.toMatch(/#g=/);
  });

  await test.step('New from template: the one marked by the user', async () => {
    await page.getByRole('button', { name: 'Open', exact: true }).click();
    await dialog.getByTestId('library-tab-templates').click();
    page.once('dialog', (d) => void d.accept());
    await dialog
      .getByTestId('template-item')
      .filter({ hasText: 'Zebra house style' })
      .getByTestId('use-template')
      .click();
    await expect(page.getByTestId('graph-name')).toHaveValue('Zebra house style');
    await expect(node(page, 'g1')).toBeVisible();
  });
});
