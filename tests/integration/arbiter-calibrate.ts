/**
 * Shared set-up of the arbiter integration tests: a temp home with the tiny GGUF, a config.json
 * with an exact budget (bytes → MiB, exact because MiB is a power of two) and no reserve, and the
 * SD need the arbiter will project for the stand-in model.
 *
 * Why seeded: the stand-in's measured peak (~70 MB RSS) is far below any SD projection, so after
 * its first job the correction ratio sits at the clamp (MIN_RATIO = 0.5) for good. Seeding that
 * ratio in model_vram_peaks before the studio starts makes every projection in the test the same
 * number, so a budget can be chosen that fits SD alone but not SD plus the resident LLM.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Store } from '../../runtime/store';
import { VramPeakStore } from '../../runtime/store/arbiter';
import { Corrections, MIN_RATIO } from '../../runtime/arbiter/corrections';
import { estimateSd } from '../../runtime/arbiter/estimate';
import { requestNeed } from '../../runtime/arbiter/decide';
import { ModelRegistry } from '../../runtime/models/registry';
import { SD_MODEL, makeTempHome, type TempHome } from '../helpers/temp-home';

export const MIB = 1024 * 1024;

/** Bytes the arbiter projects for one stand-in txt2img at `size`² (cfg 7) once the ratio is seeded. */
export function seededSdNeed(home: ArbiterHome, size: number): number {
  const bytes = fs.statSync(path.join(home.models, SD_MODEL)).size;
  // The family the registry gives the file picks the compute table row, as in the runtime.
  const e = estimateSd([{ role: 'diffusion', bytes }], {
    family: home.sdFamily,
    width: size,
    height: size,
    cfgScale: 7,
  });
  const c = new Corrections();
  c.record(SD_MODEL, 1000, 1);
  const corrected = c.correct(SD_MODEL, e.weightsBytes, e.computeBytes);
  return requestNeed(
    {
      holder: 'x',
      worker: 'sd',
      model: SD_MODEL,
      weightsBytes: e.weightsBytes,
      computeBytes: corrected.computeBytes,
      sd: e.breakdown,
      alreadyResidentOnWorker: false,
    },
    {},
  );
}

export interface ArbiterHome extends TempHome {
  /** The family the model registry gives the stand-in model (null when it cannot tell). */
  sdFamily: string | null;
}

/** A temp home whose config.json sets `budgetBytes` exactly, no reserve, and `extra` keys. */
export async function arbiterHome(
  opts: { budgetBytes?: number; extra?: Record<string, unknown> } = {},
): Promise<ArbiterHome> {
  const home = makeTempHome({ gguf: true, prefix: 'mysti-arbiter-' });
  writeBudget(home, opts.budgetBytes ?? 100_000 * MIB, opts.extra);
  const store = Store.open(path.join(home.home, 'mysticanvas.db'));
  new VramPeakStore(store.db).save({
    model: SD_MODEL,
    projectedBytes: 2 * MIB,
    actualBytes: MIB,
    ratio: MIN_RATIO,
    samples: 1,
    updatedAt: Date.now(),
  });
  const registry = new ModelRegistry(store.db, [home.models]);
  await registry.scan();
  const sdFamily = registry.get(SD_MODEL)?.family ?? null;
  store.close();
  return { ...home, sdFamily };
}

export function writeBudget(
  home: TempHome,
  budgetBytes: number,
  extra: Record<string, unknown> = {},
): void {
  fs.writeFileSync(
    path.join(home.home, 'config.json'),
    JSON.stringify({ vram: { budgetMb: budgetBytes / MIB, reserveMb: 0 }, ...extra }),
  );
}

/** arbiter.decision events of a run (persisted events, in order). */
export const decisions = (events: any[]) => events.filter((e) => e.type === 'arbiter.decision');
