/**
 * Running: problems highlighted before a run, a failing node shows its error, the event stream
 * resumes after a dropped connection without losing state, and a run is cancelled from the queue.
 */
import { test, expect, freshEditor, dropFile, node, shot, txt2imgGraph } from './helpers/app';

const status = (page: import('@playwright/test').Page, id: string) =>
  node(page, id).locator('.mnode');

test('validation problems are highlighted before a run and nothing is sent', async ({ page }) => {
  await freshEditor(page);
  const doc = JSON.parse(txt2imgGraph()) as { edges: unknown[] };
  doc.edges = doc.edges.slice(1); // txt2img loses its prompt
  await dropFile(page, { name: 'broken.json', content: JSON.stringify(doc) }, 'application/json');
  await expect(node(page, 'g1')).toBeVisible();
  let posted = false;
  page.on('request', (r) => {
    if (r.method() === 'POST' && r.url().endsWith('/api/runs')) posted = true;
  });
  await page.getByTestId('run').click();
  await expect(status(page, 'g1')).toHaveClass(/has-issues/);
  await expect(node(page, 'g1').getByTestId('node-issues')).toContainText(
    'needs its prompt input connected',
  );
  await expect(page.getByTestId('toast').filter({ hasText: 'problem' })).toBeVisible();
  expect(posted).toBe(false);
  await shot(page, '30-validation');
});

test('the runtime refusing a graph (unknown model) is shown on the node', async ({
  page,
  consoleErrors,
}) => {
  await freshEditor(page);
  await dropFile(
    page,
    { name: 'nomodel.json', content: txt2imgGraph({ model: 'missing-model.safetensors' }) },
    'application/json',
  );
  await expect(node(page, 'g1')).toBeVisible();
  await page.getByTestId('run').click();
  await expect(page.getByTestId('toast').filter({ hasText: 'refused' })).toBeVisible();
  await expect(status(page, 'g1')).toHaveClass(/has-issues/);
  await expect(node(page, 'g1').locator('[data-param="model"]')).toHaveClass(/invalid/);
  await expect(node(page, 'g1').getByTestId('node-issues')).toContainText(
    'missing-model.safetensors',
  );
  await shot(page, '31-refused-by-runtime');
  // Chromium logs every 4xx fetch as a console error; this one is the expected answer.
  expect(consoleErrors.splice(0)).toEqual([expect.stringContaining('status of 400')]);
});

test('a node failing at run time shows its error on the node', async ({ page }) => {
  await freshEditor(page);
  await dropFile(
    page,
    {
      name: 'broken.json',
      content: txt2imgGraph({ model: 'checkpoints/zz-broken-sd.safetensors' }),
    },
    'application/json',
  );
  await expect(node(page, 'g1')).toBeVisible();
  await page.getByTestId('run').click();
  await expect(status(page, 'g1')).toHaveAttribute('data-status', 'failed', { timeout: 30_000 });
  await expect(node(page, 'g1').getByTestId('node-error')).not.toBeEmpty();
  await expect(page.getByTestId('run-item').first()).toHaveAttribute('data-status', 'failed');
  await shot(page, '32-failed-node');
});

test('the event stream resumes after a reconnect without losing state', async ({ page }) => {
  const sockets: string[] = [];
  page.on('websocket', (ws) => sockets.push(ws.url()));
  await freshEditor(page);
  await dropFile(
    page,
    { name: 'resume.json', content: txt2imgGraph({ steps: 12, name: 'resume' }) },
    'application/json',
  );
  await expect(node(page, 'g1')).toBeVisible();
  await page.getByTestId('run').click();
  await expect(status(page, 'g1')).toHaveAttribute('data-status', 'running', { timeout: 30_000 });
  await page.evaluate(() =>
    (window as unknown as { mysti: { dropEvents(): void } }).mysti.dropEvents(),
  );
  await expect(page.getByTestId('ws-status')).toHaveAttribute('data-connected', 'true');
  await expect(status(page, 's1')).toHaveAttribute('data-status', 'done', { timeout: 60_000 });
  await expect(node(page, 's1').getByTestId('output-image')).toBeVisible();
  const resumed = sockets.filter(
    (u) => /since=(\d+)/.test(u) && Number(/since=(\d+)/.exec(u)![1]) > 0,
  );
  expect(resumed.length).toBeGreaterThan(0);
});

test('a run is cancelled from the queue panel', async ({ page }) => {
  await freshEditor(page);
  await dropFile(
    page,
    { name: 'long.json', content: txt2imgGraph({ steps: 150, name: 'long' }) },
    'application/json',
  );
  await expect(node(page, 'g1')).toBeVisible();
  await page.getByTestId('run').click();
  await expect(status(page, 'g1')).toHaveAttribute('data-status', 'running', { timeout: 30_000 });
  // 150 steps at 120 ms: the progress bar is on screen long enough to look at.
  await expect(node(page, 'g1').locator('.progress-label')).toContainText(/\d+\/150/);
  await expect(node(page, 's1').locator('.badge')).toHaveText('queued');
  await shot(page, '34-progress');
  await page.getByTestId('cancel-run').first().click();
  await expect(page.getByTestId('run-item').first()).toHaveAttribute('data-status', 'cancelled', {
    timeout: 30_000,
  });
  await expect(status(page, 'g1')).not.toHaveAttribute('data-status', 'running');
  await shot(page, '33-cancelled');
});
