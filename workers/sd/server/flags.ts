/**
 * The model stack an `sd-server` child is started for, and its start-up argv (sdcpp.md §2: the
 * server takes the CLI's Context options at start-up and keeps that one model set resident).
 *
 * Kept apart from the per-job body builder (body.ts): what is here can only change by restarting
 * the server; what is in the body changes per request. A job whose {@link stackKey} equals the
 * running child's goes to it; any other key replaces the child.
 */
import type { GenPayload, Mitigations } from '../payload';
import { guideStack, mitigationArgs } from '../argv';
import { stackModelFlags, type StackFiles } from '../model-flags';

/** Every file of the model stack, by role, as for the CLI (model-flags.ts). */
const STACK_FILES = [
  'modelRole',
  'clipLPath',
  'clipGPath',
  't5xxlPath',
  'llmPath',
  'vaePath',
  'taesdPath',
  'controlNetPath',
  'ipAdapterPath',
  'clipVisionPath',
  'hiresUpscalersDir',
] as const;

/** Everything sd-server only takes at start-up: the stack's files (absolute paths) and flags. */
export interface StackSpec extends StackFiles {
  /** `--lora-model-dir`; also what `GET /sdcpp/v1/capabilities` lists as `loras`. */
  loraDir?: string;
  /** `-t`. */
  threads: number;
  /** `--ref-image-args`: a generation default the server's body has no field for at this commit. */
  refImageArgs?: string;
  /** Arbiter-chosen flags (VAE tiling, CPU placement, offload, VRAM cap) — start-up only in sd-server. */
  mitigations?: Mitigations;
}

/** The stack of a txt2img/img2img payload. */
export function stackOf(p: GenPayload, threads: number): StackSpec {
  const files: Partial<StackFiles> = {};
  const all = guideStack(p);
  for (const k of STACK_FILES) if (all[k]) (files as Record<string, unknown>)[k] = all[k];
  return {
    modelPath: p.modelPath,
    ...files,
    ...(p.loraDir ? { loraDir: p.loraDir } : {}),
    threads,
    ...(p.refImageArgs ? { refImageArgs: p.refImageArgs } : {}),
    ...(p.mitigations && Object.keys(p.mitigations).length ? { mitigations: p.mitigations } : {}),
  };
}

/**
 * Identity of a stack: equal keys ⇒ the running server can take the job. The LoRA folder is not
 * part of it — LoRAs are sent per request by absolute path (body.ts) — so changing LoRAs never
 * reloads the base weights.
 */
export function stackKey(s: StackSpec): string {
  const m = s.mitigations ?? {};
  const mit = Object.keys(m)
    .sort()
    .map((k) => `${k}=${String(m[k as keyof Mitigations])}`)
    .join(',');
  return JSON.stringify([
    s.modelPath,
    ...STACK_FILES.map((k) => s[k] ?? ''),
    s.refImageArgs ?? '',
    s.threads,
    mit,
  ]);
}

/** Start-up flags of `s` (without the listen address), e.g. `['-m', m, '-t', '2', '--vae-tiling']`. */
export function stackFlags(s: StackSpec, backendFlag: boolean): string[] {
  const a = stackModelFlags(s);
  if (s.loraDir) a.push('--lora-model-dir', s.loraDir);
  if (s.refImageArgs) a.push('--ref-image-args', s.refImageArgs);
  a.push(...mitigationArgs(s.mitigations, backendFlag));
  a.push('-t', String(s.threads));
  return a;
}

/** The full sd-server argv: stack flags + `--listen-ip 127.0.0.1 --listen-port <port>` (loopback only). */
export function serverArgv(s: StackSpec, port: number, backendFlag: boolean): string[] {
  return [...stackFlags(s, backendFlag), '--listen-ip', '127.0.0.1', '--listen-port', String(port)];
}

/** Which mitigations differ between two stacks (for the "restarted with …" sentence). */
export function changedMitigations(a: StackSpec | null, b: StackSpec): string[] {
  const x = a?.mitigations ?? {};
  const y = b.mitigations ?? {};
  const keys = new Set([...Object.keys(x), ...Object.keys(y)]);
  return [...keys].filter((k) => x[k as keyof Mitigations] !== y[k as keyof Mitigations]).sort();
}
