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
import { forwardLlmProgress, llmConfig, llmContextSize, resolveLlm, serviceDb } from '../../runtime/exec/llm';
import { presetFingerprint, presetStoreOf, withLlmPreset } from '../../runtime/exec/presets';

/** Text describing an image from its generation info: its prompt, caption, description and title, one per line. */
function describeImage(info: Record<string, unknown> | undefined): string {
  if (!info) return '';
  const parts: string[] = [];
  for (const k of ['prompt', 'caption', 'description', 'title']) if (typeof info[k] === 'string' && info[k]) parts.push(info[k] as string);
  return parts.join('\n');
}

export default implement(tag, async (ctx, inputs, raw) => {
  // An LLM preset (runtime/exec/presets.ts) supplies the model, the context size and defaults.
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
    contextSize: llmContextSize(ctx, contextSize, cfg),
    system: cfg.tagging.system,
    text: pieces.join('\n\n'),
    maxTags: params.maxTags,
    categories: cfg.taxonomy,
  }, {
    onProgress: forwardLlmProgress(ctx, { withText: false }),
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
