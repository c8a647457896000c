/**
 * Batches through the graph (issue 13 §5): a port that carries N images (image 0 is the value,
 * images 1 … N−1 its `batch`) makes every downstream node run once per image — upscale, img2img,
 * tag, save each see image k and write their own artifact (and a save its own generation row),
 * all recorded under the same node run. Inputs with one image are shared by every execution.
 */
import { UserError } from '../errors';
import type { ExecutorImage, ExecutorOutput, ImageValue, PortValue } from './values';

type Inputs = Record<string, PortValue | undefined>;
type Parents = { port: string; parentId: string }[];

const countOf = (v: PortValue | undefined) =>
  v?.kind === 'image' ? 1 + (v.batch?.length ?? 0) : 1;

/**
 * How many times a node runs for these inputs: the batch size of its image inputs (1 without).
 * @throws UserError BATCH_MISMATCH when two inputs carry batches of different sizes
 */
export function batchSize(inputs: Inputs, nodeId: string): number {
  let n = 1;
  for (const [port, v] of Object.entries(inputs)) {
    const c = countOf(v);
    if (c === 1) continue;
    if (n !== 1 && c !== n)
      throw new UserError(
        'BATCH_MISMATCH',
        `node ${nodeId}: input "${port}" carries ${c} images but another input carries ${n}; connect batches of the same size`,
      );
    n = c;
  }
  return n;
}

/** Image `k` of an image value (0 = the value itself), without its batch list. */
function imageAt(v: ImageValue, k: number): { value: ImageValue; artifactId?: string } {
  if (k === 0 || !v.batch?.length) {
    const { batch: _b, ...first } = v;
    return { value: first };
  }
  const { artifactId, ...b } = v.batch[k - 1]!;
  return { value: b, artifactId };
}

/** The inputs, input artifact ids and lineage parents of execution `k`. */
export function executionAt(
  inputs: Inputs,
  parents: Parents,
  k: number,
): { inputs: Inputs; inputArtifacts: Record<string, string>; parents: Parents } {
  const out: Inputs = {};
  const ids: Record<string, string> = Object.fromEntries(parents.map((p) => [p.port, p.parentId]));
  for (const [port, v] of Object.entries(inputs)) {
    if (v?.kind === 'image' && countOf(v) > 1) {
      const at = imageAt(v, k);
      out[port] = at.value;
      if (at.artifactId) ids[port] = at.artifactId;
    } else {
      out[port] = v?.kind === 'image' ? imageAt(v, 0).value : v;
    }
  }
  return {
    inputs: out,
    inputArtifacts: ids,
    parents: parents.map((p) => ({ port: p.port, parentId: ids[p.port] ?? p.parentId })),
  };
}

/**
 * Joins the results of N executions into one result: per image port, image 0 of execution 0 is
 * the value and every further image (of every execution, in order; an execution's own batch
 * flattened) goes into the batch. Non-image ports keep execution 0's value.
 * Returns the result, the further images by port, and for each further image its execution's
 * lineage parents, plus each execution's commit hooks keyed to its first image.
 */
export function joinExecutions(
  results: Record<string, ExecutorOutput>[],
  parentsOf: Parents[],
  hooksOf: ((ids: Record<string, string>) => void)[][],
): {
  result: Record<string, ExecutorOutput>;
  images: Record<string, ExecutorImage[]>;
  parents: Parents[];
  hooks: ((ids: Record<string, string>) => void)[][];
} {
  const result: Record<string, ExecutorOutput> = {};
  const images: Record<string, ExecutorImage[]> = {};
  const flat = (v: ExecutorOutput): ExecutorImage[] => {
    if (v.kind !== 'image') return [];
    const { batch, ...first } = v as ExecutorOutput & { batch?: ExecutorImage[] };
    const rest = ((batch ?? []) as (ExecutorImage & { artifactId?: string })[]).map(
      ({ artifactId: _a, ...x }) => x as ExecutorImage,
    );
    return [first as ExecutorImage, ...rest];
  };
  // Lineage/hook slot j (image j+1) ↔ the execution that produced it, from the first image port.
  const owner: number[] = [];
  const firstSlot: number[] = [];
  results.forEach((r, k) => {
    for (const [port, v] of Object.entries(r)) {
      if (v.kind !== 'image') {
        if (k === 0) result[port] = v;
        continue;
      }
      const all = flat(v);
      if (k === 0) {
        result[port] = all[0]!;
        images[port] = all.slice(1);
      } else images[port]!.push(...all);
    }
    const port = Object.keys(r).find((p) => r[p]!.kind === 'image');
    const count = port ? flat(r[port]!).length : 0;
    firstSlot[k] = owner.length;
    for (let i = k === 0 ? 1 : 0; i < count; i++) owner.push(k);
  });
  const parents = owner.map((k) => parentsOf[k]!);
  // hooks[j] run with the ids of image j+1; execution k's hooks go on its first image.
  const hooks: ((ids: Record<string, string>) => void)[][] = owner.map(() => []);
  for (let k = 1; k < results.length; k++) {
    const j = firstSlot[k]!;
    if (hooks[j]) hooks[j]!.push(...hooksOf[k]!);
  }
  return { result, images, parents, hooks };
}
