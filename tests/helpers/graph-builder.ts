/**
 * Builds graph documents in tests the way ComfyUI's tests use `GraphBuilder`
 * (comfy_execution/graph_utils.py): `const p = g.node('prompt', {text})`, then
 * `g.node('txt2img', {...}, {prompt: p.out('text')})`. Ids are stable (`<type>-<n>` or given),
 * so tests can name the nodes they expect to run or be cached.
 */
import type { GraphDoc, GraphNode } from '../../nodes/core/graph';

/** A reference to one output port of a node. */
export interface PortRef {
  nodeId: string;
  port: string;
}

/** A node added to a builder. */
export interface BuiltNode {
  id: string;
  type: string;
  params: Record<string, unknown>;
  out(port: string): PortRef;
}

export class GraphBuilder {
  private readonly nodes: GraphNode[] = [];
  private readonly edges: GraphDoc['edges'] = [];
  private n = 0;

  constructor(private readonly name = 'test graph') {}

  /** Adds a node with params and inputs (input port → upstream output); returns its handle. */
  node(
    type: string,
    params: Record<string, unknown> = {},
    inputs: Record<string, PortRef> = {},
    id?: string,
  ): BuiltNode {
    const nodeId = id ?? `${type}-${++this.n}`;
    const node: GraphNode = {
      id: nodeId,
      type,
      position: { x: this.nodes.length * 300, y: 0 },
      params: { ...params },
    };
    this.nodes.push(node);
    for (const [port, ref] of Object.entries(inputs)) this.connect(ref, nodeId, port);
    return { id: nodeId, type, params: node.params, out: (port) => ({ nodeId, port }) };
  }

  /** Adds an edge from an output port to `target.port`. */
  connect(from: PortRef, target: string, port: string): this {
    this.edges.push({
      id: `e${this.edges.length + 1}`,
      source: from.nodeId,
      sourceHandle: from.port,
      target,
      targetHandle: port,
    });
    return this;
  }

  /** Sets params on an existing node (the next `finalize()` sees them). */
  set(nodeId: string, params: Record<string, unknown>): this {
    const node = this.nodes.find((x) => x.id === nodeId);
    if (!node) throw new Error(`no node ${nodeId}`);
    node.params = { ...node.params, ...params };
    return this;
  }

  /** A fresh copy of the document. */
  finalize(): GraphDoc {
    return structuredClone({
      format: 'mysticanvas.graph',
      version: 1,
      name: this.name,
      nodes: this.nodes,
      edges: this.edges,
    });
  }
}

/**
 * prompt → txt2img → upscale (Lanczos, runtime-side) → save, small and fast on the stand-in.
 * Ids: `prompt`, `gen`, `up`, `save`.
 */
export function txt2imgChain(
  opts: {
    text?: string;
    seed?: number | 'random';
    steps?: number;
    scale?: number;
    model?: string;
  } = {},
): GraphBuilder {
  const g = new GraphBuilder('txt2img chain');
  const prompt = g.node('prompt', { text: opts.text ?? 'a lighthouse at dusk' }, {}, 'prompt');
  const gen = g.node(
    'txt2img',
    {
      model: opts.model ?? 'tiny-sd.safetensors',
      width: 64,
      height: 64,
      steps: opts.steps ?? 3,
      cfgScale: 7,
      seed: opts.seed ?? 42,
    },
    { prompt: prompt.out('text') },
    'gen',
  );
  const up = g.node(
    'upscale',
    { method: 'lanczos', scale: opts.scale ?? 2 },
    { image: gen.out('image') },
    'up',
  );
  g.node('save', { filenamePrefix: 'test' }, { image: up.out('image') }, 'save');
  return g;
}
