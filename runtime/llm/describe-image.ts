/**
 * What is known about an image, as text for the tagger (issue 17 §5; vision models come later):
 * 1. prompt-like fields of the image value's own `info` (prompt, caption, description, title);
 * 2. the prompt sd.cpp was given (`-p`/`--prompt` in the recorded argv, workers/sd/lineage.ts);
 * 3. the library: a generation with the same file hash (our saves, and imports, which keep the
 *    prompt from their metadata) or the nearest ancestor along lineage with a prompt;
 * 4. the file's own PNG metadata (A1111 `parameters`, or a `prompt`/`Description` text chunk).
 * Returns '' when none of these says anything.
 */
import { readPngTextFile, parseA1111Parameters } from '../png';
import type { GenerationStore } from '../store/generations';

export interface DescribableImage {
  path: string;
  sha256: string;
  info?: Record<string, unknown>;
}

function argvPrompt(argv: unknown): string | undefined {
  if (!Array.isArray(argv)) return undefined;
  const k = argv.findIndex((a) => a === '-p' || a === '--prompt');
  const v = k >= 0 ? argv[k + 1] : undefined;
  return typeof v === 'string' && v.trim() ? v : undefined;
}

function pngPrompt(file: string): string | undefined {
  try {
    const { chunks } = readPngTextFile(file);
    const params = chunks.find((c) => c.keyword === 'parameters')?.text;
    if (params) {
      const p = parseA1111Parameters(params).prompt.trim();
      if (p) return p;
    }
    for (const key of ['prompt', 'Description', 'Title', 'Comment']) {
      const t = chunks.find((c) => c.keyword === key)?.text?.trim();
      // ComfyUI's `prompt` chunk is a JSON graph, not a description.
      if (t && !t.startsWith('{')) return t;
    }
  } catch {
    /* not a PNG, unreadable: nothing known from the file */
  }
  return undefined;
}

/**
 * @param generations the library (absent in contexts without a store: steps 1, 2 and 4 still apply)
 * @returns the description, or '' when nothing is known
 */
export function describeImage(
  image: DescribableImage,
  generations?: Pick<GenerationStore, 'lineagePrompt'>,
): string {
  const info = image.info ?? {};
  const parts: string[] = [];
  for (const k of ['prompt', 'caption', 'description', 'title'])
    if (typeof info[k] === 'string' && (info[k] as string).trim())
      parts.push((info[k] as string).trim());
  if (parts.length) return parts.join('\n');
  const fromArgv = argvPrompt(info.argv);
  if (fromArgv) return fromArgv;
  const fromLibrary = generations?.lineagePrompt({
    sha256: image.sha256,
    artifactId: typeof info.artifactId === 'string' ? info.artifactId : null,
  });
  if (fromLibrary?.trim()) return fromLibrary.trim();
  return pngPrompt(image.path) ?? '';
}
