import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  defaultReserveBytes,
  mitigationsFor,
  queryNvidiaSmi,
  resolveBudget,
} from '../../../runtime/arbiter/budget';

const MIB = 1024 * 1024;
const dir = mkdtempSync(path.join(os.tmpdir(), 'mysti-budget-'));
/** A real executable standing in for nvidia-smi, printing what a driver prints. */
function fakeSmi(name: string, body: string): string {
  const p = path.join(dir, name);
  writeFileSync(p, `#!/bin/sh\n${body}\n`);
  chmodSync(p, 0o755);
  return p;
}
const gpu = fakeSmi(
  'smi-ok',
  'echo "$@" > "$0.args"; printf "8192, NVIDIA GeForce RTX 3070\\n24576, NVIDIA RTX A5000\\n"',
);
const junk = fakeSmi(
  'smi-junk',
  'echo "NVIDIA-SMI has failed because it couldn\'t communicate with the NVIDIA driver"',
);
const failing = fakeSmi('smi-fail', 'exit 9');
const hanging = fakeSmi('smi-hang', 'sleep 5');
const absent = path.join(dir, 'does-not-exist');

describe('resolveBudget', () => {
  it('config wins over env and detection', async () => {
    const b = await resolveBudget({
      config: { budgetMb: 4000, reserveMb: 100 },
      env: { MYSTI_VRAM_MB: '6000' },
      nvidiaSmi: gpu,
    });
    expect(b).toMatchObject({ budgetBytes: 4000 * MIB, reserveBytes: 100 * MIB, source: 'config' });
    expect(b.gpu).toEqual({ totalMb: 8192, name: 'NVIDIA GeForce RTX 3070' });
  });
  it('env when config is absent (or with preferEnv)', async () => {
    expect(
      await resolveBudget({ env: { MYSTI_VRAM_MB: '6000' }, nvidiaSmi: absent }),
    ).toMatchObject({ budgetBytes: 6000 * MIB, source: 'env', gpu: null });
    expect(
      await resolveBudget({
        config: { budgetMb: 4000 },
        env: { MYSTI_VRAM_MB: '6000' },
        nvidiaSmi: absent,
        preferEnv: true,
      }),
    ).toMatchObject({ source: 'env' });
  });
  it('ignores nonsense values', async () => {
    const b = await resolveBudget({
      config: { budgetMb: -1 },
      env: { MYSTI_VRAM_MB: 'lots' },
      nvidiaSmi: absent,
      totalRamBytes: 16 * 1024 * MIB,
    });
    expect(b.source).toBe('system-ram');
  });
  it('nvidia-smi: GPU 0 memory, queried with the documented flags', async () => {
    const b = await resolveBudget({ env: {}, nvidiaSmi: gpu });
    expect(b).toMatchObject({
      budgetBytes: 8192 * MIB,
      source: 'nvidia-smi',
      reserveBytes: Math.round(8192 * MIB * 0.1),
    });
    const { readFileSync } = await import('node:fs');
    expect(readFileSync(`${gpu}.args`, 'utf8')).toMatch(
      /--query-gpu=memory.total,name --format=csv,noheader,nounits/,
    );
  });
  it('falls back to system RAM when nvidia-smi is absent, fails, prints junk or hangs', async () => {
    for (const bin of [absent, failing, junk]) {
      const b = await resolveBudget({ env: {}, nvidiaSmi: bin });
      expect(b.source).toBe('system-ram');
      expect(b.budgetBytes).toBe(os.totalmem());
      expect(b.gpu).toBeNull();
    }
    const t0 = Date.now();
    expect(await queryNvidiaSmi(hanging, 300)).toBeNull();
    expect(Date.now() - t0).toBeLessThan(4000);
  });
  it('default reserve is 10 % capped (1 GiB GPU, 2 GiB RAM); a configured reserve wins but never exceeds half', async () => {
    expect(defaultReserveBytes(4096 * MIB, 'nvidia-smi')).toBe(Math.round(409.6 * MIB));
    expect(defaultReserveBytes(24576 * MIB, 'nvidia-smi')).toBe(1024 * MIB);
    expect(defaultReserveBytes(64 * 1024 * MIB, 'system-ram')).toBe(2048 * MIB);
    expect(
      (await resolveBudget({ config: { budgetMb: 1000, reserveMb: 0 }, nvidiaSmi: absent }))
        .reserveBytes,
    ).toBe(0);
    expect(
      (await resolveBudget({ config: { budgetMb: 1000, reserveMb: 900 }, nvidiaSmi: absent }))
        .reserveBytes,
    ).toBe(500 * MIB);
  });
  it('mitigationsFor: only VAE tiling helps without a GPU', () => {
    expect(mitigationsFor(false)).toEqual({
      vaeTiling: true,
      vaeOnCpu: false,
      clipOnCpu: false,
      offloadToCpu: false,
      maxVram: false,
    });
    expect(mitigationsFor(true).offloadToCpu).toBe(true);
  });
});
