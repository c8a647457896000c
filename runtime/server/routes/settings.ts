/**
 * Settings (issue 15 §7): GET /api/settings and PUT /api/settings over the things people change —
 * model folders, SD_CPP_BIN / the sd-server binary, VRAM budget and reserve, threads, the
 * auto-tag model, LLM prompts and tag taxonomy, idle unload. PUT takes a partial object of those
 * keys (null clears one), merges it into config.json (its other keys are kept), validates the
 * result with the runtime's own config schema (runtime/config.ts) and writes it atomically
 * (temp → fsync → rename). Every answer says which settings an environment variable overrides:
 * there the environment wins (design.md §10) and the panel shows it. The VRAM budget and reserve
 * apply at once (the arbiter is re-budgeted); the others when the studio next starts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Hono } from 'hono';
import { z } from 'zod';
import { configFileSchema } from '../../config';
import { UserError } from '../../errors';
import { writeFileAtomic } from '../../fs/atomic';
import { writePoint } from '../../fs/write-points';
import type { Studio } from '../../studio';

/** The editable settings, as config.json spells them. */
export const settingsSchema = z
  .object({
    models: z.array(z.string().min(1)).max(32).nullable(),
    sdCppBin: z.string().min(1).nullable(),
    sd: z.object({
      serverBin: z.string().min(1).nullable().optional(),
      idleUnloadS: z.number().min(0).nullable().optional(),
    }),
    vram: z.object({
      budgetMb: z.number().positive().nullable().optional(),
      reserveMb: z.number().min(0).nullable().optional(),
    }),
    threads: z.object({
      llm: z.number().int().positive().nullable().optional(),
      sd: z.number().int().positive().nullable().optional(),
    }),
    autoTag: z.object({ model: z.string().min(1).nullable().optional() }),
    /** LLM prompts and the tag taxonomy (runtime/llm/defaults.ts keys), merged over the defaults. */
    llm: z.record(z.string(), z.unknown()).nullable(),
  })
  .partial()
  .strict();

export type SettingsPatch = z.infer<typeof settingsSchema>;

/** Setting path → the environment variable that overrides it (runtime/config.ts). */
const ENV: Record<string, string> = {
  models: 'MYSTI_MODELS',
  sdCppBin: 'SD_CPP_BIN',
  'sd.serverBin': 'SD_CPP_SERVER_BIN',
  'sd.idleUnloadS': 'MYSTI_SD_IDLE_UNLOAD_S',
  'vram.budgetMb': 'MYSTI_VRAM_MB',
  'threads.llm': 'MYSTI_LLM_THREADS',
  'threads.sd': 'MYSTI_SD_THREADS',
};

const EDITABLE = ['models', 'sdCppBin', 'sd', 'vram', 'threads', 'autoTag', 'llm'] as const;

/** Deep-merges `patch` into `base`: null deletes a key, objects merge, the rest replaces. */
function merge(base: Record<string, unknown>, patch: Record<string, unknown>) {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else if (v && typeof v === 'object' && !Array.isArray(v) && k !== 'llm') {
      const inner = merge((out[k] as Record<string, unknown>) ?? {}, v as Record<string, unknown>);
      if (Object.keys(inner).length) out[k] = inner;
      else delete out[k];
    } else out[k] = v;
  }
  return out;
}

function readFile(file: string): Record<string, unknown> {
  if (!fs.existsSync(file)) return {};
  return JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
}

export function settingsRoutes(s: Studio): Hono {
  const app = new Hono();
  const file = path.join(s.config.home, 'config.json');
  const answer = () => {
    const raw = readFile(file);
    const settings = Object.fromEntries(
      EDITABLE.filter((k) => raw[k] !== undefined).map((k) => [k, raw[k]]),
    );
    const overriddenBy = Object.fromEntries(Object.entries(ENV).filter(([, v]) => process.env[v]));
    return {
      file,
      settings,
      /** Setting path → env var that is set and wins over config.json. */
      overriddenBy,
      /** What the running studio uses now (env applied). */
      effective: {
        models: s.config.modelFolders,
        sdCppBin: s.config.sdCppBin,
        sd: { serverBin: s.config.sd.serverBin, idleUnloadS: s.config.sd.idleUnloadS },
        vram: s.config.vram,
        threads: s.config.threads,
      },
      /** Settings that apply without a restart. */
      live: ['vram.budgetMb', 'vram.reserveMb'],
    };
  };
  app.get('/', (c) => c.json(answer()));
  app.put('/', async (c) => {
    const patch = settingsSchema.parse(await c.req.json());
    let current: Record<string, unknown>;
    try {
      current = readFile(file);
    } catch (err) {
      throw new UserError(
        'CONFIG_INVALID',
        `${file} is not valid JSON (${(err as Error).message}); fix or remove it first`,
      );
    }
    const next = merge(current, patch as Record<string, unknown>);
    const checked = configFileSchema.safeParse(next);
    if (!checked.success)
      throw new UserError(
        'CONFIG_INVALID',
        checked.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '),
        {
          issues: checked.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
        },
      );
    writePoint('config.write');
    writeFileAtomic(file, Buffer.from(`${JSON.stringify(next, null, 2)}\n`));
    if (patch.vram !== undefined) {
      // The environment still wins for the budget (MYSTI_VRAM_MB), as at start-up.
      const vram = { ...((next.vram as { budgetMb?: number; reserveMb?: number }) ?? {}) };
      const env = Number(process.env.MYSTI_VRAM_MB);
      if (process.env.MYSTI_VRAM_MB && Number.isFinite(env)) vram.budgetMb = env;
      s.config.vram = vram;
      await s.services.applyVram?.(vram);
    }
    return c.json(answer());
  });
  return app;
}
