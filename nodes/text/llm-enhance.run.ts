/**
 * Executor of `llm-enhance`: rewrites the incoming prompt with the local LLM on the llm worker.
 * Prompts come from config.json's `llm.enhance` (defaults in runtime/llm/defaults.ts); tokens
 * stream to the editor as node.progress events carrying the partial text.
 */
import { modelNodeName } from '../core/define-node';
import { implement } from '../../runtime/engine/executor';
import { UserError } from '../../runtime/errors';
import { fillTemplate } from '../../runtime/llm/defaults';
import { llmEnhance } from './llm-enhance';
import {
  concreteSeed,
  forwardLlmProgress,
  llmConfig,
  llmContextSize,
  resolveLlm,
} from '../../runtime/exec/llm';

export default implement(llmEnhance, async (ctx, inputs, params) => {
  // An LLM preset (merged into params: runtime/exec/prepare.ts) supplies the model, the context size and defaults.
  const contextSize = ctx.preset?.kind === 'llm' ? ctx.preset.value.contextSize : undefined;
  const input = inputs.prompt;
  if (!input || input.kind !== 'text')
    throw new UserError('INPUT_MISSING', 'LLM enhance needs a text prompt on its "prompt" input');
  const model = resolveLlm(ctx, params.model, modelNodeName(llmEnhance));
  const cfg = llmConfig(ctx);
  const { output } = await ctx.call(
    'llm',
    'complete',
    {
      modelPath: model.path,
      modelId: model.id,
      contextSize: llmContextSize(ctx, contextSize, cfg),
      system: cfg.enhance.system,
      prompt: fillTemplate(cfg.enhance.template, input.text),
      maxTokens: params.maxTokens,
      temperature: params.temperature,
      seed: concreteSeed(params.seed),
    },
    {
      onProgress: forwardLlmProgress(ctx, { withText: true }),
    },
  );
  const text = String(output.text ?? '').trim();
  return { text: { kind: 'text', text } };
});
