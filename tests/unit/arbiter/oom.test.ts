import { describe, expect, it } from 'vitest';
import { OperationalError, UserError } from '../../../runtime/errors';
import {
  conservativeSettings,
  isOomError,
  withOomRetry,
  type OomAttemptReport,
  type RetrySettings,
} from '../../../runtime/arbiter/oom';

const oom = () => new OperationalError('OUT_OF_MEMORY', 'ggml_aligned_malloc: insufficient memory');

describe('OOM path', () => {
  it('recognises the OOM code only', () => {
    expect(isOomError(oom())).toBe(true);
    expect(isOomError(new OperationalError('WORKER_CRASHED', 'x'))).toBe(false);
    expect(isOomError('OUT_OF_MEMORY')).toBe(false);
  });
  it('conservative settings: all SD mitigations; LLM half context (≥ 512) and half GPU layers', () => {
    expect(conservativeSettings('sd').sd).toEqual({
      vaeTiling: true,
      vaeOnCpu: true,
      clipOnCpu: true,
      offloadToCpu: true,
    });
    expect(conservativeSettings('llm', { contextSize: 4096, gpuLayers: 33 }).llm).toEqual({
      contextSize: 2048,
      gpuLayers: 16,
    });
    expect(conservativeSettings('llm', { contextSize: 600 }).llm).toEqual({
      contextSize: 512,
      gpuLayers: 0,
    });
  });
  it('retries exactly once with the conservative settings and reports both attempts', async () => {
    const seen: (RetrySettings | null)[] = [];
    const reports: OomAttemptReport[] = [];
    let retried = 0;
    const v = await withOomRetry(
      async (s) => {
        seen.push(s);
        if (!s) throw oom();
        return 'image';
      },
      { worker: 'sd', onRetry: () => retried++, onOutcome: (r) => reports.push(r) },
    );
    expect(v).toBe('image');
    expect(retried).toBe(1);
    expect(seen[0]).toBeNull();
    expect(seen[1]!.sd!.vaeTiling).toBe(true);
    expect(reports.map((r) => `${r.attempt}:${r.outcome}`)).toEqual(['1:oom', '2:ok']);
  });
  it('a second OOM is thrown, not retried again', async () => {
    let calls = 0;
    const reports: OomAttemptReport[] = [];
    await expect(
      withOomRetry(
        async () => {
          calls++;
          throw oom();
        },
        { worker: 'llm', current: { contextSize: 2048 }, onOutcome: (r) => reports.push(r) },
      ),
    ).rejects.toMatchObject({ code: 'OUT_OF_MEMORY' });
    expect(calls).toBe(2);
    expect(reports.map((r) => `${r.attempt}:${r.outcome}`)).toEqual(['1:oom', '2:oom']);
  });
  it('other errors and cancelled runs are not retried', async () => {
    let calls = 0;
    await expect(
      withOomRetry(
        async () => {
          calls++;
          throw new UserError('BAD_PARAMS', 'x');
        },
        { worker: 'sd' },
      ),
    ).rejects.toMatchObject({ code: 'BAD_PARAMS' });
    await expect(
      withOomRetry(
        async () => {
          calls++;
          throw oom();
        },
        { worker: 'sd', signal: AbortSignal.abort() },
      ),
    ).rejects.toMatchObject({ code: 'OUT_OF_MEMORY' });
    expect(calls).toBe(2);
  });
});
