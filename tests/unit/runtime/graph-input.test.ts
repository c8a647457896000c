/** Request graphs → runnable graphs (runtime/server/graph-input.ts): overrides, prepare, model refs. */
import { describe, expect, it } from 'vitest';
import { catalog } from '../../../nodes/index';
import { applyOverrides, checkModelRefs, prepareGraph } from '../../../runtime/server/graph-input';
import { UserError } from '../../../runtime/errors';
import { txt2imgChain } from '../../helpers/graph-builder';
import { thrown } from '../../helpers/errors';

describe('applyOverrides', () => {
  const g = txt2imgChain({ text: 'orig' }).finalize();

  it('sets "node.param" keys and { node: {param} } objects on a copy', () => {
    const out = applyOverrides(g, {
      'gen.steps': 9,
      'prompt.text': 'new',
      up: { scale: 4, method: 'lanczos' },
    });
    const byId = Object.fromEntries(out.nodes.map((n) => [n.id, n.params]));
    expect(byId.gen).toMatchObject({ steps: 9, seed: 42 });
    expect(byId.prompt).toEqual({ text: 'new' });
    expect(byId.up).toEqual({ method: 'lanczos', scale: 4 });
    expect(g.nodes.find((n) => n.id === 'gen')!.params.steps).toBe(3); // input untouched
  });

  it('a param name may contain dots after the node id', () => {
    const out = applyOverrides(g, { 'gen.a.b': 1 });
    expect(out.nodes.find((n) => n.id === 'gen')!.params['a.b']).toBe(1);
  });

  it('no overrides returns the graph itself', () => {
    expect(applyOverrides(g, undefined)).toBe(g);
    expect(applyOverrides(g, {})).toBe(g);
  });

  it.each(['ghost.steps', 'gen', 'gen.', '.steps'])(
    '"%s" is a BAD_OVERRIDE naming the key',
    (key) => {
      const e = thrown(() => applyOverrides(g, { [key]: 1 }));
      expect(e).toBeInstanceOf(UserError);
      expect(e.code).toBe('BAD_OVERRIDE');
      expect(e.message).toContain(key);
    },
  );
});

describe('prepareGraph', () => {
  it('validates after applying overrides, listing every problem', () => {
    const g = txt2imgChain().finalize();
    const e = thrown(() => prepareGraph(g, catalog, { 'gen.steps': 0, 'gen.width': 'wide' }));
    expect(e.code).toBe('GRAPH_INVALID');
    expect(e.status).toBe(400);
    expect((e.details!.issues as { field: string }[]).map((i) => i.field).sort()).toEqual([
      'steps',
      'width',
    ]);
    expect(
      prepareGraph(g, catalog, { 'gen.steps': 5 }).nodes.find((n) => n.id === 'gen')!.params.steps,
    ).toBe(5);
  });
});

describe('checkModelRefs', () => {
  it('reports every model param whose file cannot be resolved, and skips empty refs', () => {
    const g = txt2imgChain({ model: 'gone.safetensors' })
      .set('up', { model: 'missing-esrgan.pth', method: 'esrgan' })
      .finalize();
    const asked: string[] = [];
    const e = thrown(() =>
      checkModelRefs(g, catalog, (ref, kind) => {
        asked.push(`${kind}:${ref}`);
        throw new UserError('MODEL_NOT_FOUND', `${ref} not found`);
      }),
    );
    expect(asked.sort()).toEqual(['sd:gone.safetensors', 'upscaler:missing-esrgan.pth']);
    expect(e.code).toBe('GRAPH_INVALID');
    expect(e.details!.issues).toEqual([
      expect.objectContaining({ code: 'MODEL_NOT_FOUND', nodeId: 'gen', field: 'model' }),
      expect.objectContaining({ code: 'MODEL_NOT_FOUND', nodeId: 'up', field: 'model' }),
    ]);
    expect(() => checkModelRefs(g, catalog, () => ({}))).not.toThrow();
  });

  it('lets a non-user error (a bug) through instead of hiding it as a graph problem', () => {
    const g = txt2imgChain().finalize();
    expect(() =>
      checkModelRefs(g, catalog, () => {
        throw new TypeError('boom');
      }),
    ).toThrow(TypeError);
  });

  it('refuses an empty required model (txt2img/img2img sd, LLM nodes) naming the node, unless a preset brings one (issue 18 #11)', () => {
    const g = txt2imgChain().set('gen', { model: '' }).finalize();
    const e = thrown(() => checkModelRefs(g, catalog, () => ({})));
    expect(e.code).toBe('GRAPH_INVALID');
    expect(e.message).toMatch(/gen/);
    expect(e.details!.issues).toEqual([
      expect.objectContaining({ code: 'MODEL_NOT_CONFIGURED', nodeId: 'gen', field: 'model' }),
    ]);
    // Optional model params stay optional: empty VAE, empty upscaler (Lanczos).
    expect(() =>
      checkModelRefs(
        txt2imgChain().set('gen', { vae: '' }).set('up', { model: '' }).finalize(),
        catalog,
        () => ({}),
      ),
    ).not.toThrow();
    // A preset supplies the model.
    expect(() =>
      checkModelRefs(
        txt2imgChain().set('gen', { model: '', preset: 'fast' }).finalize(),
        catalog,
        () => ({}),
      ),
    ).not.toThrow();
  });
});
