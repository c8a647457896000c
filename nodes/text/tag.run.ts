/**
 * Executor of `tag`: asks the llm worker for grammar-constrained tags
 * (`{tags:[{name, category, confidence}]}`) about the connected text and/or the image's
 * generation metadata, then normalizes names and maps aliases through `tag_aliases`
 * ("feline" → "cat"). Storing them (source `llm_auto`) is the save node's job, inside the
 * generation's transaction (runtime/store/tags.ts `attachTags`).
 */
import { implement } from '../../runtime/engine/executor';
import { UserError } from '../../runtime/errors';
import { normalizeTags, type RawTag } from '../../runtime/llm/tags';
import { resolveAlias } from '../../runtime/store/tags';
import { tag } from './tag';
import { llmConfig, resolveLlm, serviceDb } from '../../runtime/llm/exec';
import { presetFingerprint, presetStoreOf, withLlmPreset } from '../../runtime/arbiter/presets';

/** Text describing an image from its generation info (prompt and the main settings). */
function describeImage(info: Record<string, unknown> | undefined): string {
  if (!info) return '';
  const parts: string[] = [];
  for (const k of ['prompt', 'caption', 'description', 'title']) if (typeof info[k] === 'string' && info[k]) parts.push(info[k] as string);
  return parts.join('\n');
}

export default implement(tag, async (ctx, inputs, raw) => {
  // An LLM preset (runtime/arbiter/presets.ts) supplies the model, the context size and defaults.
  const { params, contextSize } = withLlmPreset(tag, raw, presetStoreOf(ctx.services));
  const pieces: string[] = [];
  if (inputs.text?.kind === 'text' && inputs.text.text.trim()) pieces.push(inputs.text.text.trim());
  if (inputs.image?.kind === 'image') {
    const d = describeImage(inputs.image.info);
    if (d) pieces.push(d);
  }
  if (pieces.length === 0) {
    throw new UserError('INPUT_MISSING', 'Tag needs something to describe: connect a text, or an image that carries its prompt in its metadata');
  }
  const model = resolveLlm(ctx, params.model, 'Tag');
  const cfg = llmConfig(ctx);
  const { output } = await ctx.call('llm', 'tag', {
    modelPath: model.path,
    modelId: model.id,
    // The arbiter's out-of-memory retry asks for a smaller context (runtime/arbiter/oom.ts).
    contextSize: typeof ctx.mitigations.contextSize === 'number' ? ctx.mitigations.contextSize : (contextSize ?? cfg.contextSize),
    system: cfg.tagging.system,
    text: pieces.join('\n\n'),
    maxTags: params.maxTags,
    categories: cfg.taxonomy,
  }, {
    onProgress: (p) => ctx.progress({ phase: 'generating', ...(p.step !== undefined ? { step: p.step } : {}), ...(p.steps !== undefined ? { steps: p.steps } : {}) }),
  });
  const db = serviceDb(ctx);
  if (!db) ctx.log('warn', 'no database service: tag aliases not applied');
  const tags = normalizeTags((output.tags ?? []) as RawTag[], {
    categories: cfg.taxonomy,
    maxTags: params.maxTags,
    ...(db ? { alias: (n: string) => resolveAlias(db, n)?.normalizedName } : {}),
  });
  return { tags: { kind: 'tags', tags } };
}, (ctx, params) => presetFingerprint(ctx.services, 'llm', params.preset) ?? '');
