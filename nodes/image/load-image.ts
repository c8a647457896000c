import { z } from 'zod';
import { defineNode } from '../core/define-node';

/** Loads an image from the library (generation uuid) or a path inside the data directory. */
export const loadImage = defineNode({
  type: 'load-image',
  version: 1,
  title: 'Load image',
  category: 'input',
  description:
    'Loads an image from your gallery (by generation id) or from a file inside the data folder.',
  inputs: {},
  outputs: { image: { type: 'image' } },
  params: z.object({
    source: z
      .string()
      .max(4096)
      .default('')
      .meta({ widget: 'text', label: 'Generation id or path' }),
  }),
  worker: null,
  // The file may change on disk: the runtime fingerprints it (size + mtime + sha256).
  cache: { fingerprint: ['source'] },
  requires: { imageSource: 'source' },
  // `source` is declared as text; the editor offers the gallery picker, with the text as fallback.
  ui: { widgets: { source: 'image-source' } },
});
