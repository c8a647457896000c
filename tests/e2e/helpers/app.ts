/**
 * Shared e2e helpers: a `test` whose page fails the test on any console error or uncaught
 * exception, and user-level actions on the editor (drag from the palette, drag a wire between
 * two handles, read the canvas back from the DOM).
 */
import { test as base, expect, type Locator, type Page } from '@playwright/test';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ARTIFACTS = join(dirname(fileURLToPath(import.meta.url)), '..', 'artifacts');
mkdirSync(ARTIFACTS, { recursive: true });

/** Base URL of the runtime started by global-setup.ts. */
export const appUrl = (path = '/') => {
  const u = process.env.MYSTI_E2E_URL;
  if (!u) throw new Error('MYSTI_E2E_URL is not set: run through tests/e2e/playwright.config.ts');
  return u + path;
};

export const test = base.extend<{ consoleErrors: string[] }>({
  consoleErrors: [
    async ({ page }, use) => {
      const errors: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
      await use(errors);
      expect(errors, 'no console errors').toEqual([]);
    },
    { auto: true },
  ],
});
export { expect };

/** Opens the editor and waits until the catalog is in the palette and the session is restored. */
export async function openEditor(page: Page, path = '/'): Promise<void> {
  await page.goto(appUrl(path));
  await expect(page.locator('.app[data-ready]')).toBeVisible();
  await expect(page.getByTestId('palette-prompt')).toBeVisible();
  // The saved workflow, the draft or the default workflow is on the canvas (graph/io.ts restoreSession).
  await expect(page.locator('html[data-restored]')).toHaveCount(1);
}

/** Opens a fresh, empty editor (clears the local draft of a previous test). */
export async function freshEditor(page: Page): Promise<void> {
  await openEditor(page);
  await page.getByRole('button', { name: 'New', exact: true }).click();
  await expect(page.locator('.react-flow__node')).toHaveCount(0);
}

export const node = (page: Page, id: string): Locator =>
  page.locator(`.react-flow__node[data-id="${id}"]`);
export const nodes = (page: Page): Locator => page.locator('.react-flow__node');
export const edges = (page: Page): Locator => page.locator('.react-flow__edge');

export function handle(
  page: Page,
  nodeId: string,
  handleId: string,
  kind: 'source' | 'target',
): Locator {
  return page.locator(
    `.react-flow__handle.${kind}[data-nodeid="${nodeId}"][data-handleid="${handleId}"]`,
  );
}

/** Drags a palette entry onto the canvas at (x, y) relative to the pane. */
export async function dragFromPalette(
  page: Page,
  type: string,
  x: number,
  y: number,
): Promise<void> {
  await page
    .getByTestId(`palette-${type}`)
    .dragTo(page.locator('.react-flow__pane'), { targetPosition: { x, y } });
}

/** Presses the mouse on one handle and releases it on another, moving in steps like a user. */
export async function dragWire(
  page: Page,
  from: Locator,
  to: Locator | { x: number; y: number },
): Promise<void> {
  const a = (await from.boundingBox())!;
  await page.mouse.move(a.x + a.width / 2, a.y + a.height / 2);
  await page.mouse.down();
  let tx: number;
  let ty: number;
  if ('boundingBox' in to) {
    const b = (await to.boundingBox())!;
    tx = b.x + b.width / 2;
    ty = b.y + b.height / 2;
  } else {
    tx = to.x;
    ty = to.y;
  }
  await page.mouse.move((a.x + tx) / 2, (a.y + ty) / 2, { steps: 8 });
  await page.mouse.move(tx, ty, { steps: 8 });
  await page.mouse.up();
}

/** The translate() of a node, in flow px. */
export async function nodePosition(page: Page, id: string): Promise<{ x: number; y: number }> {
  const t = await node(page, id).evaluate((el) => (el as HTMLElement).style.transform);
  const m = /translate\(([-\d.]+)px,\s*([-\d.]+)px\)/.exec(t);
  if (!m) throw new Error(`no transform on node ${id}: ${t}`);
  return { x: Number(m[1]), y: Number(m[2]) };
}

/** Saves a screenshot under tests/e2e/artifacts/<name>.png. */
export async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
}

/** A param's control inside a node. */
export function param(
  page: Page,
  nodeId: string,
  name: string,
  selector = 'input, select, textarea',
): Locator {
  return node(page, nodeId).locator(`[data-param="${name}"]`).locator(selector).first();
}

/** Drops a file on the canvas as a user dragging it from the file manager would (a real DataTransfer). */
export async function dropFile(
  page: Page,
  file: string | { name: string; content: string },
  type: string,
): Promise<void> {
  const b64 =
    typeof file === 'string'
      ? readFileSync(file).toString('base64')
      : Buffer.from(file.content).toString('base64');
  const name = typeof file === 'string' ? file.split('/').pop()! : file.name;
  await page.evaluate(
    ({ b64, name, type }) => {
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const dt = new DataTransfer();
      dt.items.add(new File([bytes], name, { type }));
      const pane = document.querySelector('.react-flow__pane')!;
      const r = pane.getBoundingClientRect();
      const at = {
        clientX: r.left + 300,
        clientY: r.top + 200,
        bubbles: true,
        cancelable: true,
        dataTransfer: dt,
      };
      pane.dispatchEvent(new DragEvent('dragover', at));
      pane.dispatchEvent(new DragEvent('drop', at));
    },
    { b64, name, type },
  );
}

/** A prompt → txt2img → save graph document (design.md §3) using the e2e dummy SD model. */
export function txt2imgGraph(opts: { model?: string; steps?: number; name?: string } = {}): string {
  return JSON.stringify({
    format: 'mysticanvas.graph',
    version: 1,
    name: opts.name ?? 'e2e txt2img',
    nodes: [
      { id: 'p1', type: 'prompt', position: { x: 0, y: 0 }, params: { text: 'a red fox' } },
      {
        id: 'g1',
        type: 'txt2img',
        position: { x: 320, y: 0 },
        params: {
          model: opts.model ?? 'checkpoints/dummy-sd15.safetensors',
          width: 128,
          height: 128,
          steps: opts.steps ?? 8,
          seed: 7,
        },
      },
      { id: 's1', type: 'save', position: { x: 640, y: 0 }, params: {} },
    ],
    edges: [
      { id: 'e1', source: 'p1', sourceHandle: 'text', target: 'g1', targetHandle: 'prompt' },
      { id: 'e2', source: 'g1', sourceHandle: 'image', target: 's1', targetHandle: 'image' },
    ],
  });
}
