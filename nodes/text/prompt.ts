import { z } from 'zod';
import { defineNode, p } from '../core/define-node';

/** A prompt typed by the user; the start of most graphs. */
export const prompt = defineNode({
  type: 'prompt',
  version: 1,
  title: 'Prompt',
  category: 'input',
  description: 'Text you write: a prompt or a negative prompt for the nodes it feeds.',
  inputs: {},
  outputs: { text: { type: 'text' } },
  params: z.object({
    text: p.text('', { widget: 'textarea', label: 'Text' }),
  }),
  worker: null,
  cache: 'pure',
  ui: { promptTemplates: true },
});
