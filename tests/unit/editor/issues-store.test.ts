/**
 * The problem stores in editor/src/state/ui.ts keep each node's array when its problems did not
 * change: node components select their own entry, so re-validating after an edit re-renders only
 * the nodes whose problems changed (the 500-node drag bench counts renders).
 */
import { describe, expect, it } from 'vitest';
import { setChecks, setIssues, useUi } from '../../../editor/src/state/ui';
import type { PreflightIssue } from '../../../editor/src/queue/preflight';

const check = (nodeId: string, message = 'Choose a model'): PreflightIssue => ({
  code: 'MODEL_NOT_CONFIGURED',
  nodeId,
  field: 'model',
  message,
});

describe('problem stores', () => {
  it('setChecks keeps unchanged entries and the whole map when nothing changed', () => {
    setChecks([check('a'), check('b')]);
    const first = useUi.getState().nodeChecks;
    setChecks([check('a'), check('b')]);
    expect(useUi.getState().nodeChecks).toBe(first);
    setChecks([check('a'), check('b', 'other sentence')]);
    const second = useUi.getState().nodeChecks;
    expect(second.a).toBe(first.a);
    expect(second.b).not.toBe(first.b);
    setChecks([check('b', 'other sentence')]);
    expect(useUi.getState().nodeChecks.a).toBeUndefined();
    expect(useUi.getState().nodeChecks.b).toBe(second.b);
    setChecks([]);
    expect(useUi.getState().nodeChecks).toEqual({});
  });

  it('setIssues splits node and edge problems and reuses unchanged node entries', () => {
    setIssues([
      { code: 'MISSING_INPUT', nodeId: 'g', field: 'prompt', message: 'needs its prompt' },
      { code: 'PORT_TYPE_MISMATCH', edgeId: 'e1', nodeId: 'g', message: 'text cannot feed image' },
    ]);
    const s1 = useUi.getState();
    expect(s1.nodeIssues.g).toHaveLength(1);
    expect(s1.edgeIssues.e1).toHaveLength(1);
    expect(s1.issueCount).toBe(2);
    setIssues([
      { code: 'MISSING_INPUT', nodeId: 'g', field: 'prompt', message: 'needs its prompt' },
    ]);
    expect(useUi.getState().nodeIssues.g).toBe(s1.nodeIssues.g);
    expect(useUi.getState().edgeIssues.e1).toBeUndefined();
  });
});
