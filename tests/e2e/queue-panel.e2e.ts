/**
 * The queue panel as a user works it (issue 15 §5): a long run is sampling, "Queue ×N" adds two
 * waiting runs (seeds + 0, + 1), the second is moved up with the mouse — the panel and the
 * runtime agree on the new order — then everything is cancelled and cleared, and a finished
 * run's detail lists its nodes with their times.
 */
import {
  test,
  expect,
  freshEditor,
  dropFile,
  node,
  shot,
  txt2imgGraph,
  appUrl,
} from './helpers/app';

const waitingIds = (page: import('@playwright/test').Page) =>
  page
    .getByTestId('queue-waiting')
    .getByTestId('run-item')
    .evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.runId!));

test('reorder two waiting runs, cancel, clear finished, open a run detail', async ({ page }) => {
  await freshEditor(page);
  await dropFile(
    page,
    { name: 'queue.json', content: txt2imgGraph({ steps: 150, name: 'queue long' }) },
    'application/json',
  );
  await expect(node(page, 'g1')).toBeVisible();
  await page.getByTestId('run').click();
  await expect(node(page, 'g1').locator('.mnode')).toHaveAttribute('data-status', 'running', {
    timeout: 30_000,
  });

  let ours: string[] = [];
  await test.step('Queue ×2 adds two waiting runs', async () => {
    await page.getByTestId('queue-count').fill('2');
    await page.getByTestId('queue-times').click();
    await expect(page.getByTestId('queue-waiting').getByTestId('run-item')).toHaveCount(2);
  });

  await test.step('move the second one up: panel and runtime agree', async () => {
    const [first, second] = await waitingIds(page);
    await page.locator(`[data-run-id="${second}"]`).getByTestId('move-up').click();
    await expect.poll(() => waitingIds(page)).toEqual([second, first]);
    const q = (await (await page.request.get(appUrl('/api/runs'))).json()) as {
      queue: { queued: string[] };
    };
    expect(q.queue.queued).toEqual([second, first]);
    // Their seeds differ by one (Queue ×N increments fixed seeds).
    const seeds = await Promise.all(
      [first, second].map(async (id) => {
        const r = (await (await page.request.get(appUrl(`/api/runs/${id}`))).json()) as {
          graph: { nodes: { id: string; params: { seed?: string } }[] };
        };
        return r.graph.nodes.find((n) => n.id === 'g1')!.params.seed;
      }),
    );
    expect(seeds).toEqual(['7', '8']);
    await shot(page, '50-queue-reordered');
  });

  await test.step('cancel everything, then clear finished', async () => {
    // Waiting ones first (each by its id), then the running one, so none gets to start.
    ours = await waitingIds(page);
    for (const id of ours) {
      await page.locator(`[data-run-id="${id}"]`).getByTestId('cancel-run').click();
      await expect(page.locator(`[data-run-id="${id}"]`)).toHaveAttribute(
        'data-status',
        'cancelled',
      );
    }
    const running = page.getByTestId('queue-running').getByTestId('run-item');
    ours.push((await running.getAttribute('data-run-id'))!);
    await running.getByTestId('cancel-run').click();
    await expect(page.getByTestId('cancel-run')).toHaveCount(0, { timeout: 30_000 });
    const finished = page.getByTestId('queue-finished');
    for (const id of ours)
      await expect(finished.locator(`[data-run-id="${id}"]`)).toHaveAttribute(
        'data-status',
        'cancelled',
      );
  });

  await test.step("a run's detail lists its nodes", async () => {
    const item = page.getByTestId('queue-finished').locator(`[data-run-id="${ours[0]}"]`);
    await item.locator('.run-name').click();
    const detail = page.getByTestId('run-detail');
    await expect(detail).toBeVisible();
    await expect(detail).toContainText('queue long');
    await expect(detail.getByTestId('run-detail-node')).toHaveCount(3);
    await expect(detail.getByTestId('run-detail-error')).toContainText('CANCELLED');
    await shot(page, '51-run-detail');
  });

  await test.step('clear finished empties the finished list, also after a reload', async () => {
    await page.getByTestId('clear-finished').click();
    await expect(page.getByTestId('queue-finished').getByTestId('run-item')).toHaveCount(
      // The run the canvas shows stays until another one replaces it.
      1,
    );
    await page.reload();
    await expect(page.locator('.app[data-ready]')).toBeVisible();
    await expect(page.getByTestId('run-item')).toHaveCount(0);
  });
});
