import { z } from 'zod';
import { defineNode, p } from '../core/define-node';
import { presetParam } from '../diffusion/sampling';

/** Rewrites a prompt with the local LLM; the system prompt and template come from config.json. */
export const llmEnhance = defineNode({
  type: 'llm-enhance',
  version: 1,
  title: 'LLM enhance',
  category: 'text',
  description:
    'Rewrites a short prompt into a richer one with the local language model (llama.cpp). Same seed and settings give the same text.',
  inputs: { prompt: { type: 'text' } },
  outputs: { text: { type: 'text' } },
  params: z.object({
    preset: presetParam('llm'),
    model: p.model('llm', { label: 'Model', description: 'GGUF language model or LLM preset' }),
    maxTokens: p.int(200, 1, 4096, { label: 'Max tokens' }),
    temperature: p.float(0.7, 0, 2, 0.05, { label: 'Temperature' }),
    seed: p.seed({ label: 'Seed' }),
  }),
  worker: 'llm',
  cache: 'pure',
  // KV cache grows with tokens; weights come from the GGUF file size at the runtime.
  estimate: (params) => ({
    weightsBytes: 0,
    computeBytes: 64 * 1024 * 1024 + params.maxTokens * 4096,
    model: params.model,
  }),
  requires: { model: { param: 'model', nodeName: 'LLM enhance' } },
});
