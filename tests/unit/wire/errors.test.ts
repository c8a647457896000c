/**
 * wire/errors.ts: the one table of error codes drives classes, statuses and the re-classification
 * of errors that crossed a process boundary (a worker's `{code, message}` line).
 */
import { describe, expect, it } from 'vitest';
import {
  CodedError,
  ERROR_CODES,
  errorFromWire,
  errorSpec,
  OperationalError,
  UnexpectedError,
  UserError,
  type ErrorCode,
} from '../../../wire/errors';
import { WorkerJobError } from '../../../workers/protocol/server';

describe('error table', () => {
  it('every row is consistent: user codes are never retried; every status is an error status', () => {
    for (const [code, spec] of Object.entries(ERROR_CODES)) {
      expect(code).toMatch(/^[A-Z][A-Z0-9_]+$/);
      if (spec.kind === 'user') expect(spec.retryable, code).toBe(false);
      expect(spec.status, code).toBeGreaterThanOrEqual(400);
    }
  });

  it('classes take their default status from the row', () => {
    expect(new UserError('NOT_FOUND', 'x').status).toBe(404);
    expect(new UserError('BAD_PARAMS', 'x').status).toBe(400);
    expect(new UserError('PATH_OUTSIDE_ROOT', 'x').status).toBe(403);
    expect(new OperationalError('CANCELLED', 'x').status).toBe(409);
    expect(new OperationalError('OUT_OF_MEMORY', 'x').status).toBe(503);
    expect(new UserError('BAD_REQUEST', 'x', undefined, 422).status).toBe(422);
    expect(new UnexpectedError('bug').toJSON()).toEqual({
      error: { code: 'INTERNAL', message: 'bug' },
    });
  });

  it('a worker error is re-classified from the table (no hand list)', () => {
    const user = Object.entries(ERROR_CODES)
      .filter(([, s]) => s.kind === 'user')
      .map(([c]) => c as ErrorCode);
    for (const code of user)
      expect(errorFromWire({ code, message: 'm' }), code).toBeInstanceOf(UserError);
    expect(errorFromWire({ code: 'OUT_OF_MEMORY', message: 'm' })).toBeInstanceOf(OperationalError);
    expect(errorFromWire({ code: 'INTERNAL', message: 'm' })).toBeInstanceOf(UnexpectedError);
    const e = errorFromWire({
      code: 'PROMPT_TOO_LONG',
      message: 'too long',
      details: { tokens: 9 },
    });
    expect([e.kind, e.status, e.toJSON()]).toEqual([
      'user',
      400,
      { error: { code: 'PROMPT_TOO_LONG', message: 'too long', details: { tokens: 9 } } },
    ]);
  });

  it('a code without a row (newer or foreign process) stays as sent and counts as operational', () => {
    const e = errorFromWire({ code: 'SOMETHING_NEW', message: 'm' });
    expect([e.kind, e.code, e.status, e.retryable]).toEqual([
      'operational',
      'SOMETHING_NEW',
      503,
      true,
    ]);
    expect(errorSpec('SOMETHING_NEW').kind).toBe('operational');
  });

  it("the worker's error class reads its kind from the same table", () => {
    expect(new WorkerJobError('MODEL_INVALID', 'x').kind).toBe('user');
    expect(new WorkerJobError('ENGINE_FAILED', 'x').kind).toBe('operational');
    expect(new WorkerJobError('ENGINE_FAILED', 'x')).toBeInstanceOf(CodedError);
  });

  it('codes with a fixed sentence carry it in the row', () => {
    expect(ERROR_CODES.ENGINE_NOT_CONFIGURED.message).toMatch(
      /^stable-diffusion\.cpp is not configured\. Set SD_CPP_BIN/,
    );
  });
});
