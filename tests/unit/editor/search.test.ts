/** Palette / quick-add search ranking and the compatible-type filter of a dropped wire (panels/search.ts). */
import { describe, expect, it } from 'vitest';
import { specs, specToJson } from '../../../nodes/index';
import { compatibleSpecs, searchSpecs } from '../../../editor/src/panels/search';

const all = specs.map(specToJson);
const types = (l: { type: string }[]) => l.map((s) => s.type);

describe('searchSpecs', () => {
  it('ranks a title prefix first and needs every term to match', () => {
    expect(types(searchSpecs(all, 'text to'))[0]).toBe('txt2img');
    expect(types(searchSpecs(all, 'image'))[0]).toBe('img2img');
    expect(searchSpecs(all, 'image zebra')).toEqual([]);
    expect(types(searchSpecs(all, ''))).toEqual(types(all));
  });
});

describe('compatibleSpecs', () => {
  it('offers node types that take an image (from an output) or give text (into an input)', () => {
    expect(types(compatibleSpecs(all, 'image', 'source')).sort()).toEqual([
      'img2img',
      'save',
      'tag',
      // Its optional guide inputs (issue 14): "use this image as the control image".
      'txt2img',
      'upscale',
    ]);
    expect(types(compatibleSpecs(all, 'text', 'target')).sort()).toEqual(['llm-enhance', 'prompt']);
    expect(types(compatibleSpecs(all, 'tags', 'source'))).toEqual(['save']);
  });
});
