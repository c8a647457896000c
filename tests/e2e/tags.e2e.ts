/**
 * The gallery's Tags view in real chromium against the real runtime (issue 17 §6): two images
 * tagged with two names over the API, then in the UI merge one tag into the other — both images
 * carry the kept tag afterwards, and the merged name filters to them as an alias.
 */
import { test, expect, freshEditor, appUrl } from './helpers/app';

const STAMP = Date.now().toString(36);
const KEEP = `kestrel${STAMP}`;
const DROP = `windhover${STAMP}`;
const MODEL = 'checkpoints/dummy-sd15.safetensors';

async function makeImage(prompt: string): Promise<string> {
  const graph = {
    format: 'mysticanvas.graph',
    version: 1,
    name: `tags e2e ${prompt}`,
    nodes: [
      { id: 'p', type: 'prompt', position: { x: 0, y: 0 }, params: { text: prompt } },
      {
        id: 'g',
        type: 'txt2img',
        position: { x: 320, y: 0 },
        params: { model: MODEL, width: 128, height: 128, steps: 2, seed: 1 },
      },
      { id: 's', type: 'save', position: { x: 640, y: 0 }, params: { filenamePrefix: 'tags' } },
    ],
    edges: [
      { id: 'e1', source: 'p', sourceHandle: 'text', target: 'g', targetHandle: 'prompt' },
      { id: 'e2', source: 'g', sourceHandle: 'image', target: 's', targetHandle: 'image' },
    ],
  };
  const r = await fetch(appUrl('/api/runs'), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ graph }),
  });
  const { runId } = (await r.json()) as { runId: string };
  await expect
    .poll(
      async () =>
        ((await (await fetch(appUrl(`/api/runs/${runId}`))).json()) as { status: string }).status,
      { timeout: 30_000 },
    )
    .toBe('completed');
  const list = (await (
    await fetch(appUrl(`/api/generations?mode=text&q=${encodeURIComponent(prompt)}`))
  ).json()) as { items: { uuid: string }[] };
  return list.items[0]!.uuid;
}

test('tags view: merging a tag re-labels its images and keeps its name as an alias', async ({
  page,
}) => {
  const a = await makeImage(`a bird ${STAMP} over a field`);
  const b = await makeImage(`a bird ${STAMP} on a wire`);
  for (const [uuid, tag] of [
    [a, KEEP],
    [b, DROP],
  ] as const) {
    const r = await fetch(appUrl(`/api/generations/${uuid}`), {
      method: 'PATCH',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ addTags: [tag] }),
    });
    expect(r.status).toBe(200);
  }
  await freshEditor(page);
  await page.getByTestId('tab-gallery').click();
  await page.getByTestId('open-tags').click();
  const view = page.getByTestId('tags-view');
  await expect(view).toBeVisible();
  const dropRow = view.locator(`[data-testid="tag-row"][data-tag="${DROP}"]`);
  await expect(dropRow).toBeVisible();
  page.once('dialog', (d) => void d.accept());
  const keepId = (
    (await (await fetch(appUrl('/api/tags?limit=5000'))).json()) as {
      tags: { id: number; name: string }[];
    }
  ).tags.find((t) => t.name === KEEP)!.id;
  await dropRow.getByTestId('tag-merge').selectOption(String(keepId));
  await expect(view.locator(`[data-testid="tag-row"][data-tag="${DROP}"]`)).toHaveCount(0);
  const keepRow = view.locator(`[data-testid="tag-row"][data-tag="${KEEP}"]`);
  await expect(keepRow).toContainText('2');
  await expect(keepRow).toContainText(DROP); // recorded as an alias
  await page.getByTestId('tags-close').click();
  await page.getByTestId('gallery-tag').fill(DROP);
  await expect(page.getByTestId('gallery-tile')).toHaveCount(2);
});
