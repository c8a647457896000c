/**
 * Pre-run checks (editor/src/queue/preflight.ts) over the real catalog, and their sentences
 * compared with the runtime code that produces them (so neither side can change its wording alone).
 */
import { describe, expect, it } from 'vitest';
import { specs, specToJson, type NodeSpecJson } from '../../../nodes/index';
import {
  ENGINE_MESSAGE,
  modelMessage,
  preflight,
  refusalText,
  SOURCE_MESSAGE,
} from '../../../editor/src/queue/preflight';
import { genPayload } from '../../../runtime/exec/sd-payload';
import { resolveBinary } from '../../../workers/sd/engine';
import { resolveLlm } from '../../../runtime/exec/llm';
import { resolveSource } from '../../../nodes/image/load-image.run';
import type { ExecContext } from '../../../runtime/engine/executor';
import type { Store } from '../../../runtime/store';
import { thrown } from '../../helpers/errors';

const catalog: ReadonlyMap<string, NodeSpecJson> = new Map(
  specs.map((s) => [s.type, specToJson(s)]),
);
const node = (id: string, type: string, params: Record<string, unknown> = {}) => ({
  id,
  type,
  position: { x: 0, y: 0 },
  params,
});

/** The message a runtime function throws. */
const message = (fn: () => unknown) => thrown<Error>(fn).message;
// The executors fail before touching the context when the model is empty.
const noCtx = {} as ExecContext;

describe('preflight', () => {
  it("flags an empty required model with the runtime's own sentence, per node kind", () => {
    const issues = preflight(
      {
        nodes: [
          node('g', 'txt2img'),
          node('i', 'img2img'),
          node('l', 'llm-enhance'),
          node('t', 'tag'),
          node('p', 'prompt'),
        ],
      },
      catalog,
      { sdCppConfigured: true },
    );
    expect(issues.map((i) => [i.nodeId, i.code, i.field])).toEqual([
      ['g', 'MODEL_NOT_CONFIGURED', 'model'],
      ['i', 'MODEL_NOT_CONFIGURED', 'model'],
      ['l', 'MODEL_NOT_CONFIGURED', 'model'],
      ['t', 'MODEL_NOT_CONFIGURED', 'model'],
    ]);
    expect(issues[0]!.message).toBe(
      message(() => genPayload(noCtx, 'txt2img', 'a', '', { model: '' } as never)),
    );
    expect(issues[1]!.message).toBe(
      message(() => genPayload(noCtx, 'img2img', 'a', '', { model: '' } as never)),
    );
    expect(issues[2]!.message).toBe(message(() => resolveLlm(noCtx, '', 'LLM enhance')));
    expect(issues[3]!.message).toBe(message(() => resolveLlm(noCtx, '   ', 'Tag')));
    expect(issues[0]!.message).toMatch(/^Choose a model/);
  });

  it('a chosen model or a preset satisfies it; optional models (VAE, upscaler) never do', () => {
    const issues = preflight(
      {
        nodes: [
          node('g', 'txt2img', { model: 'checkpoints/x.safetensors' }),
          node('h', 'txt2img', { preset: 'My SDXL' }),
          node('u', 'upscale'),
          node('l', 'llm-enhance', { model: 'llm/a.gguf' }),
        ],
      },
      catalog,
      { sdCppConfigured: true },
    );
    expect(issues).toEqual([]);
  });

  it('flags the nodes that start sd.cpp when the runtime says SD_CPP_BIN is not set', () => {
    const doc = {
      nodes: [
        node('g', 'txt2img', { model: 'm.safetensors' }),
        node('u1', 'upscale', { model: 'esrgan.pth', method: 'esrgan' }),
        node('u2', 'upscale', { method: 'esrgan' }), // no model: Lanczos in the runtime
        node('u3', 'upscale', { model: 'esrgan.pth', method: 'lanczos' }),
        node('l', 'llm-enhance', { model: 'a.gguf' }),
      ],
    };
    const off = preflight(doc, catalog, { sdCppConfigured: false });
    expect(off.map((i) => [i.nodeId, i.code])).toEqual([
      ['g', 'ENGINE_NOT_CONFIGURED'],
      ['u1', 'ENGINE_NOT_CONFIGURED'],
    ]);
    expect(off[0]!.message).toBe(message(() => resolveBinary({})));
    expect(off[0]!.message).toContain('Set SD_CPP_BIN to');
    expect(ENGINE_MESSAGE).toBe(off[0]!.message);
    // Unknown (health not answered yet) is not "off".
    expect(preflight(doc, catalog, {})).toEqual([]);
  });

  it('flags a Load image without a source, as the executor would', () => {
    const issues = preflight(
      { nodes: [node('a', 'load-image'), node('b', 'load-image', { source: 'inputs/x.png' })] },
      catalog,
      {},
    );
    expect(issues).toEqual([
      { code: 'BAD_PARAMS', nodeId: 'a', field: 'source', message: SOURCE_MESSAGE },
    ]);
    expect(SOURCE_MESSAGE).toBe(message(() => resolveSource('', '/nonexistent', {} as Store)));
  });

  it('skips unknown types (validateGraph reports those) and explains a refusal by title', () => {
    const issues = preflight(
      { nodes: [node('x', 'comfyui:Foo'), node('g', 'txt2img'), node('l', 'tag')] },
      catalog,
      {},
    );
    expect(issues).toHaveLength(2);
    const titles: Record<string, string> = { g: 'Hero shot', l: 'Tag' };
    expect(refusalText(issues, (id) => titles[id]!)).toBe(
      `Cannot run yet: 2 nodes need attention. Hero shot: ${modelMessage('txt2img', 'sd')}`,
    );
    expect(refusalText(issues.slice(1), (id) => titles[id]!)).toBe(
      `Cannot run yet. Tag: ${modelMessage('tag', 'llm')}`,
    );
  });
});

describe('guide pairs before Run (issue 14)', () => {
  const edge = (source: string, target: string, targetHandle: string) => ({
    id: `${source}-${target}.${targetHandle}`,
    source,
    sourceHandle: 'image',
    target,
    targetHandle,
  });
  const nodes = [
    node('pose', 'load-image', { source: 'inputs/pose.png' }),
    node('g', 'txt2img', { model: 'sd15.gguf' }),
  ];

  it('a control image without a ControlNet model → GUIDE_INCOMPLETE on the node, in the submit check words', () => {
    const issues = preflight({ nodes, edges: [edge('pose', 'g', 'control')] }, catalog, {});
    expect(issues).toEqual([
      {
        code: 'GUIDE_INCOMPLETE',
        nodeId: 'g',
        field: 'controlNet',
        message: 'its ControlNet image is connected but no ControlNet model is chosen',
      },
    ]);
  });

  it('the model without its image too; both halves set is fine', () => {
    const withModel = [
      nodes[0]!,
      node('g', 'txt2img', { model: 'sd15.gguf', controlNet: 'cn.pth' }),
    ];
    expect(preflight({ nodes: withModel, edges: [] }, catalog, {})[0]).toMatchObject({
      code: 'GUIDE_INCOMPLETE',
      message: expect.stringMatching(/no image is connected to its "control" input/),
    });
    expect(
      preflight({ nodes: withModel, edges: [edge('pose', 'g', 'control')] }, catalog, {}),
    ).toEqual([]);
  });
});
