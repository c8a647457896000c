/**
 * The AUTOMATIC1111 "infotext" (`parameters` chunk): our writer and a parser of A1111's own
 * grammar (modules/infotext_utils.py `parse_generation_parameters`, anchors-mission.md §2.3):
 *
 *   <prompt, any number of lines>
 *   Negative prompt: <negative, any number of lines>
 *   Key: value, Key: "quoted, value", … (the last line; counts only with ≥ 3 pairs)
 *
 * Key = `\w[\w \-/]+`; value = a JSON double-quoted string or anything up to the next comma.
 * We also accept a bare JSON object/array value (sd.cpp writes `SDCPP: {…}` unquoted).
 */
import { a1111SamplerLabel, a1111ScheduleLabel } from '../importers/samplers';

/** What {@link formatA1111Parameters} writes. Numbers in natural units (px, steps). */
export interface A1111Info {
  prompt: string;
  negativePrompt?: string;
  steps: number;
  /** sd.cpp sampler name; written as A1111's label (dpm++2m → "DPM++ 2M"). */
  sampler: string;
  /** sd.cpp scheduler name; `default` omits `Schedule type`. */
  scheduler: string;
  cfgScale: number;
  /** Exact decimal seed text (a number is accepted from older callers). */
  seed: string | number;
  width: number;
  height: number;
  /** AutoV2 hash: the first 10 hex digits of the model file's SHA-256 ({@link autoV2Hash}). */
  modelHash?: string;
  /** Model name without folder and extension, as A1111 shows it. */
  model?: string;
  clipSkip?: number;
  denoisingStrength?: number;
  /** LoRA name → AutoV2 hash, written as `Lora hashes: "a: h1, b: h2"`. */
  loraHashes?: Record<string, string>;
  /** Our app version, e.g. "0.1"; written as `Version: mysticanvas 0.1`. */
  version: string;
  /** Inpainting: A1111's `Mask blur` (px). */
  maskBlur?: number;
  /**
   * Hires fix as A1111 writes it: `Hires upscale` (factor) or `Hires resize` (`WxH`), `Hires steps`
   * (0 = the first pass's, left out), `Hires upscaler`; its strength goes in `denoisingStrength`.
   */
  hires?: {
    upscale?: number;
    resize?: { width: number; height: number };
    steps: number;
    upscaler: string;
  };
  /**
   * ControlNet units as sd-webui-controlnet writes them: `ControlNet 0: "Module: none, Model: name
   * [hash8], Weight: w, …"` (no preprocessor runs here: Module none).
   */
  controlNets?: Array<{ model: string; hash?: string; weight: number }>;
  /** More `Key: value` pairs, inserted before `Version`. */
  extra?: Array<[string, string | number]>;
}

/** The AutoV2 model hash A1111/Civitai use: first 10 hex digits of the file's SHA-256. */
export function autoV2Hash(sha256Hex: string): string {
  return sha256Hex.slice(0, 10).toLowerCase();
}

/** A1111's `quote()`: JSON-quotes values containing a comma, newline or colon. */
export function quoteA1111(v: string | number): string {
  const s = String(v);
  return /[,\n:]/.test(s) ? JSON.stringify(s) : s;
}

function modelDisplayName(m: string): string {
  const base = m.split(/[\\/]/).pop() ?? m;
  return base.replace(/\.(safetensors|ckpt|gguf|pt|pth|bin)$/i, '');
}

/** Formats the `parameters` text in A1111 layout (key order as A1111 writes it). */
export function formatA1111Parameters(info: A1111Info): string {
  const pairs: Array<[string, string | number]> = [
    ['Steps', info.steps],
    ['Sampler', a1111SamplerLabel(info.sampler)],
  ];
  const schedule = a1111ScheduleLabel(info.scheduler);
  if (schedule) pairs.push(['Schedule type', schedule]);
  pairs.push(
    ['CFG scale', info.cfgScale],
    ['Seed', info.seed],
    ['Size', `${info.width}x${info.height}`],
  );
  if (info.modelHash) pairs.push(['Model hash', info.modelHash]);
  if (info.model) pairs.push(['Model', modelDisplayName(info.model)]);
  if (info.denoisingStrength !== undefined)
    pairs.push(['Denoising strength', info.denoisingStrength]);
  if (info.clipSkip !== undefined && info.clipSkip > 1) pairs.push(['Clip skip', info.clipSkip]);
  if (info.maskBlur !== undefined) pairs.push(['Mask blur', info.maskBlur]);
  info.controlNets?.forEach((c, k) =>
    pairs.push([
      `ControlNet ${k}`,
      [
        'Module: none',
        `Model: ${modelDisplayName(c.model)}${c.hash ? ` [${c.hash.slice(0, 8)}]` : ''}`,
        `Weight: ${c.weight}`,
        'Resize Mode: Just Resize',
        'Guidance Start: 0',
        'Guidance End: 1',
        'Pixel Perfect: False',
        'Control Mode: Balanced',
      ].join(', '),
    ]),
  );
  if (info.hires) {
    if (info.hires.resize)
      pairs.push(['Hires resize', `${info.hires.resize.width}x${info.hires.resize.height}`]);
    else if (info.hires.upscale !== undefined) pairs.push(['Hires upscale', info.hires.upscale]);
    if (info.hires.steps > 0) pairs.push(['Hires steps', info.hires.steps]);
    pairs.push(['Hires upscaler', info.hires.upscaler]);
  }
  const loras = Object.entries(info.loraHashes ?? {});
  if (loras.length) pairs.push(['Lora hashes', loras.map(([n, h]) => `${n}: ${h}`).join(', ')]);
  for (const e of info.extra ?? []) pairs.push(e);
  pairs.push(['Version', `mysticanvas ${info.version}`]);
  const lines = [info.prompt];
  if (info.negativePrompt) lines.push(`Negative prompt: ${info.negativePrompt}`);
  lines.push(pairs.map(([k, v]) => `${k}: ${quoteA1111(v)}`).join(', '));
  return lines.join('\n');
}

/** Result of {@link parseA1111Parameters}. `params` keeps A1111's key spelling; values unquoted. */
export interface A1111Parsed {
  prompt: string;
  negativePrompt: string;
  params: Record<string, string>;
  /** False when no last line with ≥ 3 `Key: value` pairs was found (the whole text is prompt). */
  hasParamsLine: boolean;
}

const KEY = /\s*(\w[\w \-/]+):\s*/y;
const QUOTED = /"(?:\\.|[^\\"])+"/y;

/** Index just past the JSON value starting at `i` (an object or array), or -1 if unbalanced. */
function skipJson(s: string, i: number): number {
  let depth = 0;
  let inStr = false;
  for (let j = i; j < s.length; j++) {
    const c = s[j];
    if (inStr) {
      if (c === '\\') j++;
      else if (c === '"') inStr = false;
    } else if (c === '"') inStr = true;
    else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') {
      depth--;
      if (depth === 0) return j + 1;
    }
  }
  return -1;
}

/**
 * Splits a `Key: value, …` line into pairs in order (A1111's `re_param_code` applied with
 * `findall`, plus bare JSON values). Duplicate keys keep the last value, as A1111 does.
 */
export function parseParamLine(line: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  let i = 0;
  while (i < line.length) {
    KEY.lastIndex = i;
    const k = KEY.exec(line);
    if (!k) {
      const comma = line.indexOf(',', i);
      if (comma < 0) break;
      i = comma + 1;
      continue;
    }
    const key = k[1]!.trim();
    let j = KEY.lastIndex;
    let value: string;
    const c = line[j];
    const jsonEnd = c === '{' || c === '[' ? skipJson(line, j) : -1;
    if (jsonEnd > 0) {
      value = line.slice(j, jsonEnd);
      j = jsonEnd;
    } else {
      QUOTED.lastIndex = j;
      const q = c === '"' ? QUOTED.exec(line) : null;
      if (q && (QUOTED.lastIndex >= line.length || /^\s*,/.test(line.slice(QUOTED.lastIndex)))) {
        value = unquote(q[0]);
        j = QUOTED.lastIndex;
      } else {
        const comma = line.indexOf(',', j);
        const end = comma < 0 ? line.length : comma;
        value = line.slice(j, end).trim();
        j = end;
      }
    }
    out.push([key, value]);
    const comma = line.indexOf(',', j);
    i = comma < 0 ? line.length : comma + 1;
  }
  return out;
}

function unquote(q: string): string {
  try {
    const v: unknown = JSON.parse(q);
    return typeof v === 'string' ? v : q;
  } catch {
    return q;
  }
}

/** Parses an A1111-layout text. Never throws; `\r\n` is normalized. */
export function parseA1111Parameters(text: string): A1111Parsed {
  const lines = text.replace(/\r\n?/g, '\n').trim().split('\n');
  let params: Record<string, string> = {};
  let hasParamsLine = false;
  const last = lines[lines.length - 1] ?? '';
  const pairs = parseParamLine(last);
  if (pairs.length >= 3 && lines.length >= 1) {
    hasParamsLine = true;
    lines.pop();
    params = Object.fromEntries(pairs);
  }
  const prompt: string[] = [];
  const negative: string[] = [];
  let inNegative = false;
  for (const line of lines) {
    if (!inNegative && line.trimStart().startsWith('Negative prompt:')) {
      inNegative = true;
      negative.push(line.trimStart().slice('Negative prompt:'.length).trimStart());
    } else (inNegative ? negative : prompt).push(line);
  }
  return {
    prompt: prompt.join('\n').trim(),
    negativePrompt: negative.join('\n').trim(),
    params,
    hasParamsLine,
  };
}

/** Parses `"name: hash, name2: hash2"` (A1111 `Lora hashes`, `TI hashes`) into a map. */
export function parseHashList(v: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (v ?? '').split(',')) {
    const i = part.lastIndexOf(':');
    if (i > 0) out[part.slice(0, i).trim()] = part.slice(i + 1).trim();
  }
  return out;
}

/** Parses `Size: WxH` into px; undefined when malformed. */
export function parseSize(v: string | undefined): { width: number; height: number } | undefined {
  const m = /^\s*(\d+)\s*x\s*(\d+)\s*$/.exec(v ?? '');
  return m ? { width: Number(m[1]), height: Number(m[2]) } : undefined;
}
