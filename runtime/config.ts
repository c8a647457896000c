/**
 * Configuration (design.md §10): `config.json` in the data directory, then environment variables,
 * which always win. Validated with zod so a typo in config.json is a clear start-up error.
 */
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { assistantConfig, type AssistantConfig } from './assistant/config';
import { UserError } from './errors';

/** config.json's schema (the Settings panel validates with the same one, issue 15 §7). */
export const configFileSchema = z
  .object({
    host: z.string().optional(),
    port: z.number().int().min(0).max(65535).optional(),
    models: z.array(z.string()).optional(),
    sdCppBin: z.string().optional(),
    loraDir: z.string().optional(),
    watchFolders: z.array(z.string()).optional(),
    vram: z
      .object({
        budgetMb: z.number().positive().optional(),
        reserveMb: z.number().min(0).optional(),
      })
      .optional(),
    threads: z
      .object({
        llm: z.number().int().positive().optional(),
        sd: z.number().int().positive().optional(),
      })
      .optional(),
    /** Resident sd-server mode (issue 12): idle unload delay (s), server binary, `auto`|`cli`. */
    sd: z
      .object({
        idleUnloadS: z.number().min(0).optional(),
        serverBin: z.string().optional(),
        mode: z.enum(['auto', 'cli']).optional(),
      })
      .optional(),
    /** LLM prompts and tag taxonomy (issue 3); merged over the built-in defaults. */
    llm: z.record(z.string(), z.unknown()).optional(),
    /** Largest accepted request body (bytes). */
    maxBodyBytes: z.number().int().positive().optional(),
    /** Node timeout (ms) after which a silent worker call is failed. */
    nodeTimeoutMs: z.number().int().positive().optional(),
    /**
     * Stall watchdog (issue 18 #1): seconds a worker call may stay silent per progress phase
     * before the node fails with ENGINE_STALLED; defaults loading 300, every other phase 120.
     */
    stallTimeoutsS: z
      .object(
        Object.fromEntries(
          ['loading', 'encoding', 'sampling', 'decoding', 'upscaling', 'generating'].map((k) => [
            k,
            z.number().positive().optional(),
          ]),
        ),
      )
      .strict()
      .optional(),
    /** Runs executed at the same time (the arbiter keeps them within the memory budget). */
    maxConcurrentRuns: z.number().int().min(1).max(16).optional(),
    /** Exact origins (`scheme://host:port`) besides the studio's own that may POST and open /ws (issue 18 #7). */
    allowedOrigins: z.array(z.string().url()).optional(),
    /** Runs that may wait in the queue (not yet running); one more is answered 429 (issue 18 #10). */
    maxQueuedRuns: z.number().int().min(1).optional(),
    /** Online database backups into backups/ (issue 18): every `everyHours` (0 = off), newest `keep` kept. */
    backup: z
      .object({
        everyHours: z.number().min(0).optional(),
        keep: z.number().int().min(1).optional(),
      })
      .optional(),
  })
  .passthrough();

export interface Config {
  home: string;
  host: string;
  port: number;
  dbFile: string;
  paths: { home: string; tmp: string; outputs: string; artifacts: string; thumbs: string };
  modelFolders: string[];
  sdCppBin: string | null;
  loraDir: string | null;
  watchFolders: string[];
  vram: { budgetMb?: number; reserveMb?: number };
  threads: { llm?: number; sd?: number };
  /**
   * sd-server resident mode: `idleUnloadS` (default 600; 0 = never) stops an idle resident stack;
   * `serverBin` (SD_CPP_SERVER_BIN) names sd-server, else the one beside sdCppBin is used;
   * `mode` `cli` (MYSTI_SD_MODE=cli) turns resident mode off.
   */
  sd: { idleUnloadS: number; serverBin: string | null; mode: 'auto' | 'cli' };
  llm: Record<string, unknown>;
  maxBodyBytes: number;
  nodeTimeoutMs: number;
  /** Stall limits per phase in ms (config `stallTimeoutsS` × 1000); absent phases use the defaults. */
  stallMs: Partial<
    Record<'loading' | 'encoding' | 'sampling' | 'decoding' | 'upscaling' | 'generating', number>
  >;
  maxConcurrentRuns: number;
  /** Extra exact origins allowed for state-changing requests and /ws (the studio's own always are). */
  allowedOrigins: string[];
  /** Queued (waiting) runs accepted at most; POST /api/runs answers 429 QUEUE_FULL beyond it. */
  maxQueuedRuns: number;
  /** Scheduled database backups: interval in ms (0 = off) and how many to keep. */
  backup: { everyMs: number; keep: number };
  /** The raw config.json (passthrough keys included), for executors. */
  raw: Record<string, unknown>;
  /** `assistant` (issue 16; runtime/assistant/config.ts), with MYSTI_ASSISTANT_MODEL applied. */
  assistant: AssistantConfig;
}

/**
 * Reads `$MYSTI_HOME/config.json` (absent = defaults) and applies env overrides.
 * @throws UserError CONFIG_INVALID when config.json is not valid JSON or has wrong types.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Config {
  const home = path.resolve(cwd, env.MYSTI_HOME ?? 'data');
  const file = path.join(home, 'config.json');
  let raw: Record<string, unknown> = {};
  if (fs.existsSync(file)) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (err) {
      throw new UserError('CONFIG_INVALID', `${file} is not valid JSON: ${(err as Error).message}`);
    }
    const r = configFileSchema.safeParse(parsed);
    if (!r.success) {
      throw new UserError(
        'CONFIG_INVALID',
        `${file}: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      );
    }
    raw = r.data;
  }
  const c = raw as z.infer<typeof configFileSchema>;
  const num = (v: string | undefined) =>
    v !== undefined && v !== '' && Number.isFinite(Number(v)) ? Number(v) : undefined;
  const modelFolders = (
    env.MYSTI_MODELS ? env.MYSTI_MODELS.split(':') : (c.models ?? [path.join(home, 'models')])
  )
    .filter(Boolean)
    .map((f) => path.resolve(home, f));
  const vram = { ...(c.vram ?? {}) };
  const envVram = num(env.MYSTI_VRAM_MB);
  if (envVram !== undefined) vram.budgetMb = envVram;
  const threads = { ...(c.threads ?? {}) };
  if (num(env.MYSTI_LLM_THREADS) !== undefined) threads.llm = num(env.MYSTI_LLM_THREADS)!;
  if (num(env.MYSTI_SD_THREADS) !== undefined) threads.sd = num(env.MYSTI_SD_THREADS)!;
  return {
    home,
    host: env.MYSTI_HOST ?? c.host ?? '127.0.0.1',
    port: num(env.MYSTI_PORT) ?? c.port ?? 1234,
    dbFile: path.join(home, 'mysticanvas.db'),
    paths: {
      home,
      tmp: path.join(home, 'tmp'),
      outputs: path.join(home, 'outputs'),
      artifacts: path.join(home, 'artifacts'),
      thumbs: path.join(home, 'thumbs'),
    },
    modelFolders,
    sdCppBin: env.SD_CPP_BIN || c.sdCppBin || null,
    loraDir: c.loraDir ? path.resolve(home, c.loraDir) : null,
    watchFolders: (c.watchFolders ?? []).map((f) => path.resolve(home, f)),
    vram,
    threads,
    sd: {
      idleUnloadS: num(env.MYSTI_SD_IDLE_UNLOAD_S) ?? c.sd?.idleUnloadS ?? 600,
      serverBin: env.SD_CPP_SERVER_BIN || c.sd?.serverBin || null,
      mode: env.MYSTI_SD_MODE === 'cli' ? 'cli' : (c.sd?.mode ?? 'auto'),
    },
    llm: c.llm ?? {},
    maxBodyBytes: c.maxBodyBytes ?? 32 * 1024 * 1024,
    nodeTimeoutMs: c.nodeTimeoutMs ?? 30 * 60 * 1000,
    stallMs: Object.fromEntries(
      Object.entries(c.stallTimeoutsS ?? {})
        .filter(([, v]) => typeof v === 'number')
        .map(([k, v]) => [k, Math.round((v as number) * 1000)]),
    ),
    maxConcurrentRuns: num(env.MYSTI_MAX_CONCURRENT_RUNS) ?? c.maxConcurrentRuns ?? 1,
    allowedOrigins: c.allowedOrigins ?? [],
    maxQueuedRuns: num(env.MYSTI_MAX_QUEUED_RUNS) ?? c.maxQueuedRuns ?? 100,
    backup: {
      everyMs: (num(env.MYSTI_BACKUP_HOURS) ?? c.backup?.everyHours ?? 24) * 3_600_000,
      keep: c.backup?.keep ?? 7,
    },
    raw,
    assistant: assistantConfig(raw, env),
  };
}

/** Creates the data directory layout. */
export function ensureDirs(config: Config): void {
  for (const d of Object.values(config.paths)) fs.mkdirSync(d, { recursive: true });
}
