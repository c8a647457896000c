/**
 * "How was this image made?": walks an image artifact's lineage back to the node that generated
 * it (a node declared with `role: 'generator'`: txt2img, img2img), and reads that node's resolved params and the prompt texts that fed it.
 * Used by the save node (metadata + generation row) and by the gallery's detail view.
 */
import type { Store } from '../store';
import { isGenerator } from '../../nodes/index';

export interface Provenance {
  /** Type of the generating node, e.g. `txt2img`; null when no generator is in the lineage. */
  generatorType: string | null;
  /** Resolved params of the generating node (random seed made concrete). */
  params: Record<string, unknown>;
  prompt: string | null;
  negativePrompt: string | null;
  /** Generation uuids of saved images among the ancestors (nearest first). */
  ancestorGenerations: string[];
  /** The generating node's connected image inputs (`image`, `mask`, `control`, `reference`, …). */
  imagePorts: string[];
  /** The `info` of the generator's own output (hires, ControlNet, inpainting details, models). */
  generatorInfo: Record<string, unknown>;
}

/** Reads the provenance of `artifactId` (an image artifact). */
export function provenanceOf(store: Store, artifactId: string): Provenance {
  const chain = [
    { id: artifactId, depth: 0 },
    ...store.artifacts.ancestors(artifactId).map((a) => ({ id: a.id, depth: a.depth })),
  ];
  const result: Provenance = {
    generatorType: null,
    params: {},
    prompt: null,
    negativePrompt: null,
    ancestorGenerations: [],
    imagePorts: [],
    generatorInfo: {},
  };
  for (const { id, depth } of chain) {
    const a = store.artifacts.get(id);
    if (!a || a.kind !== 'image') continue;
    if (depth > 0) {
      const g = store.generations.byArtifact(id);
      if (g) result.ancestorGenerations.push(g.uuid);
    }
    if (result.generatorType || !a.runId || !a.nodeId) continue;
    const node = store.runs.node(a.runId, a.nodeId);
    if (!node || !isGenerator(node.type)) continue;
    result.generatorType = node.type;
    result.params = node.params ?? {};
    const info = (a.value as { info?: unknown } | null)?.info;
    if (info && typeof info === 'object') result.generatorInfo = info as Record<string, unknown>;
    for (const p of store.artifacts.parentsOf(id)) {
      const parent = store.artifacts.get(p.parentId);
      if (parent?.kind === 'image') result.imagePorts.push(p.port);
      if (parent?.kind !== 'text') continue;
      if (p.port === 'prompt') result.prompt = String(parent.value?.text ?? '');
      if (p.port === 'negative') result.negativePrompt = String(parent.value?.text ?? '');
    }
  }
  return result;
}
