/**
 * The arbiter's memory budget (design.md §6, §10): config `vram.budgetMb` > `MYSTI_VRAM_MB` >
 * detected GPU memory (`nvidia-smi`) > system RAM on CPU-only machines; minus a reserve for the
 * OS, the display and the runtime itself (InvokeAI keeps `device_working_mem_gb`, ComfyUI
 * `--reserve-vram`, anchors-mission.md §2.4).
 *
 * Note: the brief puts config above the env variable; design.md §10 says env overrides win in
 * general. This module follows the brief; the caller may swap by passing `preferEnv`.
 */
import { execFile } from 'node:child_process';
import os from 'node:os';

const MIB = 1024 * 1024;

export type BudgetSource = 'config' | 'env' | 'nvidia-smi' | 'system-ram';

export interface Budget {
  budgetBytes: number;
  reserveBytes: number;
  source: BudgetSource;
  /** What nvidia-smi reported (GPU 0), or null on CPU-only machines. Queried even when the budget is explicit. */
  gpu: { totalMb: number; name?: string } | null;
}

export interface BudgetOptions {
  /** `config.json` → `vram`. */
  config?: { budgetMb?: number; reserveMb?: number };
  /** Defaults to process.env. */
  env?: Record<string, string | undefined>;
  /** The nvidia-smi executable (default `nvidia-smi`, looked up on PATH). */
  nvidiaSmi?: string;
  /** ms before nvidia-smi is abandoned (default 3000: it can hang while a driver is busy). */
  timeoutMs?: number;
  /** Total RAM (default os.totalmem()). */
  totalRamBytes?: number;
  /** Rank MYSTI_VRAM_MB above config (design.md §10 "environment overrides always win"). */
  preferEnv?: boolean;
}

/** Default reserve: 10 % of the budget, at most 1 GiB (GPU) / 2 GiB (system RAM, which the OS and browser share). */
export function defaultReserveBytes(budgetBytes: number, source: BudgetSource): number {
  const capBytes = (source === 'system-ram' ? 2048 : 1024) * MIB;
  return Math.min(Math.round(budgetBytes * 0.1), capBytes);
}

function positiveMb(v: unknown): number | undefined {
  const n = typeof v === 'string' ? Number(v.trim()) : typeof v === 'number' ? v : NaN;
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

/**
 * Asks nvidia-smi for the memory of GPU 0 (the one the workers use by default).
 * @returns MiB and the GPU name, or null when the binary is absent, fails, times out or prints junk.
 */
export function queryNvidiaSmi(
  bin = 'nvidia-smi',
  timeoutMs = 3000,
): Promise<{ totalMb: number; name?: string } | null> {
  return new Promise((resolve) => {
    execFile(
      bin,
      ['--query-gpu=memory.total,name', '--format=csv,noheader,nounits'],
      { timeout: timeoutMs, windowsHide: true },
      (err, stdout) => {
        if (err) return resolve(null);
        const first = String(stdout)
          .split(/\r?\n/)
          .find((l) => l.trim() !== '');
        if (!first) return resolve(null);
        const [mem, ...name] = first.split(',');
        const totalMb = positiveMb(mem);
        resolve(
          totalMb === undefined
            ? null
            : { totalMb, ...(name.length ? { name: name.join(',').trim() } : {}) },
        );
      },
    );
  });
}

/**
 * Resolves the budget. Never throws: a missing or broken nvidia-smi falls through to system RAM.
 * `vram.reserveMb` (≥ 0) replaces the default reserve; the reserve never exceeds half the budget.
 */
export async function resolveBudget(opts: BudgetOptions = {}): Promise<Budget> {
  const env = opts.env ?? process.env;
  const fromConfig = positiveMb(opts.config?.budgetMb);
  const fromEnv = positiveMb(env.MYSTI_VRAM_MB);
  let budgetBytes: number;
  let source: BudgetSource;
  const ordered: [number | undefined, BudgetSource][] = opts.preferEnv
    ? [
        [fromEnv, 'env'],
        [fromConfig, 'config'],
      ]
    : [
        [fromConfig, 'config'],
        [fromEnv, 'env'],
      ];
  const explicit = ordered.find(([mb]) => mb !== undefined);
  const gpu = await queryNvidiaSmi(opts.nvidiaSmi, opts.timeoutMs);
  if (explicit) {
    budgetBytes = Math.round(explicit[0]! * MIB);
    source = explicit[1];
  } else {
    if (gpu) {
      budgetBytes = Math.round(gpu.totalMb * MIB);
      source = 'nvidia-smi';
    } else {
      budgetBytes = opts.totalRamBytes ?? os.totalmem();
      source = 'system-ram';
    }
  }
  const rMb = opts.config?.reserveMb;
  const configured =
    typeof rMb === 'number' && Number.isFinite(rMb) && rMb >= 0 ? Math.round(rMb * MIB) : undefined;
  const reserveBytes = Math.min(
    configured ?? defaultReserveBytes(budgetBytes, source),
    Math.floor(budgetBytes / 2),
  );
  return { budgetBytes, reserveBytes, source, gpu };
}

/**
 * Which sd.cpp mitigations lower the peak on this machine: all of them with a GPU; only VAE tiling
 * without one (moving a module "to the CPU" keeps it in the same RAM).
 */
export function mitigationsFor(hasGpu: boolean): {
  vaeTiling: boolean;
  vaeOnCpu: boolean;
  clipOnCpu: boolean;
  offloadToCpu: boolean;
  maxVram: boolean;
} {
  return {
    vaeTiling: true,
    vaeOnCpu: hasGpu,
    clipOnCpu: hasGpu,
    offloadToCpu: hasGpu,
    maxVram: hasGpu,
  };
}
