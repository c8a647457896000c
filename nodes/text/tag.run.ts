/**
 * Executor of `tag`: asks the llm worker for grammar-constrained tags
 * (`{tags:[{name, category, confidence}]}`) about the connected text and/or the image's
 * known prompt (runtime/llm/describe-image.ts: its info, its argv, the library and lineage, its PNG
 * metadata), then normalizes names and maps aliases through `tag_aliases`
 * ("feline" → "cat"). Storing them (source `llm_auto`) is the save node's job, inside the
 * generation's transaction (runtime/store/tags.ts `attachTags`).
 */
import { modelNodeName } from '../core/define-node';
import { implement } from '../../runtime/engine/executor';
import { UserError } from '../../runtime/errors';
import { normalizeTags, type RawTag } from '../../runtime/llm/tags';
import { tag } from './tag';
import { describeImage } from '../../runtime/llm/describe-image';
import { forwardLlmProgress, llmConfig, llmContextSize, resolveLlm } from '../../runtime/exec/llm';

export default implement(tag, async (ctx, inputs, params) => {
  // An LLM preset (merged into params: runtime/exec/prepare.ts) supplies the model, the context size and defaults.
  const contextSize = ctx.preset?.kind === 'llm' ? ctx.preset.value.contextSize : undefined;
  const pieces: string[] = [];
  if (inputs.text?.kind === 'text' && inputs.text.text.trim()) pieces.push(inputs.text.text.trim());
  if (inputs.image?.kind === 'image') {
    const d = describeImage(inputs.image, ctx.gallery);
    if (d) pieces.push(d);
  }
  if (pieces.length === 0) {
    throw new UserError(
      'INPUT_MISSING',
      inputs.image?.kind === 'image'
        ? 'Tag knows nothing about this image: it has no prompt in its lineage, in the library or in its PNG metadata (describing pixels needs a vision model, not supported yet); connect a text instead'
        : 'Tag needs something to describe: connect a text, or an image',
    );
  }
  const model = resolveLlm(ctx, params.model, modelNodeName(tag));
  const cfg = llmConfig(ctx);
  const { output } = await ctx.call(
    'llm',
    'tag',
    {
      modelPath: model.path,
      modelId: model.id,
      contextSize: llmContextSize(ctx, contextSize, cfg),
      system: cfg.tagging.system,
      text: pieces.join('\n\n'),
      maxTags: params.maxTags,
      categories: cfg.taxonomy,
    },
    {
      onProgress: forwardLlmProgress(ctx, { withText: false }),
    },
  );
  const tags = normalizeTags((output.tags ?? []) as RawTag[], {
    categories: cfg.taxonomy,
    maxTags: params.maxTags,
    alias: (n: string) => ctx.tags.resolveAlias(n),
  });
  return { tags: { kind: 'tags', tags } };
});
