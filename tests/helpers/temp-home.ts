/**
 * A throw-away data directory for tests: `$home/models` holds a structurally valid fake
 * safetensors SD model (`tiny-sd.safetensors`, enough for the sd.cpp stand-in and the model
 * registry) and, when asked, a symlink to the real tiny GGUF (stories260K) for the LLM worker.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root (tests/helpers/../..). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** The sd.cpp stand-in binary (tests/helpers/sd-standin/README.md). */
export const SD_STANDIN = path.join(REPO_ROOT, 'tests/helpers/sd-standin/sd-cli');
/** The shared tiny LLM (a sibling of the repository in CI's fresh clone). */
export const TINY_GGUF = path.resolve(REPO_ROOT, '../shared/models/stories260K.gguf');
/** The shared fixtures (png/, json/ and their README; a sibling of the repository like the models). */
export const FIXTURES_DIR = path.resolve(REPO_ROOT, '../shared/fixtures');
/** File name of the fake SD model every temp home gets. */
export const SD_MODEL = 'tiny-sd.safetensors';

/**
 * Bytes of a minimal safetensors file: u64 little-endian header length, then a JSON header
 * (huggingface/safetensors format). `extra` is appended after the header (fault words for the
 * stand-in go there, e.g. `sdcpp-standin: oom`).
 */
export function fakeSafetensors(extra = ''): Buffer {
  const header = Buffer.from(
    JSON.stringify({ __metadata__: { format: 'pt', note: 'mysticanvas test model' } }),
  );
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(header.length));
  return Buffer.concat([len, header, Buffer.from(extra)]);
}

export interface TempHome {
  /** The data directory (MYSTI_HOME). */
  home: string;
  /** The model folder (MYSTI_MODELS). */
  models: string;
  /** Environment for a studio or CLI child on this home with the sd.cpp stand-in. */
  env: Record<string, string>;
  /** Removes the directory. */
  cleanup(): void;
}

/** Creates a temp home with the fake SD model (and the GGUF symlink when `gguf`). */
export function makeTempHome(opts: { gguf?: boolean; prefix?: string } = {}): TempHome {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), opts.prefix ?? 'mysti-test-'));
  const models = path.join(home, 'models');
  fs.mkdirSync(models, { recursive: true });
  fs.writeFileSync(path.join(models, SD_MODEL), fakeSafetensors());
  if (opts.gguf) fs.symlinkSync(TINY_GGUF, path.join(models, path.basename(TINY_GGUF)));
  return {
    home,
    models,
    // One run at a time (the default, pinned): queue tests rely on a second run waiting.
    env: {
      MYSTI_HOME: home,
      MYSTI_MODELS: models,
      SD_CPP_BIN: SD_STANDIN,
      MYSTI_PORT: '0',
      MYSTI_LOG_LEVEL: 'warn',
      MYSTI_MAX_CONCURRENT_RUNS: '1',
    },
    cleanup: () => fs.rmSync(home, { recursive: true, force: true }),
  };
}
