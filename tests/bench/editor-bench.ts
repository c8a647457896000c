/**
 * Editor benchmarks (issue 6; targets from anchors-performance.md §7–8 and §12 items 17–20),
 * measured in Debian's headless chromium against the built editor served by a real studio:
 *
 * - `render 500-node graph`: from putting a 500-node document on the canvas (the path a dropped
 *   .json takes: zod load → conversion → store) to the first animation frame in which all 500
 *   nodes are in the DOM and measured (xyflow hides unmeasured nodes). Target ≤ 1 s.
 * - `drag one node: frame interval`: a 2 s scripted drag, one synthetic mousemove per animation
 *   frame (the xyflow PR #3685 method), rAF-to-rAF intervals in ms. 60 Hz is 16.7 ms; the CI
 *   target is no frame > 50 ms (reported in the note as long frames).
 * - `drag one node: node renders per step` / `edge renders per step`: React render calls of the
 *   node and edge components per drag step, counted by the dev-only hook behind `?profile`
 *   (editor/src/dev/profile.ts). Targets: 1 node, ≤ 4 edges (those attached).
 * - `auto-arrange N nodes (elk worker)`: `autoArrange()` end to end (request to the Web Worker,
 *   elkjs layered + BRANDES_KOEPF, positions applied), after one warm-up layout. Targets ≤ 600 ms
 *   at 100 nodes, ≤ 2 s at 500; the note gives the longest main-thread task seen meanwhile.
 *
 * Processes: the studio runs in this process (tests/helpers/studio.ts, temp home, removed on
 * close) and the browser is closed in `finally`, so nothing outlives the call.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { chromium, type Page } from '@playwright/test';
import { startTestStudio } from '../helpers/studio';
import { REPO_ROOT } from '../../runtime/workers/supervisor';
import { p50p95, percentile, type BenchRow } from './stats';

/** The launch flags of tests/e2e/playwright.config.ts (Debian chromium, no GPU, no sandbox). */
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/**
 * A graph document of `n` real catalog nodes in chains of six: prompt and negative prompt →
 * txt2img → upscale → tag → save (upscale also feeds save), i.e. one edge per node, laid out on
 * a grid (as a saved workflow would be). Node ids `n<i>`.
 */
export function benchGraph(n: number): {
  format: string;
  version: number;
  name: string;
  nodes: unknown[];
  edges: unknown[];
} {
  const chain = ['prompt', 'prompt', 'txt2img', 'upscale', 'tag', 'save'];
  const nodes: {
    id: string;
    type: string;
    position: { x: number; y: number };
    params: Record<string, unknown>;
  }[] = [];
  const edges: {
    id: string;
    source: string;
    sourceHandle: string;
    target: string;
    targetHandle: string;
  }[] = [];
  const wire = (s: number, sh: string, t: number, th: string) => {
    if (s < n && t < n)
      edges.push({
        id: `e${edges.length}`,
        source: `n${s}`,
        sourceHandle: sh,
        target: `n${t}`,
        targetHandle: th,
      });
  };
  for (let i = 0; i < n; i++) {
    const k = i % chain.length;
    const row = Math.floor(i / chain.length);
    nodes.push({
      id: `n${i}`,
      type: chain[k]!,
      position: { x: k * 320, y: row * 420 },
      params: k < 2 ? { text: `prompt ${i}` } : {},
    });
    const b = i - k;
    if (k === 5) {
      wire(b, 'text', b + 2, 'prompt');
      wire(b + 1, 'text', b + 2, 'negative');
      wire(b + 2, 'image', b + 3, 'image');
      wire(b + 3, 'image', b + 4, 'image');
      wire(b + 3, 'image', b + 5, 'image');
      wire(b + 4, 'tags', b + 5, 'tags');
    }
  }
  return { format: 'mysticanvas.graph', version: 1, name: `bench-${n}`, nodes, edges };
}

/** Opens `doc` and resolves (in page ms) when all its nodes are in the DOM and measured. */
async function timeOpen(page: Page, doc: unknown, count: number): Promise<number> {
  return page.evaluate(
    ({ doc, count }) =>
      new Promise<number>((resolve, reject) => {
        const w = window as unknown as { mystiProfile: { open(d: unknown): boolean } };
        const t0 = performance.now();
        if (!w.mystiProfile.open(doc))
          return reject(new Error('the editor refused the bench graph'));
        const check = () => {
          const els = document.querySelectorAll<HTMLElement>('.react-flow__node');
          if (els.length === count && ![...els].some((e) => e.style.visibility === 'hidden'))
            resolve(performance.now() - t0);
          else if (performance.now() - t0 > 30_000)
            reject(new Error(`only ${els.length}/${count} nodes after 30 s`));
          else requestAnimationFrame(check);
        };
        requestAnimationFrame(check);
      }),
    { doc, count },
  );
}

interface DragResult {
  frames: number[];
  nodeRenders: number[];
  edgeRenders: number[];
  otherNodes: number;
  moved: boolean;
}

/** Drags node `id` by its header for `ms`, one synthetic mousemove per frame, in the page. */
async function scriptedDrag(page: Page, id: string, ms: number): Promise<DragResult> {
  return page.evaluate(
    ({ id, ms }) =>
      new Promise<DragResult>((resolve) => {
        const prof = (
          window as unknown as {
            mystiProfile: {
              reset(): void;
              renders(): { node: Record<string, number>; edge: Record<string, number> };
            };
          }
        ).mystiProfile;
        const el = document.querySelector<HTMLElement>(`.react-flow__node[data-id="${id}"]`)!;
        const head = el.querySelector<HTMLElement>('.mnode-head') ?? el;
        const r = head.getBoundingClientRect();
        const start = { x: r.left + 8, y: r.top + r.height / 2 };
        const before = el.style.transform;
        const fire = (type: string, x: number, y: number, target: EventTarget) =>
          target.dispatchEvent(
            new MouseEvent(type, {
              clientX: x,
              clientY: y,
              bubbles: true,
              cancelable: true,
              view: window,
              button: 0,
              buttons: type === 'mouseup' ? 0 : 1,
            }),
          );
        fire('mousedown', start.x, start.y, head);
        const frames: number[] = [];
        const nodeRenders: number[] = [];
        const edgeRenders: number[] = [];
        let otherNodes = 0;
        let last = performance.now();
        const t0 = last;
        let i = 0;
        prof.reset();
        const tick = (now: number) => {
          // Renders caused by the previous move (committed before this frame).
          if (i > 0) {
            const c = prof.renders();
            nodeRenders.push(Object.values(c.node).reduce((a, b) => a + b, 0));
            edgeRenders.push(Object.values(c.edge).reduce((a, b) => a + b, 0));
            otherNodes += Object.keys(c.node).filter((k) => k !== id).length;
            frames.push(now - last);
          }
          prof.reset();
          last = now;
          if (now - t0 > ms) {
            fire('mouseup', start.x + i * 2, start.y + i, window);
            requestAnimationFrame(() =>
              resolve({
                frames,
                nodeRenders,
                edgeRenders,
                otherNodes,
                moved: el.style.transform !== before,
              }),
            );
            return;
          }
          i++;
          fire('mousemove', start.x + i * 2, start.y + i, window);
          requestAnimationFrame(tick);
        };
        requestAnimationFrame(tick);
      }),
    { id, ms },
  );
}

/** Runs `autoArrange()` in the page; returns its duration and the longest main-thread task meanwhile (ms). */
async function timeArrange(page: Page): Promise<{ ms: number; longestTask: number }> {
  return page.evaluate(async () => {
    const w = window as unknown as { mystiProfile: { arrange(): Promise<number> } };
    let longest = 0;
    const obs = new PerformanceObserver((l) => {
      for (const e of l.getEntries()) longest = Math.max(longest, e.duration);
    });
    obs.observe({ type: 'longtask', buffered: false });
    const t0 = performance.now();
    const moved = await w.mystiProfile.arrange();
    const ms = performance.now() - t0;
    await new Promise((r) => setTimeout(r, 50));
    obs.disconnect();
    if (!moved) throw new Error('auto-arrange moved no node');
    return { ms, longestTask: longest };
  });
}

/**
 * Runs the editor benchmarks (see the module comment). Builds the editor first when its build is
 * missing or stale (scripts/build-if-stale.mjs). Rows use ms for p50Ms/p95Ms except the
 * render-count rows, whose p50Ms/p95Ms carry render counts per drag step.
 *
 * @throws Error when the build fails, the studio does not start, or the page misbehaves.
 */
export async function benchEditor(): Promise<BenchRow[]> {
  const build = spawnSync(process.execPath, [join(REPO_ROOT, 'scripts/build-if-stale.mjs')], {
    cwd: REPO_ROOT,
    stdio: 'inherit',
  });
  if (build.status !== 0) throw new Error('editor build failed');
  const ts = await startTestStudio();
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_ARGS,
  });
  const rows: BenchRow[] = [];
  try {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    // tsx (esbuild keepNames) wraps named functions in `__name(...)`; the page scripts below are
    // serialized from this file, so the page needs that helper too.
    await page.addInitScript('window.__name = (f) => f');
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`http://127.0.0.1:${ts.port}/?profile`);
    await page.waitForSelector('.app[data-ready]');
    await page.waitForFunction(() => 'mystiProfile' in window);

    // Time to first render, 500 nodes: alternate with a tiny graph so every sample mounts 500 fresh nodes.
    const big = benchGraph(500);
    const small = benchGraph(6);
    const opens: number[] = [];
    for (let i = 0; i < 6; i++) {
      await timeOpen(page, small, 6);
      opens.push(await timeOpen(page, big, 500));
    }
    const samples = opens.slice(1); // the first one also pays for code warm-up
    rows.push({
      op: 'render 500-node graph (first frame)',
      n: samples.length,
      ...p50p95(samples, 2),
      unit: 'ms',
      target: '≤ 1000 ms',
      ok: percentile(samples, 95) <= 1000,
      note: `${big.edges.length} edges; first ${Math.round(opens[0]!)} ms`,
    });

    // Drag one node of the 500 for 2 s.
    const drag = await scriptedDrag(page, 'n200', 2000);
    if (!drag.moved) throw new Error('the scripted drag did not move the node');
    const longAt = drag.frames.flatMap((f, i) => (f > 50 ? [`#${i}: ${Math.round(f)} ms`] : []));
    const long = longAt.length;
    rows.push({
      op: 'drag one node of 500: frame interval',
      n: drag.frames.length,
      ...p50p95(drag.frames, 2),
      unit: 'ms',
      target: 'no frame > 50 ms',
      ok: long === 0,
      note: long ? `long frames ${longAt.join(', ')}` : 'no long frame',
    });
    const steps = drag.nodeRenders.length;
    const nodeTotal = drag.nodeRenders.reduce((a, b) => a + b, 0);
    rows.push({
      op: 'drag one node: node renders per step',
      unit: 'renders',
      n: steps,
      p50: percentile(drag.nodeRenders, 50),
      p95: percentile(drag.nodeRenders, 95),
      target: '1',
      ok: percentile(drag.nodeRenders, 95) <= 1 && drag.otherNodes === 0,
      note: `${nodeTotal} renders in ${steps} steps; other nodes rendered: ${drag.otherNodes}`,
    });
    rows.push({
      op: 'drag one node: edge renders per step',
      unit: 'renders',
      n: steps,
      p50: percentile(drag.edgeRenders, 50),
      p95: percentile(drag.edgeRenders, 95),
      target: '≤ 4',
      ok: percentile(drag.edgeRenders, 95) <= 4,
    });

    // Auto-arrange in the elk worker: a warm-up (worker start, JIT), then samples per size.
    await timeOpen(page, small, 6);
    await timeArrange(page);
    for (const [n, runs, target] of [
      [100, 5, 600],
      [500, 3, 2000],
    ] as const) {
      await timeOpen(page, benchGraph(n), n);
      const times: number[] = [];
      let longest = 0;
      for (let i = 0; i < runs; i++) {
        const r = await timeArrange(page);
        times.push(r.ms);
        longest = Math.max(longest, r.longestTask);
      }
      rows.push({
        op: `auto-arrange ${n} nodes (elk worker)`,
        n: runs,
        ...p50p95(times, 2),
        unit: 'ms',
        target: `≤ ${target} ms`,
        ok: percentile(times, 50) <= target,
        note: `longest main-thread task ${Math.round(longest)} ms`,
      });
    }
    if (errors.length) throw new Error(`page errors: ${errors.join('; ')}`);
  } finally {
    await browser.close();
    await ts.close();
  }
  return rows;
}

// `npx tsx tests/bench/editor-bench.ts` prints the rows.
if (import.meta.url === `file://${process.argv[1]}`) {
  const rows = await benchEditor();
  console.table(rows);
}
