/** The run/progress event reducer (editor/src/state/runs.ts) over design.md §5 events. */
import { beforeEach, describe, expect, it } from 'vitest';
import {
  applyEvent,
  runQueued,
  seedRunNodes,
  seedRuns,
  useRuns,
  type RunEvent,
} from '../../../editor/src/state/runs';

const s = () => useRuns.getState();
const node = (run: string, id: string) => s().nodes[run]?.[id];
let seq = 0;
const ev = (e: Omit<RunEvent, 'seq'>) => applyEvent({ ...e, seq: ++seq } as RunEvent);

beforeEach(() => {
  seq = 0;
  useRuns.setState(
    { runs: {}, order: [], nodes: {}, lastSeq: 0, activeRunId: undefined, connected: false },
    false,
  );
});

describe('applyEvent', () => {
  it('follows a run from queued to completed with per-node progress, streamed text and outputs', () => {
    runQueued('r1', ['p', 'g', 's'], 'mine');
    expect(s().activeRunId).toBe('r1');
    expect(node('r1', 'g')).toEqual({ status: 'queued' });
    ev({ type: 'run.started', runId: 'r1' });
    ev({
      type: 'node.cached',
      runId: 'r1',
      nodeId: 'p',
      outputs: { text: { kind: 'text', text: 'fox' } },
    });
    ev({ type: 'node.started', runId: 'r1', nodeId: 'g' });
    ev({
      type: 'node.progress',
      runId: 'r1',
      nodeId: 'g',
      phase: 'sampling',
      step: 3,
      steps: 8,
      rate: 1.5,
    });
    expect(node('r1', 'g')).toMatchObject({
      status: 'running',
      phase: 'sampling',
      step: 3,
      steps: 8,
      rate: 1.5,
    });
    // A later event without phase keeps the phase it had.
    ev({ type: 'node.progress', runId: 'r1', nodeId: 'g', step: 4 });
    expect(node('r1', 'g')).toMatchObject({ phase: 'sampling', step: 4, steps: 8 });
    ev({
      type: 'node.completed',
      runId: 'r1',
      nodeId: 'g',
      outputs: { image: { kind: 'image', artifactId: 'a1' } },
    });
    ev({ type: 'run.completed', runId: 'r1' });
    expect(node('r1', 'p')!.status).toBe('cached');
    expect(node('r1', 'g')).toMatchObject({
      status: 'done',
      outputs: { image: { artifactId: 'a1' } },
    });
    expect(s().runs.r1).toMatchObject({ status: 'completed', mine: true, name: 'mine' });
    expect(s().order).toEqual(['r1']);
  });

  it('accepts LLM text both as deltas and as the cumulative text', () => {
    ev({ type: 'node.progress', runId: 'r', nodeId: 'l', text: 'Once' });
    ev({ type: 'node.progress', runId: 'r', nodeId: 'l', text: ' upon' });
    expect(node('r', 'l')!.text).toBe('Once upon');
    ev({ type: 'node.progress', runId: 'r', nodeId: 'l', text: 'Once upon a time' });
    expect(node('r', 'l')!.text).toBe('Once upon a time');
  });

  it('drops replayed events (seq at or below the last one seen), so a resumed stream applies each once', () => {
    ev({ type: 'node.progress', runId: 'r', nodeId: 'l', text: 'a' });
    const replay = { type: 'node.progress', runId: 'r', nodeId: 'l', text: 'b', seq: 1 };
    applyEvent(replay);
    expect(node('r', 'l')!.text).toBe('a');
    expect(s().lastSeq).toBe(1);
    applyEvent({ ...replay, seq: 2 });
    expect(node('r', 'l')!.text).toBe('ab');
  });

  it('a failed node carries its error; the run failing stops the nodes that never ran from looking queued', () => {
    runQueued('r2', ['a', 'b', 'c']);
    ev({ type: 'node.started', runId: 'r2', nodeId: 'a' });
    ev({
      type: 'node.failed',
      runId: 'r2',
      nodeId: 'a',
      error: { code: 'MODEL_INVALID', message: 'not a model' },
    });
    ev({
      type: 'run.failed',
      runId: 'r2',
      error: { code: 'MODEL_INVALID', message: 'not a model' },
    });
    expect(node('r2', 'a')).toMatchObject({
      status: 'failed',
      error: { code: 'MODEL_INVALID', message: 'not a model' },
    });
    expect(node('r2', 'b')!.status).toBe('cancelled');
    expect(s().runs.r2).toMatchObject({ status: 'failed', error: 'not a model' });
  });

  it('cancel and interruption end running and queued nodes; done nodes keep their state', () => {
    runQueued('r3', ['a', 'b']);
    ev({ type: 'node.completed', runId: 'r3', nodeId: 'a' });
    ev({ type: 'node.started', runId: 'r3', nodeId: 'b' });
    ev({ type: 'run.cancelled', runId: 'r3' });
    expect(node('r3', 'a')!.status).toBe('done');
    expect(node('r3', 'b')!.status).toBe('cancelled');
    expect(s().runs.r3!.status).toBe('cancelled');
  });

  it('a run queued elsewhere becomes active only when none is; a non-run event only advances seq', () => {
    runQueued('mine', ['x']);
    ev({ type: 'run.queued', runId: 'other' });
    expect(s().activeRunId).toBe('mine');
    expect(s().order).toEqual(['other', 'mine']);
    ev({ type: 'system.alert', message: 'hi' });
    expect(s().lastSeq).toBe(seq);
  });

  it('keeps the 100 newest runs', () => {
    for (let i = 0; i < 105; i++) ev({ type: 'run.queued', runId: `r${i}` });
    expect(s().order).toHaveLength(100);
    expect(s().order[0]).toBe('r104');
    expect(s().runs.r0).toBeUndefined();
  });
});

describe('seeding after a reload', () => {
  it('seedRuns lists runs newest first; seedRunNodes maps statuses and outputs per node', () => {
    seedRuns([
      { id: 'new', status: 'completed', createdAt: '2026-01-02T00:00:00Z' },
      { id: 'old', status: 'failed', createdAt: 1 },
    ]);
    expect(s().order).toEqual(['new', 'old']);
    expect(s().runs.new!.createdAt).toBe(Date.parse('2026-01-02T00:00:00Z'));
    seedRunNodes(
      'new',
      {
        p: { status: 'completed', cached: true },
        g: { status: 'completed' },
        f: { status: 'failed', error: { code: 'X', message: 'boom' } },
      },
      [{ nodeId: 'g', port: 'image', artifactId: 'a9', kind: 'image' }],
    );
    expect(node('new', 'p')!.status).toBe('cached');
    expect(node('new', 'g')).toMatchObject({
      status: 'done',
      outputs: { image: { artifactId: 'a9' } },
    });
    expect(node('new', 'f')).toMatchObject({
      status: 'failed',
      error: { code: 'X', message: 'boom' },
    });
  });
});
