import { z } from 'zod';
import { defineNode, p } from '../core/define-node';
import { presetParam } from '../diffusion/sampling';

/** Auto-tagging with the local LLM, constrained to `{tags:[{name, category, confidence}]}`. */
export const tag = defineNode({
  type: 'tag',
  version: 1,
  title: 'Tag',
  category: 'text',
  description:
    'Tags an image or a text with the local language model: names normalized, aliases merged, each tag with a category and a confidence.',
  inputs: { text: { type: 'text', optional: true }, image: { type: 'image', optional: true } },
  outputs: { tags: { type: 'tags' } },
  params: z.object({
    preset: presetParam('llm'),
    model: p.model('llm', { label: 'Model', description: 'GGUF language model or LLM preset' }),
    maxTags: p.int(12, 1, 64, { label: 'Max tags' }),
  }),
  worker: 'llm',
  cache: 'pure',
  estimate: () => ({ weightsBytes: 0, computeBytes: 64 * 1024 * 1024 }),
  requires: { model: { param: 'model', nodeName: 'Tag' } },
});
