/**
 * Building an imported GraphDoc: unique ids, params checked against the node's own schema (out of
 * range values are replaced by the default with a warning, so mapped nodes validate), placeholders
 * that keep the original node, and a left-to-right layout for sources without positions.
 */
import { catalog } from '../../nodes/index';
import {
  GRAPH_FORMAT_VERSION,
  type GraphDoc,
  type GraphEdge,
  type GraphNode,
} from '../../nodes/core/graph';
import { loadGraph } from '../../nodes/core/validate';
import { topoSort } from '../../nodes/core/topo';
import { UserError } from '../errors';
import { mapForeignSeed } from '../../nodes/core/seed';

/** What every importer returns. */
export interface ImportResult {
  graph: GraphDoc;
  /** Human sentences: what was approximated, placed as a placeholder or left out, and why. */
  warnings: string[];
}

export type Position = { x: number; y: number };

/**
 * Accumulates one imported graph: nodes with unique ids and schema-checked params, deduplicated
 * edges, and warnings (each sentence once). `finish` lays it out and validates it.
 */
export class GraphBuilder {
  readonly nodes: GraphNode[] = [];
  readonly edges: GraphEdge[] = [];
  readonly warnings: string[] = [];
  private ids = new Set<string>();
  private edgeKeys = new Set<string>();

  constructor(private name: string) {}

  /** Records a warning sentence once; undefined / empty is ignored (so callers can pass optional notes). */
  warn(msg: string | undefined): void {
    if (msg && !this.warnings.includes(msg)) this.warnings.push(msg);
  }

  private uniqueId(want: string): string {
    let id = want.slice(0, 120) || 'n';
    for (let i = 2; this.ids.has(id); i++) id = `${want.slice(0, 110)}_${i}`;
    this.ids.add(id);
    return id;
  }

  /**
   * Adds a node of a core type. Params are checked against the type's schema: invalid fields are
   * dropped (with a warning) and defaults filled in. Returns the node id actually used.
   */
  add(
    type: string,
    wantId: string,
    params: Record<string, unknown>,
    position?: Position,
    data?: Record<string, unknown>,
  ): string {
    const spec = catalog.get(type);
    if (!spec) throw new Error(`importer bug: unknown core type ${type}`);
    const id = this.uniqueId(wantId);
    const clean: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(params))
      if (v !== undefined && k in spec.params.shape) clean[k] = v;
    let parsed = spec.params.safeParse(clean);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const field = String(issue.path[0] ?? '');
        if (field in clean) {
          this.warn(
            `${type} ${id}: ${field} = ${JSON.stringify(clean[field])} is outside what MystiCanvas accepts (${issue.message}); using the default`,
          );
          delete clean[field];
        }
      }
      parsed = spec.params.safeParse(clean);
    }
    const node: GraphNode = {
      id,
      type,
      position: position ?? { x: Number.NaN, y: Number.NaN },
      params: parsed.success ? (parsed.data as Record<string, unknown>) : clean,
      ...(data ? { data } : {}),
    };
    this.nodes.push(node);
    return id;
  }

  /**
   * Adds a placeholder for a node that has no MystiCanvas equivalent: it keeps the original
   * object in `data.original` and is named in a warning. It will not run (validateGraph reports
   * UNKNOWN_NODE_TYPE), but nothing of the source is lost.
   */
  placeholder(
    source: 'comfyui' | 'invokeai',
    sourceType: string,
    wantId: string,
    params: Record<string, unknown>,
    original: unknown,
    position?: Position,
    reason?: string,
  ): string {
    const id = this.uniqueId(wantId);
    this.nodes.push({
      id,
      type: `${source}:${sourceType}`,
      position: position ?? { x: Number.NaN, y: Number.NaN },
      params,
      data: { placeholder: true, source, original },
    });
    this.warn(
      `${source === 'comfyui' ? 'ComfyUI' : 'InvokeAI'} node ${wantId} (${sourceType}) has no MystiCanvas equivalent; kept as a placeholder${reason ? ` (${reason})` : ''}`,
    );
    return id;
  }

  /** Whether a node with this id was added. */
  has(id: string): boolean {
    return this.ids.has(id);
  }

  /** Adds an edge once (same endpoints twice is a no-op). */
  connect(source: string, sourceHandle: string, target: string, targetHandle: string): void {
    const key = `${source}\0${sourceHandle}\0${target}\0${targetHandle}`;
    if (this.edgeKeys.has(key)) return;
    this.edgeKeys.add(key);
    this.edges.push({
      id: `e${this.edges.length + 1}`,
      source,
      sourceHandle,
      target,
      targetHandle,
    });
  }

  /**
   * Lays out nodes without a source position (left to right by depth, 320 px columns, 200 px
   * rows), then checks the document with loadGraph.
   * @throws UserError WORKFLOW_INVALID when the result does not load (an importer bug or absurd input)
   */
  finish(meta?: Record<string, unknown>): ImportResult {
    const unplaced = this.nodes.filter(
      (n) => !Number.isFinite(n.position.x) || !Number.isFinite(n.position.y),
    );
    if (unplaced.length) {
      const depth = new Map<string, number>();
      const { order } = topoSort(
        this.nodes.map((n) => n.id),
        this.edges,
      );
      for (const id of order) {
        const d = Math.max(
          0,
          ...this.edges.filter((e) => e.target === id).map((e) => (depth.get(e.source) ?? 0) + 1),
        );
        depth.set(id, d);
      }
      const placed = this.nodes.filter((n) => !unplaced.includes(n));
      const x0 = placed.length ? Math.max(...placed.map((n) => n.position.x)) + 400 : 0;
      const rows = new Map<number, number>();
      for (const n of unplaced) {
        const d = depth.get(n.id) ?? 0;
        const row = rows.get(d) ?? 0;
        rows.set(d, row + 1);
        n.position = { x: x0 + d * 320, y: row * 200 };
      }
    }
    const doc: GraphDoc = {
      format: 'mysticanvas.graph',
      version: GRAPH_FORMAT_VERSION,
      name: this.name.slice(0, 256) || 'Imported',
      nodes: this.nodes,
      edges: this.edges,
      ...(meta && Object.keys(meta).length ? { meta } : {}),
    };
    const loaded = loadGraph(doc, catalog);
    if (!loaded.ok) {
      throw new UserError(
        'WORKFLOW_INVALID',
        `The imported workflow is not a valid graph: ${loaded.issues
          .map((i) => i.message)
          .slice(0, 3)
          .join('; ')}`,
        { issues: loaded.issues.slice(0, 20) },
      );
    }
    return { graph: loaded.graph, warnings: this.warnings };
  }
}

/** Coerces a number-like value (numbers, numeric strings); undefined otherwise. */
export function num(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return undefined;
}

/** A finite number or numeric string rounded to an integer; anything else undefined. */
export function int(v: unknown): number | undefined {
  const n = num(v);
  return n === undefined ? undefined : Math.round(n);
}

/** `v` when it is a string, else undefined. */
export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/**
 * Maps a source seed onto ours, exactly (nodes/core/seed.ts `mapForeignSeed`): 0 … 2^63−1 kept as
 * decimal text; negative (A1111's -1) = random; above 2^63−1 (ComfyUI allows 2^64−1) → seed mod 2^63
 * with a warning. Big JSON numbers must reach here as strings ({@link parseJsonLossless}).
 */
export function seedOf(v: unknown, warn: (m: string) => void): string | 'random' | undefined {
  return mapForeignSeed(v, warn);
}

/** Model file name without folders (ComfyUI names may contain `subdir/`); empty → undefined. */
export function modelName(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() ? v.trim() : undefined;
}

/**
 * Pulls `<lora:name:weight>` tags out of a prompt (A1111 / sd.cpp syntax, sdcpp.md §1.5) into
 * the txt2img `loras` param; the remaining text is the prompt.
 */
export function extractLoraTags(prompt: string): {
  text: string;
  loras: Array<{ name: string; weight: number }>;
} {
  const loras: Array<{ name: string; weight: number }> = [];
  const text = prompt.replace(
    /<lora:([^:>]+)(?::([-\d.]+))?[^>]*>/g,
    (_m, name: string, w?: string) => {
      const weight = w !== undefined && Number.isFinite(Number(w)) ? Number(w) : 1;
      loras.push({ name: name.trim(), weight });
      return '';
    },
  );
  return {
    text: loras.length
      ? text
          .replace(/[ \t]{2,}/g, ' ')
          .replace(/\s*,(\s*,)+/g, ',')
          .trim()
      : prompt,
    loras,
  };
}
