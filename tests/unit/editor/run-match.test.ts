/** Whether the latest recorded run belongs on the canvas after a reload (queue/run.ts runMatchesCanvas). */
import { beforeEach, describe, expect, it } from 'vitest';
import { runMatchesCanvas } from '../../../editor/src/queue/run';
import { addNode, setParam } from '../../../editor/src/graph/ops';
import { loadRealCatalog, resetGraph } from './catalog-fixture';

const graph = (...nodes: [string, string][]) => ({
  nodes: nodes.map(([id, type]) => ({ id, type, position: { x: 0, y: 0 }, params: {} })),
});

beforeEach(() => {
  loadRealCatalog();
  resetGraph();
  addNode('prompt', { x: 0, y: 0 });
  addNode('txt2img', { x: 300, y: 0 });
});

describe('runMatchesCanvas', () => {
  it('matches the same ids and types, even after params changed', () => {
    setParam('prompt-1', 'text', 'changed since the run');
    expect(runMatchesCanvas(graph(['prompt-1', 'prompt'], ['txt2img-1', 'txt2img']))).toBe(true);
  });

  it('does not match a run of another graph that shares some ids', () => {
    expect(
      runMatchesCanvas(graph(['prompt-1', 'prompt'], ['txt2img-1', 'txt2img'], ['save-1', 'save'])),
    ).toBe(false);
    expect(runMatchesCanvas(graph(['prompt-1', 'prompt']))).toBe(false);
    expect(runMatchesCanvas(graph(['prompt-1', 'prompt'], ['txt2img-1', 'img2img']))).toBe(false);
    expect(runMatchesCanvas(undefined)).toBe(false);
    expect(runMatchesCanvas({ nodes: [] })).toBe(false);
  });
});
