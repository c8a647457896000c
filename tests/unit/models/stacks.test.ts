/**
 * Model stacks (issue 13 §1–2): the registry tells each file's role and family from header-only
 * files written here (tensor names and shapes of each encoder), the txt2img payload carries every
 * file of a stack (SD1/SDXL checkpoints; Flux = diffusion model + CLIP-L + T5 + VAE; SD3.5 + CLIP-G;
 * Z-Image / Qwen-Image + LLM encoder), family-aware params, and a missing encoder is a clear
 * STACK_INCOMPLETE problem before the run. Real files, real SQLite, the real registry.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb, type Db } from '../../../runtime/store/db';
import { ModelRegistry } from '../../../runtime/models/registry';
import type { ExecContext } from '../../../runtime/engine/executor';
import { FAMILY_FILES, safetensorsBytes, type CraftTensor } from './craft';
import { encoderRole, stackProblems } from '../../../nodes/diffusion/families';
import { genPayload } from '../../../runtime/exec/sd-payload';
import { resolveNodeModels } from '../../../runtime/exec/models';
import { genPayloadSchema } from '../../../workers/sd/payload';
import { buildGenArgv, stackModelFlags } from '../../../workers/sd/argv';
import { txt2img } from '../../../nodes/diffusion/txt2img';
import { catalog } from '../../../nodes/index';
import { checkModelRefs } from '../../../runtime/server/graph-input';
import { thrown } from '../../helpers/errors';
import { importWorkflow } from '../../../runtime/importers';
import { validateGraph } from '../../../nodes/index';

/** Encoders and diffusion models as their real files name them (shapes cut to the measured dims). */
const FILES: Record<string, CraftTensor[]> = {
  'checkpoints/sd15.safetensors': FAMILY_FILES.sd1!.tensors,
  'checkpoints/sdxl.safetensors': FAMILY_FILES.sdxl!.tensors,
  'diffusion_models/flux1-dev.safetensors': FAMILY_FILES.flux!.tensors,
  'diffusion_models/sd3.5_large.safetensors': [
    { name: 'joint_blocks.0.x_block.attn.qkv.weight', shape: [12, 4] },
    { name: 'x_embedder.proj.weight', shape: [4, 16, 2, 2] },
  ],
  'diffusion_models/z_image_turbo.safetensors': [
    { name: 'cap_embedder.0.weight', shape: [4, 2560] },
    { name: 'layers.0.attention.qkv.weight', shape: [12, 4] },
  ],
  'diffusion_models/qwen_image.safetensors': [
    { name: 'transformer_blocks.0.img_mod.1.weight', shape: [8, 4] },
    { name: 'img_in.weight', shape: [4, 64] },
  ],
  'text_encoders/clip_l.safetensors': FAMILY_FILES.clip_l!.tensors,
  'text_encoders/clip_g.safetensors': [
    { name: 'text_model.embeddings.token_embedding.weight', shape: [4, 1280] },
    { name: 'text_model.encoder.layers.0.mlp.fc1.weight', shape: [8, 1280] },
    { name: 'text_projection.weight', shape: [1280, 1280] },
  ],
  'text_encoders/t5xxl_fp16.safetensors': FAMILY_FILES.t5!.tensors,
  'text_encoders/qwen_3_4b.safetensors': [
    { name: 'model.embed_tokens.weight', shape: [4, 2560] },
    { name: 'model.layers.0.self_attn.q_proj.weight', shape: [8, 2560] },
    { name: 'model.norm.weight', shape: [2560] },
  ],
  'text_encoders/qwen_2.5_vl_7b.safetensors': [
    { name: 'model.embed_tokens.weight', shape: [4, 3584] },
    { name: 'model.layers.0.self_attn.q_proj.weight', shape: [8, 3584] },
    { name: 'visual.blocks.0.attn.qkv.weight', shape: [12, 4] },
  ],
  'vae/ae.safetensors': FAMILY_FILES.vae!.tensors,
};

let root: string;
let db: Db;
let reg: ModelRegistry;
beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'stacks-'));
  for (const [rel, t] of Object.entries(FILES)) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), safetensorsBytes(t));
  }
  db = openDb(':memory:');
  reg = new ModelRegistry(db, [root]);
  await reg.scan();
});
afterAll(() => {
  db.close();
  fs.rmSync(root, { recursive: true, force: true });
});

const abs = (rel: string) => path.join(root, rel);
/** A context as node preparation makes it: every model of `p` resolved through the real registry. */
function ctx(p: Record<string, unknown> = {}): ExecContext {
  return {
    models: resolveNodeModels(txt2img, p, (ref, kind) => reg.resolve(ref, kind as never)),
    paths: { home: root, tmp: path.join(root, 'tmp'), outputs: root, artifacts: root },
    mitigations: {},
  } as unknown as ExecContext;
}
const params = (o: Record<string, unknown>) => txt2img.params.parse(o) as never;
const argv = (o: Record<string, unknown>) => {
  const ps = params(o);
  const payload = genPayloadSchema.parse(genPayload(ctx(ps), 'txt2img', 'a cat', '', ps));
  return buildGenArgv(payload, { outPath: '/tmp/o.png', threads: 2, backendFlag: true });
};
const after = (a: string[], flag: string) =>
  a.includes(flag) ? a[a.indexOf(flag) + 1] : undefined;

describe('registry roles and families from headers', () => {
  it('knows each encoder, VAE and diffusion model', () => {
    const rows = Object.fromEntries(
      reg
        .list()
        .map((m) => [m.id, [m.kind, m.family, m.metadata?.component, encoderRole(m.family)]]),
    );
    expect(rows).toMatchObject({
      'text_encoders/clip_l.safetensors': ['text_encoder', 'clip-l', 'text_encoder', 'clip_l'],
      'text_encoders/clip_g.safetensors': ['text_encoder', 'clip-g', 'text_encoder', 'clip_g'],
      'text_encoders/t5xxl_fp16.safetensors': ['text_encoder', 't5', 'text_encoder', 't5xxl'],
      'text_encoders/qwen_3_4b.safetensors': ['text_encoder', 'qwen3', 'text_encoder', 'llm'],
      'text_encoders/qwen_2.5_vl_7b.safetensors': [
        'text_encoder',
        'qwen2vl',
        'text_encoder',
        'llm',
      ],
      'vae/ae.safetensors': ['vae', null, 'vae', null],
      'diffusion_models/flux1-dev.safetensors': ['sd', 'flux', 'diffusion_model', null],
      'diffusion_models/sd3.5_large.safetensors': ['sd', 'sd3', 'diffusion_model', null],
      'diffusion_models/z_image_turbo.safetensors': ['sd', 'z-image', 'diffusion_model', null],
      'diffusion_models/qwen_image.safetensors': ['sd', 'qwen-image', 'diffusion_model', null],
      'checkpoints/sd15.safetensors': ['sd', 'sd1', 'checkpoint', null],
    });
    expect(reg.resolve('diffusion_models/flux1-dev.safetensors', 'sd')).toMatchObject({
      family: 'flux',
      component: 'diffusion_model',
    });
  });
});

describe('argv carries every file of the stack', () => {
  it('SD1 and SDXL checkpoints: -m only, no encoders, no --guidance', () => {
    for (const m of ['checkpoints/sd15.safetensors', 'checkpoints/sdxl.safetensors']) {
      const a = argv({ model: m, seed: '5' });
      expect(after(a, '-m')).toBe(abs(m));
      expect(a).not.toContain('--diffusion-model');
      expect(a.filter((x) => /^--(clip_l|clip_g|t5xxl|llm|guidance|flow-shift)$/.test(x))).toEqual(
        [],
      );
      expect(after(a, '--cfg-scale')).toBe('7');
    }
  });
  it('Flux: --diffusion-model + --clip_l + --t5xxl + --vae, --guidance, CFG 1 when left at default', () => {
    const a = argv({
      model: 'diffusion_models/flux1-dev.safetensors',
      clipL: 'text_encoders/clip_l.safetensors',
      t5xxl: 'text_encoders/t5xxl_fp16.safetensors',
      vae: 'vae/ae.safetensors',
      guidance: 3,
      flowShift: 2,
    });
    expect(a.slice(0, 8)).toEqual([
      '--diffusion-model',
      abs('diffusion_models/flux1-dev.safetensors'),
      '--clip_l',
      abs('text_encoders/clip_l.safetensors'),
      '--t5xxl',
      abs('text_encoders/t5xxl_fp16.safetensors'),
      '--vae',
      abs('vae/ae.safetensors'),
    ]);
    expect(a).not.toContain('-m');
    expect([after(a, '--guidance'), after(a, '--cfg-scale'), after(a, '--flow-shift')]).toEqual([
      '3',
      '1',
      '2',
    ]);
  });
  it('SD3.5: + --clip_g, flow shift, no --guidance (not distilled), the CFG as given', () => {
    const a = argv({
      model: 'diffusion_models/sd3.5_large.safetensors',
      clipL: 'text_encoders/clip_l.safetensors',
      clipG: 'text_encoders/clip_g.safetensors',
      t5xxl: 'text_encoders/t5xxl_fp16.safetensors',
      vae: 'vae/ae.safetensors',
      cfgScale: 4.5,
      flowShift: 3,
    });
    expect([
      after(a, '--diffusion-model'),
      after(a, '--clip_l'),
      after(a, '--clip_g'),
      after(a, '--t5xxl'),
      after(a, '--vae'),
    ]).toEqual(
      [
        'diffusion_models/sd3.5_large.safetensors',
        'text_encoders/clip_l.safetensors',
        'text_encoders/clip_g.safetensors',
        'text_encoders/t5xxl_fp16.safetensors',
        'vae/ae.safetensors',
      ].map(abs),
    );
    expect(a).not.toContain('--guidance');
    expect([after(a, '--cfg-scale'), after(a, '--flow-shift')]).toEqual(['4.5', '3']);
  });
  it('Z-Image and Qwen-Image: + --llm', () => {
    const z = argv({
      model: 'diffusion_models/z_image_turbo.safetensors',
      llm: 'text_encoders/qwen_3_4b.safetensors',
      vae: 'vae/ae.safetensors',
    });
    expect([
      after(z, '--diffusion-model'),
      after(z, '--llm'),
      after(z, '--vae'),
      after(z, '--cfg-scale'),
    ]).toEqual([
      abs('diffusion_models/z_image_turbo.safetensors'),
      abs('text_encoders/qwen_3_4b.safetensors'),
      abs('vae/ae.safetensors'),
      '1',
    ]);
    const q = argv({
      model: 'diffusion_models/qwen_image.safetensors',
      llm: 'text_encoders/qwen_2.5_vl_7b.safetensors',
      vae: 'vae/ae.safetensors',
      cfgScale: 2.5,
    });
    expect([after(q, '--llm'), after(q, '--cfg-scale')]).toEqual([
      abs('text_encoders/qwen_2.5_vl_7b.safetensors'),
      '2.5',
    ]);
  });
  it('stackModelFlags is the one mapping (for the resident sd-server too)', () => {
    expect(
      stackModelFlags({
        modelPath: '/m/f.gguf',
        modelRole: 'diffusion_model',
        clipLPath: '/c',
        t5xxlPath: '/t',
        llmPath: '/l',
        clipGPath: '/g',
        vaePath: '/v',
        taesdPath: '/ta',
      }),
    ).toEqual([
      '--diffusion-model',
      '/m/f.gguf',
      '--clip_l',
      '/c',
      '--clip_g',
      '/g',
      '--t5xxl',
      '/t',
      '--llm',
      '/l',
      '--vae',
      '/v',
      '--taesd',
      '/ta',
    ]);
  });
});

describe('a missing encoder is a clear problem before the run', () => {
  it('Flux without encoders: names the roles', () => {
    expect(
      stackProblems({ family: 'flux', component: 'diffusion_model' }, { vae: true })[0]!.message,
    ).toMatch(/^Flux needs a T5-XXL text encoder and a CLIP-L/);
    const ps = params({
      model: 'diffusion_models/flux1-dev.safetensors',
      clipL: 'text_encoders/clip_l.safetensors',
    });
    const e = thrown(() => genPayload(ctx(ps), 'txt2img', 'x', '', ps));
    expect(e).toMatchObject({ code: 'STACK_INCOMPLETE' });
    expect((e as Error).message).toMatch(/Flux needs a T5-XXL text encoder.*needs a VAE/);
  });
  it('checkModelRefs (POST /api/runs, mysti run) reports STACK_INCOMPLETE on the node and field', () => {
    const graph = {
      format: 'mysticanvas.graph' as const,
      version: 2,
      name: 'x',
      edges: [],
      nodes: [
        {
          id: 'gen',
          type: 'txt2img',
          position: { x: 0, y: 0 },
          params: {
            model: 'diffusion_models/z_image_turbo.safetensors',
            vae: 'vae/ae.safetensors',
          },
        },
      ],
    };
    const e = thrown(() =>
      checkModelRefs(graph, catalog, (ref, kind) => reg.resolve(ref, kind as never)),
    );
    expect(e).toMatchObject({ code: 'GRAPH_INVALID' });
    expect((e as unknown as { details: { issues: unknown[] } }).details.issues).toEqual([
      {
        code: 'STACK_INCOMPLETE',
        nodeId: 'gen',
        field: 'llm',
        message: expect.stringMatching(/Z-Image needs a LLM .* text encoder/),
      },
    ]);
  });
});

describe('ComfyUI split-loader Flux workflow (ComfyUI_examples flux_dev layout) → a runnable stack graph', () => {
  it('UNETLoader + DualCLIPLoader + VAELoader + SamplerCustomAdvanced: seed, steps, guidance, sampler, size carried; validates with the files present', () => {
    const text = fs.readFileSync(
      path.join(__dirname, '../importers/fixtures/comfyui_flux_dev_split_loaders.api.json'),
      'utf8',
    );
    const r = importWorkflow({ bytes: new TextEncoder().encode(text) });
    const gen = r.graph.nodes.find((n) => n.type === 'txt2img')!;
    expect(gen.params).toMatchObject({
      model: 'flux1-dev.safetensors',
      t5xxl: 't5xxl_fp16.safetensors',
      clipL: 'clip_l.safetensors',
      vae: 'ae.safetensors',
      seed: '664154487549730',
      steps: 20,
      guidance: 3.5,
      cfgScale: 1,
      sampler: 'euler',
      scheduler: 'simple',
      width: 1024,
      height: 1024,
    });
    expect(r.graph.nodes.map((n) => n.type).sort()).toEqual(['prompt', 'save', 'txt2img']);
    expect(validateGraph(r.graph, catalog)).toEqual([]);
    expect(() =>
      checkModelRefs(r.graph, catalog, (ref, kind) => reg.resolve(ref, kind as never)),
    ).not.toThrow();
    expect(r.warnings.filter((w) => /seed|text encoder|placeholder/i.test(w))).toEqual([]);
    // And it builds the full Flux argv.
    const a = argv(gen.params);
    expect([
      after(a, '--diffusion-model'),
      after(a, '--t5xxl'),
      after(a, '--clip_l'),
      after(a, '--vae'),
      after(a, '--guidance'),
      after(a, '-s'),
    ]).toEqual([
      abs('diffusion_models/flux1-dev.safetensors'),
      abs('text_encoders/t5xxl_fp16.safetensors'),
      abs('text_encoders/clip_l.safetensors'),
      abs('vae/ae.safetensors'),
      '3.5',
      '664154487549730',
    ]);
  });
});

describe('A1111/Forge and SwarmUI metadata naming Flux files → stacks', () => {
  it('Forge infotext: Module 1..3 → vae, clipL, t5xxl; Distilled CFG Scale → guidance', () => {
    const text =
      'a fox in the snow\nSteps: 20, Sampler: Euler, Schedule type: Simple, CFG scale: 1, Distilled CFG Scale: 3.5, Seed: 89848141647836, Size: 896x1152, Model: flux1-dev, Module 1: ae, Module 2: clip_l, Module 3: t5xxl_fp16, Version: f2.0.1v1.10.1';
    const r = importWorkflow({ bytes: new TextEncoder().encode(text), contentType: 'text/plain' });
    expect(r.graph.nodes.find((n) => n.type === 'txt2img')!.params).toMatchObject({
      vae: 'ae.safetensors',
      clipL: 'clip_l.safetensors',
      t5xxl: 't5xxl_fp16.safetensors',
      guidance: 3.5,
      seed: '89848141647836',
      width: 896,
    });
    expect(r.warnings.join('\n')).not.toMatch(/Module|Distilled/);
  });
  it('SwarmUI: t5xxlmodel / cliplmodel / fluxguidancescale', () => {
    const json = {
      sui_image_params: {
        prompt: 'a fox',
        model: 'flux1-dev.safetensors',
        seed: 5,
        steps: 20,
        cfgscale: 1,
        width: 1024,
        height: 1024,
        t5xxlmodel: 't5xxl_fp16.safetensors',
        cliplmodel: 'clip_l.safetensors',
        fluxguidancescale: 3.5,
        vae: 'ae.safetensors',
      },
    };
    const r = importWorkflow({ bytes: new TextEncoder().encode(JSON.stringify(json)) });
    const g = r.graph.nodes.find((n) => n.type === 'txt2img')!;
    expect(g.params).toMatchObject({
      t5xxl: 't5xxl_fp16.safetensors',
      clipL: 'clip_l.safetensors',
      guidance: 3.5,
      seed: '5',
    });
    expect(() =>
      checkModelRefs(r.graph, catalog, (ref, kind) => reg.resolve(ref, kind as never)),
    ).not.toThrow();
  });
});
