/**
 * Runs one executor the way the engine does (runtime/engine/run-graph.ts): the node is prepared
 * first (preset merged, models resolved: runtime/exec/prepare.ts), then executed with a context
 * carrying the prepared models and preset. Seeds are kept as given, so a test can pass `random`.
 */
import { GenerationStore } from '../../runtime/store/generations';
import type { Database } from 'better-sqlite3';
import type { ExecPorts, ExecutionContext } from '../../runtime/exec/context';
import { attachTags, resolveAlias } from '../../runtime/store/tags';
import type { NodeSpec } from '../../nodes/core/define-node';
import type { ExecutorOutput, PortValue } from '../../runtime/engine/values';
import { prepareParsed } from '../../runtime/exec/prepare';
import type { PresetLookup } from '../../runtime/exec/presets';

/** A context minus what preparation fills in, plus the registry lookup preparation uses. */
export type TestContext = Omit<ExecutionContext, 'models' | 'preset'> & {
  resolveModel(ref: string, kind: string): ExecutionContext['models'][string];
};

export async function runExecutor(
  impl: {
    spec: NodeSpec;
    execute: (
      ctx: ExecutionContext,
      inputs: Record<string, PortValue | undefined>,
      params: never,
    ) => Promise<Record<string, ExecutorOutput>>;
  },
  ctx: TestContext,
  inputs: Record<string, PortValue | undefined>,
  params: unknown,
  presets?: PresetLookup,
): Promise<Record<string, ExecutorOutput>> {
  const { resolveModel, ...rest } = ctx;
  const node = prepareParsed(impl.spec, params as Record<string, unknown>, {
    resolveModel,
    ...(presets ? { presets } : {}),
  });
  return impl.execute(
    { ...rest, models: node.models, preset: node.preset },
    inputs,
    node.params as never,
  );
}

/**
 * Ports for an executor test: tag aliases and tag writes on a real database when `db` is given;
 * the other ports refuse, so a test that needs one has to say so.
 */
export function ports(o: { db?: Database; folders?: readonly string[] } = {}): ExecPorts {
  const none = (what: string) => () => {
    throw new Error(`this test gave the executor no ${what}`);
  };
  return {
    artifacts: { provenance: none('artifact store'), link: none('artifact store') },
    // Lineage prompts (the Tag node, issue 17) read the real database when given; without one nothing is known.
    gallery: {
      byUuid: none('gallery'),
      insert: none('gallery'),
      lineagePrompt: (q) => (o.db ? new GenerationStore(o.db).lineagePrompt(q) : undefined),
    },
    tags: {
      resolveAlias: (name) => (o.db ? resolveAlias(o.db, name)?.normalizedName : undefined),
      attach: (generationId, tags, source) =>
        o.db ? attachTags(o.db, generationId, tags, source) : none('database')(),
    },
    registry: { folders: o.folders ?? [], resolve: none('model registry') },
  };
}
