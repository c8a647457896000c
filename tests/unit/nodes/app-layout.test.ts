/**
 * nodes/core/app.ts (issue 20): the App form's fields from a graph's exposures (order, unique
 * names, groups), the Text to image default, input names → node-param overrides, and the
 * BigInt-exact seed increment of "Run ×N".
 */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  appInputsToOverrides,
  appJsonSchema,
  appLayout,
  catalog,
  loadGraph,
  nthSeed,
  specToJson,
  type GraphDoc,
} from '../../../nodes/index';

const lookup = (t: string) => {
  const s = catalog.get(t);
  return s ? specToJson(s) : undefined;
};
const template = (): GraphDoc => {
  const r = loadGraph(JSON.parse(fs.readFileSync('graphs/txt2img.graph.json', 'utf8')), catalog);
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  return r.graph;
};

describe('appLayout', () => {
  it('the txt2img template ships its app layout: ordered fields, groups, its output', () => {
    const l = appLayout(template(), lookup);
    expect(l.exposed).toBe(true);
    expect(l.fields.map((f) => [f.name, f.group ?? null])).toEqual([
      ['Prompt', null],
      ['Negative prompt', null],
      ['Seed', null],
      ['Width (px)', 'Size'],
      ['Height (px)', 'Size'],
      ['Steps', 'Advanced'],
      ['CFG scale', 'Advanced'],
    ]);
    expect(l.fields[2]).toMatchObject({ nodeId: 'gen', param: 'seed', value: '42' });
    expect(l.outputs).toEqual([{ nodeId: 'save', name: 'Save image' }]);
  });

  it('names stay unique: a clash takes the node title, then a counter', () => {
    const g = template();
    for (const n of g.nodes) if (n.type === 'prompt') n.app = { inputs: [{ param: 'text' }] };
    g.nodes.find((n) => n.id === 'negative')!.data = { title: 'Prompt' };
    const names = appLayout(g, lookup).fields.map((f) => f.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names.slice(-2)).toEqual(['Prompt', 'Prompt 2']); // unordered exposures follow the ordered ones
  });

  it('with nothing exposed offers the first txt2img node’s usual fields, prompts through their wires', () => {
    const g = template();
    for (const n of g.nodes) delete n.app;
    const l = appLayout(g, lookup);
    expect(l.exposed).toBe(false);
    expect(l.fields.map((f) => `${f.name}=${f.nodeId}.${f.param}`)).toEqual([
      'Prompt=prompt.text',
      'Negative prompt=negative.text',
      'Model=gen.model',
      'Width (px)=gen.width',
      'Height (px)=gen.height',
      'Steps=gen.steps',
      'CFG scale=gen.cfgScale',
      'Seed=gen.seed',
    ]);
    expect(l.outputs.map((o) => o.nodeId)).toEqual(['save']);
  });

  it('exposures of params the spec does not declare are skipped', () => {
    const g = template();
    g.nodes.find((n) => n.id === 'gen')!.app = {
      inputs: [{ param: 'nonsense' }, { param: 'steps' }],
    };
    expect(appLayout(g, lookup).fields.map((f) => f.param)).toEqual(['text', 'text', 'steps']);
  });

  it('JSON Schema and overrides use the same names', () => {
    const g = template();
    const l = appLayout(g, lookup);
    const schema = appJsonSchema(g, l) as { properties: Record<string, { default?: unknown }> };
    expect(Object.keys(schema.properties)).toEqual(l.fields.map((f) => f.name));
    expect(schema.properties['Steps']!.default).toBe(20);
    expect(appInputsToOverrides(l, { Prompt: 'x', Seed: 5, Nope: 1 })).toEqual({
      overrides: { 'prompt.text': 'x', 'gen.seed': 5 },
      unknown: ['Nope'],
    });
  });
});

describe('nthSeed', () => {
  it('counts fixed seeds up exactly and leaves "random" alone', () => {
    expect([0, 1, 3].map((i) => nthSeed(42, i))).toEqual([42, 43, 45]);
    expect(nthSeed('random', 3)).toBe('random');
    expect(nthSeed('18446744073709551610', 5)).toBe('18446744073709551615');
    expect(nthSeed(Number.MAX_SAFE_INTEGER, 1)).toBe('9007199254740992');
  });
});
