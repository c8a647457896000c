/**
 * Seeds as exact 64-bit integers (issue 13 §4). stable-diffusion.cpp takes `int64_t` seeds
 * (`sd_img_gen_params_t.seed`; the CLI parses `-s` with `std::stoll`; sdcpp.md §1.1), so a seed
 * is any integer 0 … 2^63−1. JSON numbers lose precision above 2^53, so the graph format,
 * params, lineage and the PNG chunks carry a seed as a decimal integer **string** ("123"); a JSON
 * number is accepted on input (exact only up to 2^53−1) and normalised to the string.
 * `"random"` means "draw one per run" (resolved and recorded before hashing).
 *
 * Seeds above 2^63−1 (ComfyUI seeds are unsigned 64-bit) are mapped deterministically by
 * clearing the top bit — `seed mod 2^63` — with a warning, see {@link mapForeignSeed}.
 *
 * Works in Node and the browser (BigInt, `globalThis.crypto`).
 */
import { z } from 'zod';

/** Largest seed sd.cpp accepts: 2^63−1 (int64_t). */
export const MAX_SEED = (1n << 63n) - 1n;
/** Largest seed as the decimal string the graph format carries. */
export const MAX_SEED_STRING = MAX_SEED.toString();
/** Canonical decimal form: no sign, no leading zeros, at most 19 digits. */
export const SEED_PATTERN = /^(0|[1-9][0-9]{0,18})$/;

/** A concrete seed: its canonical decimal string. */
export type Seed = string;

const inRange = (s: string) => SEED_PATTERN.test(s) && BigInt(s) <= MAX_SEED;

/**
 * Canonical string of a concrete seed given as a string or a JSON number, or `undefined` when
 * it is not an integer 0 … 2^63−1 (numbers must also be safe integers, since a bigger JSON
 * number has already lost digits).
 */
export function canonicalSeed(v: unknown): Seed | undefined {
  if (typeof v === 'number') return Number.isSafeInteger(v) && v >= 0 ? String(v) : undefined;
  if (typeof v === 'bigint') return v >= 0n && v <= MAX_SEED ? v.toString() : undefined;
  if (typeof v !== 'string') return undefined;
  const t = v.trim().replace(/^0+(?=\d)/, '');
  return inRange(t) ? t : undefined;
}

/**
 * The seed param's zod schema: `"random"`, a decimal string, or a safe-integer number; parsed
 * to `"random"` or the canonical decimal string. JSON Schema (io: input) shows the accepted forms.
 */
export function seedParamSchema() {
  return z
    .union([
      z.literal('random'),
      z
        .string()
        .regex(
          /^\s*[0-9]{1,20}\s*$/,
          'a seed is an integer 0 … 9223372036854775807 written in decimal',
        )
        .refine((s) => canonicalSeed(s) !== undefined, {
          message: `a seed must be at most ${MAX_SEED_STRING} (2^63−1, sd.cpp's int64 range)`,
        })
        .meta({
          description: 'Exact seed as a decimal integer string, 0 … 9223372036854775807 (2^63−1).',
        }),
      z
        .number()
        .int()
        .min(0)
        .max(
          Number.MAX_SAFE_INTEGER,
          'a seed above 2^53−1 must be written as a string, since JSON numbers that big lose digits',
        )
        .meta({
          description: 'Seed as a JSON number (exact only up to 2^53−1); normalised to a string.',
        }),
    ])
    .transform((v): 'random' | Seed => (v === 'random' ? 'random' : canonicalSeed(v)!));
}

/** `seed + k` exactly (batch image k uses base+k, sdcpp.md §1.1), wrapping inside 0 … 2^63−1. */
export function seedPlus(seed: Seed, k: number): Seed {
  return ((BigInt(seed) + BigInt(k)) & MAX_SEED).toString();
}

/** A uniformly random seed 0 … 2^63−1 (crypto randomness). */
export function randomSeed(): Seed {
  const a = new BigUint64Array(1);
  globalThis.crypto.getRandomValues(a);
  return (a[0]! & MAX_SEED).toString();
}

/**
 * Maps a foreign seed (ComfyUI, A1111, …) onto ours: negative = random (A1111's −1); 0 … 2^63−1
 * unchanged; above 2^63−1 (ComfyUI allows up to 2^64−1) the documented deterministic mapping
 * `seed mod 2^63` (top bit cleared) with a warning. Not an integer → `undefined` and a warning.
 *
 * @param v a number, bigint, or decimal string (importers read big JSON numbers losslessly as strings)
 */
export function mapForeignSeed(v: unknown, warn: (m: string) => void): Seed | 'random' | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  if (v === 'random') return 'random';
  let b: bigint;
  try {
    if (typeof v === 'bigint') b = v;
    else if (typeof v === 'number') {
      if (!Number.isInteger(v)) throw new Error('not an integer');
      if (!Number.isSafeInteger(v))
        warn(`seed ${v} arrived as an inexact JSON number; its last digits may already be lost`);
      b = BigInt(v);
    } else if (typeof v === 'string' && /^\s*-?[0-9]+\s*$/.test(v)) b = BigInt(v.trim());
    else throw new Error('not an integer');
  } catch {
    warn(`seed ${JSON.stringify(String(v))} is not an integer; left at random`);
    return undefined;
  }
  if (b < 0n) return 'random';
  if (b <= MAX_SEED) return b.toString();
  const mapped = (b & MAX_SEED).toString();
  warn(
    `seed ${b} is above stable-diffusion.cpp's largest seed 2^63−1; using ${mapped} (seed mod 2^63), so the image will differ from the original`,
  );
  return mapped;
}

/** A concrete seed as llama.cpp's 32-bit seed: the low 32 bits (documented, deterministic). */
export function seedToUint32(seed: Seed): number {
  return Number(BigInt(seed) & 0xffffffffn);
}
