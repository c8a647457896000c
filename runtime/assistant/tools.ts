/**
 * The assistant's tools (issue 16 §2): each has zod-typed arguments (validated before it runs; a
 * failure goes back to the model as an error), a JSON Schema for the model (z.toJSONSchema, made
 * grammar-friendly by wire/tools.ts), a kind that decides the safety rail (turn.ts):
 * - `read`: runs freely;
 * - `edit`: returns graph ops → a proposal the user applies or rejects (or applied at once with
 *   the conversation's auto-apply; ops that remove nodes still need `allowDelete`);
 * - `run`: needs the user's confirmation unless the conversation allows runs;
 * - `final`: the `reply` pseudo-tool of `toolChoice: "required"` (the answer text).
 * Results are small and structured (lists capped, long texts cut).
 */
import { z } from 'zod';
import { graphOpSchema, type GraphOp } from '../../nodes/core/graph-ops';
import type { GraphDoc } from '../../nodes/core/graph';
import type { NodeSpec } from '../../nodes/core/define-node';
import type { Store } from '../store';
import type { GalleryFilter } from '../../wire/gallery';
import type { ToolDefinition } from '../../wire/tools';
import { galleryStores } from '../store/gallery-stores';
import { applyTemplate } from '../store/prompt-templates';
import type { SemanticSearch } from '../search/semantic';
import { UserError } from '../errors';

export type ToolKind = 'read' | 'edit' | 'run' | 'final';

/** What a tool may use; built per turn by the assistant. */
export interface ToolContext {
  store: Store;
  catalog: ReadonlyMap<string, NodeSpec>;
  search?: SemanticSearch | undefined;
  /** The conversation's graph (null when the editor sent none). */
  graph: GraphDoc | null;
  /** Queues runs of a graph with overrides; returns the run ids. */
  submit: (graph: GraphDoc, overrides: Record<string, unknown>) => string;
  /** One completion on the assistant's model (enhance_prompt). */
  complete: (system: string, prompt: string, signal: AbortSignal) => Promise<string>;
  signal: AbortSignal;
}

export interface AssistantTool<A = unknown> {
  name: string;
  description: string;
  kind: ToolKind;
  args: z.ZodType<A>;
  /** read/run: the result; edit: the ops to propose; final: the answer text. */
  run: (args: A, ctx: ToolContext) => Promise<unknown>;
}

const cut = (s: string | null | undefined, n = 200) =>
  s == null ? null : s.length > n ? `${s.slice(0, n)}…` : s;

function needGraph(ctx: ToolContext): GraphDoc {
  if (!ctx.graph) throw new UserError('BAD_PARAMS', 'there is no graph in this conversation yet');
  return ctx.graph;
}

/** A seed as the graph stores it: exact decimal text (issue 13). */
const seedArg = z.union([
  z.string().regex(/^\d{1,19}$/, 'a seed is a decimal integer'),
  z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
]);

const define = <A>(t: AssistantTool<A>): AssistantTool => t as unknown as AssistantTool;

/** The tool table, in the order the model sees it. */
export const TOOLS: readonly AssistantTool[] = [
  define({
    name: 'describe_graph',
    description: 'The current graph: nodes (id, type, params) and wires.',
    kind: 'read',
    args: z.object({}),
    run: async (_a, ctx) => describeGraph(needGraph(ctx)),
  }),
  define({
    name: 'edit_graph',
    description:
      'Propose graph edits: ops add_node {type, id?, params?, after?}, remove_node {id}, connect {source, sourceHandle, target, targetHandle}, disconnect {target, targetHandle}, set_param {id, key, value}.',
    kind: 'edit',
    args: z.object({ ops: z.array(graphOpSchema).min(1).max(50) }),
    run: async (a: { ops: GraphOp[] }) => a.ops,
  }),
  define({
    name: 'run_graph',
    description:
      'Queue the graph. overrides: {"nodeId.param": value}; seeds: one run per seed (set on every node with a seed param); count: that many runs.',
    kind: 'run',
    args: z.object({
      overrides: z.record(z.string().min(1).max(200), z.unknown()).optional(),
      seeds: z.array(seedArg).min(1).max(16).optional(),
      count: z.number().int().min(1).max(16).optional(),
    }),
    run: async (
      a: { overrides?: Record<string, unknown>; seeds?: (string | number)[]; count?: number },
      ctx,
    ) => {
      const g = needGraph(ctx);
      const seedNodes = g.nodes.filter((n) => 'seed' in (n.params ?? {})).map((n) => n.id);
      const runs: Record<string, unknown>[] = a.seeds
        ? a.seeds.map((s) => Object.fromEntries(seedNodes.map((id) => [`${id}.seed`, String(s)])))
        : Array.from({ length: a.count ?? 1 }, () => ({}));
      const runIds = runs.map((extra) => ctx.submit(g, { ...a.overrides, ...extra }));
      return { runIds };
    },
  }),
  define({
    name: 'get_run',
    description: 'Status and outputs of a run.',
    kind: 'read',
    args: z.object({ runId: z.uuid() }),
    run: async (a: { runId: string }, ctx) => {
      const run = ctx.store.runs.get(a.runId);
      if (!run) throw new UserError('NOT_FOUND', `no run ${a.runId}`, undefined, 404);
      const nodes = ctx.store.runs.nodes(a.runId);
      return {
        id: run.id,
        status: run.status,
        ...(run.error ? { error: run.error } : {}),
        nodes: nodes.map((n) => ({ id: n.nodeId, status: n.status })),
      };
    },
  }),
  define({
    name: 'search_history',
    description: 'Search past images by prompt text and tags.',
    kind: 'read',
    args: z.object({
      query: z.string().max(500),
      filters: z
        .object({
          tag: z.string().max(200).optional(),
          model: z.string().max(500).optional(),
          favorite: z.boolean().optional(),
        })
        .optional(),
      limit: z.number().int().min(1).max(20).optional(),
    }),
    run: async (
      a: {
        query: string;
        filters?: { tag?: string; model?: string; favorite?: boolean };
        limit?: number;
      },
      ctx,
    ) => {
      const f: GalleryFilter = { ...(a.query.trim() ? { q: a.query } : {}) };
      if (a.filters?.tag) f.tag = a.filters.tag;
      if (a.filters?.model) f.model = a.filters.model;
      if (a.filters?.favorite !== undefined) f.favorite = a.filters.favorite;
      const limit = a.limit ?? 10;
      const page = ctx.search
        ? await ctx.search.search(f, ctx.search.defaultMode(), { limit }, ctx.signal)
        : galleryStores(ctx.store.db).queries.list(f, { limit });
      return {
        items: page.items.map((i) => ({
          generationId: i.uuid,
          prompt: cut(i.prompt),
          seed: i.seed,
          model: i.modelId,
          createdAt: i.createdAt,
        })),
      };
    },
  }),
  define({
    name: 'describe_image',
    description: 'An image of the library: prompt, params, tags, lineage.',
    kind: 'read',
    args: z.object({ generationId: z.uuid() }),
    run: async (a: { generationId: string }, ctx) => {
      const row = ctx.store.generations.byUuid(a.generationId);
      if (!row) throw new UserError('NOT_FOUND', `no generation ${a.generationId}`, undefined, 404);
      const lib = galleryStores(ctx.store.db).library;
      return {
        generationId: row.uuid,
        prompt: cut(row.prompt, 1000),
        negativePrompt: cut(row.negativePrompt, 500),
        seed: row.seed,
        size: row.width && row.height ? `${row.width}x${row.height}` : null,
        steps: row.steps,
        cfgScale: row.cfgScale,
        sampler: row.sampler,
        model: row.modelId,
        createdAt: row.createdAt,
        tags: lib
          .tags(row.id)
          .map((t) => t.name)
          .slice(0, 30),
        ancestors: lib.ancestors(row.id, 5).map((e) => ({ generationId: e.uuid, depth: e.depth })),
      };
    },
  }),
  define({
    name: 'get_styles',
    description: 'The saved styles (prompt templates).',
    kind: 'read',
    args: z.object({}),
    run: async (_a, ctx) => ({
      styles: galleryStores(ctx.store.db)
        .templates.list()
        .slice(0, 50)
        .map((t) => ({ name: t.name, category: t.category, prompt: cut(t.prompt) })),
    }),
  }),
  define({
    name: 'apply_style',
    description: "Apply a saved style to a prompt node's text (a proposed edit).",
    kind: 'edit',
    args: z.object({ style: z.string().min(1).max(200), nodeId: z.string().min(1).max(128) }),
    run: async (a: { style: string; nodeId: string }, ctx) => {
      const g = needGraph(ctx);
      const t = galleryStores(ctx.store.db)
        .templates.list()
        .find((x) => x.name.toLowerCase() === a.style.toLowerCase());
      if (!t) throw new UserError('NOT_FOUND', `no style "${a.style}"`, undefined, 404);
      const node = g.nodes.find((n) => n.id === a.nodeId);
      if (!node) throw new UserError('NOT_FOUND', `no node "${a.nodeId}"`, undefined, 404);
      if (typeof node.params.text !== 'string')
        throw new UserError('BAD_PARAMS', `node "${a.nodeId}" has no prompt text`);
      const { prompt } = applyTemplate(t, node.params.text);
      return [{ op: 'set_param', id: a.nodeId, key: 'text', value: prompt }] satisfies GraphOp[];
    },
  }),
  define({
    name: 'enhance_prompt',
    description: 'Rewrite an image prompt to be more vivid and specific.',
    kind: 'read',
    args: z.object({ text: z.string().min(1).max(2000), style: z.string().max(200).optional() }),
    run: async (a: { text: string; style?: string }, ctx) => {
      const system =
        'Rewrite the image prompt: keep its subject, add concrete visual detail (lighting, composition, medium). Answer with the prompt only.';
      const out = await ctx.complete(
        system,
        a.style ? `${a.text}\nStyle: ${a.style}` : a.text,
        ctx.signal,
      );
      return { prompt: out.trim().slice(0, 2000) };
    },
  }),
];

/** The `reply` pseudo-tool used with `toolChoice: "required"`. */
export const REPLY_TOOL: AssistantTool = define({
  name: 'reply',
  description: 'Answer the user in text (ends your turn).',
  kind: 'final',
  args: z.object({ text: z.string().max(4000) }),
  run: async (a: { text: string }) => a.text,
});

/** A compact summary of a graph the model can read. */
export function describeGraph(g: GraphDoc) {
  return {
    name: g.name,
    nodes: g.nodes.map((n) => ({
      id: n.id,
      type: n.type,
      params: Object.fromEntries(
        Object.entries(n.params ?? {}).map(([k, v]) => [
          k,
          typeof v === 'string' ? cut(v, 120) : v,
        ]),
      ),
    })),
    wires: g.edges.map((e) => `${e.source}.${e.sourceHandle} -> ${e.target}.${e.targetHandle}`),
  };
}

/** OpenAI tool definitions of `tools` for the worker (JSON Schema from the zod arguments). */
export function toolDefinitions(tools: readonly AssistantTool[]): ToolDefinition[] {
  return tools.map((t) => {
    const { $schema: _s, ...parameters } = z.toJSONSchema(t.args, { io: 'input' }) as Record<
      string,
      unknown
    >;
    return {
      type: 'function',
      function: { name: t.name, description: t.description, parameters },
    };
  });
}
