import { z } from 'zod';
import { defineNode } from '../core/define-node';

/**
 * Saves an image into the library: a PNG under outputs/ with our workflow metadata and an
 * A1111 `parameters` chunk, plus a generation row with its lineage and tags.
 */
export const save = defineNode({
  type: 'save',
  version: 1,
  title: 'Save image',
  category: 'output',
  description:
    'Saves the image to the gallery as a PNG that carries its workflow, so it can be reloaded and rerun.',
  inputs: { image: { type: 'image' }, tags: { type: 'tags', optional: true } },
  outputs: { image: { type: 'image' } },
  params: z.object({
    filenamePrefix: z
      .string()
      .max(64)
      // A leading dot makes a hidden file the folder import skips and that looks like a temp write.
      .regex(
        /^(?!\.)[A-Za-z0-9._-]*$/,
        'letters, digits, dot, dash and underscore only, not starting with a dot',
      )
      .default('mysti')
      .meta({ widget: 'text', label: 'File name prefix' }),
  }),
  worker: null,
  // Saving writes a new file each time the image changes, never for an unchanged one.
  cache: 'pure',
  role: 'output',
});
