/**
 * Dev-only measurement hooks for tests/bench/editor-bench.ts, enabled by opening the editor with
 * `?profile` in the URL. Off by default: {@link PROFILING} is a constant read once at start-up,
 * so a normal session pays one boolean test per component render and nothing else.
 *
 * With the flag, `window.mystiProfile` offers:
 * - `renders()`: render counts since the last `reset()`, `{ node: {id → n}, edge: {id → n} }`
 *   (counted in the function body of NodeView / TypedEdge, i.e. React render calls, the same
 *   thing a React Profiler counts, but available in the production build);
 * - `reset()`: zeroes the counts;
 * - `open(doc)`: puts a graph document on the canvas (the path a dropped .json file takes);
 * - `arrange()`: runs auto-arrange in the elk Web Worker; resolves to the number of nodes moved.
 */
export const PROFILING =
  typeof location !== 'undefined' && new URLSearchParams(location.search).has('profile');

const counts = { node: new Map<string, number>(), edge: new Map<string, number>() };

/** Counts one render of a node or edge component (call only when {@link PROFILING}). */
export function countRender(kind: 'node' | 'edge', id: string): void {
  const m = counts[kind];
  m.set(id, (m.get(id) ?? 0) + 1);
}

export interface ProfileHooks {
  open(doc: unknown): boolean;
  arrange(): Promise<number>;
}

/** Installs `window.mystiProfile` when profiling is on. */
export function installProfileHooks(hooks: ProfileHooks): void {
  if (!PROFILING) return;
  (window as unknown as { mystiProfile: object }).mystiProfile = {
    renders: () => ({
      node: Object.fromEntries(counts.node),
      edge: Object.fromEntries(counts.edge),
    }),
    reset: () => {
      counts.node.clear();
      counts.edge.clear();
    },
    ...hooks,
  };
}
