/**
 * `<lora:NAME:WEIGHT>` tags in prompt text (sdcpp.md §1.5). sd.cpp removes them from the prompt
 * and opens `--lora-model-dir/NAME` (+ extensions) — or NAME as is when it is an absolute path —
 * so a tag in a prompt (typed, imported from an image, written by an LLM) would make the engine
 * open any file (issue 18 #2). The runtime therefore resolves every tag through the model registry
 * like the `loras` param and passes only resolved LoRAs; the argv builder strips whatever tag
 * text is left as a last line of defence.
 *
 * Source of the tag grammar: stable-diffusion.cpp `extract_and_remove_lora`, regex
 * `<lora:([^:]+):([^>]+)>` (name has no colon, weight runs to the next `>`).
 */

/** sd.cpp's own tag grammar (global; reset `lastIndex` or use {@link loraTags}). */
const SDCPP_TAG = /<lora:([^:]+):([^>]+)>/g;
/** Anything that starts like a tag, for stripping (case-insensitive, up to the next `>` or the end). */
const ANY_TAG = /<lora:[^>]*>?/gi;

/** One tag as sd.cpp would read it. */
export interface LoraTag {
  /** The tag text as written. */
  raw: string;
  name: string;
  /** The weight text (parse with Number; sd.cpp uses std::stof). */
  weight: string;
}

/** Every tag in `text` as sd.cpp's regex finds it, in order. */
export function loraTags(text: string): LoraTag[] {
  const out: LoraTag[] = [];
  for (const m of text.matchAll(SDCPP_TAG)) out.push({ raw: m[0], name: m[1]!, weight: m[2]! });
  return out;
}

/**
 * `text` with every `<lora:` tag (well-formed or not) removed, repeated until none is left, so
 * pieces cannot join into a new tag (`<lo<lora:x>ra:/etc/passwd:1>`). Everything else, whitespace
 * included, is kept as written.
 */
export function stripLoraTags(text: string): string {
  let prev: string;
  let cur = text;
  do {
    prev = cur;
    cur = cur.replace(ANY_TAG, '');
  } while (cur !== prev);
  return cur;
}
