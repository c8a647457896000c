/**
 * Settings as a user changes them (issue 15 §7): open ⚙, set the VRAM budget, Save — GET
 * /api/vram follows at once; the fields an environment variable overrides say so; the theme
 * switches to light and back to the system preference.
 */
import { test, expect, openEditor, shot, appUrl } from './helpers/app';

test('change the VRAM budget in Settings and /api/vram follows; env overrides are shown', async ({
  page,
}) => {
  // The system preference decides by default: pin it to dark for this test.
  await page.emulateMedia({ colorScheme: 'dark' });
  await openEditor(page);
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await page.getByTestId('open-settings').click();
  const dialog = page.getByTestId('settings');
  await expect(dialog).toBeVisible();
  // The e2e studio runs with MYSTI_MODELS and MYSTI_SD_THREADS set (helpers/global-setup.ts).
  await expect(dialog.getByTestId('override-models')).toContainText('MYSTI_MODELS');
  await expect(dialog.getByTestId('override-threads.sd')).toContainText('MYSTI_SD_THREADS');
  await expect(dialog.getByTestId('override-vram.budgetMb')).toHaveCount(0);

  const vram = async () =>
    ((await (await page.request.get(appUrl('/api/vram'))).json()) as { budgetBytes: number })
      .budgetBytes;
  const before = await vram();
  await dialog.getByTestId('setting-vram.budgetMb').fill('6144');
  await dialog.getByTestId('settings-save').click();
  await expect(page.getByTestId('toast').filter({ hasText: 'Settings saved' })).toBeVisible();
  await expect.poll(vram).toBe(6144 * 1024 * 1024);
  // The toolbar's indicator polls (10 s when idle) and shows the new budget.
  await expect(page.getByTestId('vram')).toContainText(/\/ 6(\.0)? GB/, { timeout: 20_000 });

  await dialog.getByTestId('setting-theme').selectOption('light');
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');
  await shot(page, '80-settings-light');

  // Put things back for the tests after this one: no budget in config.json, system theme.
  await dialog.getByTestId('setting-vram.budgetMb').fill('');
  await dialog.getByTestId('settings-save').click();
  await expect.poll(vram).toBe(before);
  await dialog.getByTestId('setting-theme').selectOption('system');
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  // …and a system switch to light is followed while the choice is "system".
  await page.emulateMedia({ colorScheme: 'light' });
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'light');
});
