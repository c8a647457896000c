/**
 * The executor toolkit's contract: what every `nodes/**\/*.run.ts` receives. A node reaches the
 * rest of the runtime only through this typed {@link ExecutionContext} — the prepared node's
 * resolved models and preset (runtime/exec/prepare.ts), worker calls, progress, cancellation and
 * a few named ports (artifacts, gallery, tags, registry) — never through an untyped bag.
 */
import type { CallOptions, CallResult } from '../../workers/protocol/client';
import type { ProgressMsg } from '../../workers/protocol/messages';
import type { Provenance } from '../library/provenance';
import type { GenerationRow, NewGeneration } from '../store/generations';
import type { TagItem } from '../engine/values';
import type { AppliedPreset } from './presets';

/** A model file resolved from a node's model reference through the registry. */
export interface ResolvedModel {
  /** Registry id (stable) or the relative file name. */
  id: string;
  /** Absolute path. */
  path: string;
  bytes: number;
  /** Identity for cache keys: `sha256` when known, else `size:mtimeMs`. */
  identity: string;
  /** Registry family (family.ts: `sd1`, `flux`, `clip-l`, `t5`, `qwen3`, …) when known. */
  family?: string | null;
  /** What the file holds (family.ts component: `checkpoint`, `diffusion_model`, `text_encoder`, …). */
  component?: string | null;
}

/** Lineage lookups over recorded artifacts (runtime/library/provenance.ts). */
export interface ArtifactsPort {
  /** How the image artifact `artifactId` was made: its generator node, params and prompts. */
  provenance(artifactId: string): Provenance;
  /**
   * Records `artifactId` ← `parentId` through input `port` (call it from an `onCommit` hook): for
   * an output made from an artifact that did not arrive on an edge (Load image of a gallery image).
   */
  link(artifactId: string, parentId: string, port: string): void;
}

/** The gallery's generation rows (runtime/store/generations.ts). */
export interface GalleryPort {
  byUuid(uuid: string): GenerationRow | undefined;
  /** Inserts a generation; `extra` runs inside the same transaction with its row id. */
  insert(g: NewGeneration, extra?: (generationId: number) => void): number;
  /** The prompt known for an image by file hash or artifact, along lineage (issue 17; GenerationStore.lineagePrompt). */
  lineagePrompt(o: { sha256?: string | null; artifactId?: string | null }): string | undefined;
}

/** Tags and their aliases (runtime/store/tags.ts). */
export interface TagsPort {
  /** The canonical normalized name an alias maps to ("feline" → "cat"), or undefined. */
  resolveAlias(normalizedName: string): string | undefined;
  /** Writes tags for a generation inside the caller's transaction. */
  attach(generationId: number, tags: TagItem[], source: 'user' | 'llm_auto' | 'import'): void;
}

/** The model registry as executors see it. */
export interface RegistryPort {
  /** The model folders (lineage writes paths inside them as `<models>/…`). */
  folders: readonly string[];
  /**
   * Looks a recorded model reference up again (the save node: the current sha256 of the model an
   * upstream generator used). A node's own model params arrive already resolved in `ctx.models`.
   */
  resolve(ref: string, kind: string): ResolvedModel;
}

/** The named ports the runtime wires into every context (runtime/main.ts). */
export interface ExecPorts {
  artifacts: ArtifactsPort;
  gallery: GalleryPort;
  tags: TagsPort;
  registry: RegistryPort;
}

/** What one node execution receives (design.md §4). */
export interface ExecutionContext extends ExecPorts {
  runId: string;
  nodeId: string;
  /** Artifact id of the value on each connected input port (for lineage lookups). */
  inputArtifacts: Record<string, string>;
  /**
   * The node's model files, resolved once when the node was prepared (runtime/exec/models.ts),
   * keyed by role: the param name of each model picker (`model`, `vae`, `taesd`, …) and
   * `lora:<ref>` for each LoRA. An empty reference has no entry.
   */
  models: Readonly<Record<string, ResolvedModel>>;
  /** The preset the node's params were merged with (runtime/exec/presets.ts), or null. */
  preset: AppliedPreset | null;
  /** Fires on cancel; pass it to every worker call and long await. */
  signal: AbortSignal;
  /** Emits a `node.progress` event (rate-limited by the hub for previews). */
  progress(p: Omit<ProgressMsg, 'type'>): void;
  /** Calls a job on a worker (started on demand by the supervisor), with progress forwarded. */
  call(
    worker: 'sd' | 'llm',
    job: string,
    payload: Record<string, unknown>,
    opts?: Omit<CallOptions, 'signal'>,
  ): Promise<CallResult>;
  /** A fresh path in the data directory's temp area (not yet created). */
  tempPath(ext: string): string;
  /** The runtime's data directory layout. */
  paths: { home: string; tmp: string; outputs: string; artifacts: string };
  /** The resolved config.json + env (read-only). */
  config: Readonly<Record<string, unknown>>;
  /** The graph being run, for metadata written into saved images. */
  graph: unknown;
  /** Structured log with run/node ids. */
  log(
    level: 'debug' | 'info' | 'warn' | 'error',
    msg: string,
    extra?: Record<string, unknown>,
  ): void;
  /**
   * Memory mitigations the VRAM arbiter asked for (sd.cpp: VAE tiling, VAE/CLIP on CPU, offload);
   * empty when none. Executors pass them on to their worker.
   */
  mitigations: Record<string, unknown>;
  /**
   * Registers a hook that runs inside the same SQLite transaction that records this node's
   * artifacts, with the artifact id chosen for each output port — so rows that reference the
   * artifact (a generation, its tags) are written all together or not at all.
   */
  onCommit(hook: (artifactIds: Record<string, string>) => void): void;
}
