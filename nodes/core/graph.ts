/**
 * The graph document (design.md §3): the one zod schema behind graphs/*.json, the HTTP API and
 * the PNG `mysticanvas` chunk. `graphs/graph.schema.json` is generated from it
 * (`npm run schema`; tests/unit/nodes/graph-schema.test.ts fails when it is stale).
 * Node and edge shapes are @xyflow/react's so the editor needs no translation layer.
 */
import { z } from 'zod';

/**
 * The format version this code writes; older versions are migrated, newer refused.
 * - 1: the first format; seed params were JSON numbers (32-bit).
 * - 2 (issue 20): adds the optional per-node `app` block; a v1 document is a valid v2 one.
 * - 3 (issue 13): seed params are exact decimal integer strings 0 … 2^63−1
 *   (`"89848141647836"`) or `"random"`; a JSON number is still accepted and normalised on load
 *   (nodes/core/validate.ts, nodes/core/seed.ts), so v1/v2 documents load unchanged otherwise.
 * - 4 (issue 15): adds the optional per-node `mode` (`"bypass"` | `"mute"`, absent = runs). A
 *   v1–v3 document has no modes (every node runs), so it migrates by its version alone.
 */
export const GRAPH_FORMAT_VERSION = 4;

/**
 * How a node takes part in a run (issue 15; ComfyUI's node modes 4 and 2): `bypass` passes the
 * node's input of each output's port type straight through; `mute` does not run it, nor anything
 * that needs its outputs (nodes/core/modes.ts). Absent = the node runs.
 */
export const nodeModeSchema = z.enum(['bypass', 'mute']).meta({
  description:
    'bypass: the node is skipped and its input of the same port type is passed to each output; mute: the node and everything that needs it do not run. Absent: the node runs.',
});
export type NodeMode = z.infer<typeof nodeModeSchema>;

const appLabel = z.string().trim().min(1).max(80);

/** App mode (issue 20): which of a node's params are fields of the graph's form, and whether it is an app output. */
export const nodeAppSchema = z
  .object({
    /** Params shown as form fields; `param` is a key of the node's params. */
    inputs: z
      .array(
        z.object({
          param: z.string().min(1).max(128),
          /** The field's name in the form and in `POST /api/runs` `inputs`; default: derived from the param (nodes/core/app.ts). */
          label: appLabel.optional(),
          /** Sort key in the form (ascending); unordered fields follow in graph order. */
          order: z.number().optional(),
          /** Fields with the same group render together under that heading. */
          group: appLabel.optional(),
        }),
      )
      .max(64)
      .optional(),
    /** Set on an output node (save/preview) whose images the form shows. */
    output: z.object({ label: appLabel.optional(), order: z.number().optional() }).optional(),
  })
  .meta({
    description: 'App mode: params exposed as form fields and whether this node is an app output.',
  });

const id = z.string().min(1).max(128);

export const graphNodeSchema = z
  .object({
    id,
    type: z.string().min(1).max(128),
    /** Declaration version of the node type the params were written for; absent = 1. */
    version: z.number().int().min(1).optional(),
    position: z.object({ x: z.number(), y: z.number() }).default({ x: 0, y: 0 }),
    params: z.record(z.string(), z.unknown()).default({}).meta({
      description:
        'The node\'s params. Seeds (format version 2) are decimal integer strings 0 … 9223372036854775807 (2^63−1) or "random"; JSON numbers lose precision above 2^53, so a number is accepted only up to 2^53−1 and normalised to a string on load.',
    }),
    /**
     * Free-form data the runtime does not interpret: editor notes, group membership, and for a
     * placeholder (a type this build does not know) the original imported node.
     */
    data: z.record(z.string(), z.unknown()).optional(),
    width: z.number().optional(),
    height: z.number().optional(),
    app: nodeAppSchema.optional(),
    mode: nodeModeSchema.optional(),
  })
  .meta({ description: 'A node: an instance of a node type with its params.' });

export const graphEdgeSchema = z
  .object({
    id,
    source: id,
    sourceHandle: z.string().min(1).max(128),
    target: id,
    targetHandle: z.string().min(1).max(128),
  })
  .meta({
    description: 'A wire from an output port (sourceHandle) to an input port (targetHandle).',
  });

export const graphSchema = z
  .object({
    format: z.literal('mysticanvas.graph'),
    version: z.number().int().min(1),
    id: z.string().max(128).optional(),
    name: z.string().max(256).default('Untitled'),
    nodes: z.array(graphNodeSchema).max(10_000),
    edges: z.array(graphEdgeSchema).max(50_000).default([]),
    /** Editor viewport and notes; kept, not interpreted. */
    meta: z.record(z.string(), z.unknown()).optional(),
  })
  .meta({ title: 'MystiCanvas graph', description: 'A workflow graph (design.md §3).' });

export type GraphNode = z.infer<typeof graphNodeSchema>;
export type GraphEdge = z.infer<typeof graphEdgeSchema>;
export type GraphDoc = z.infer<typeof graphSchema>;
export type NodeApp = z.infer<typeof nodeAppSchema>;

/** A blank graph document. */
export function emptyGraph(name = 'Untitled'): GraphDoc {
  return { format: 'mysticanvas.graph', version: GRAPH_FORMAT_VERSION, name, nodes: [], edges: [] };
}
