/**
 * Generations: the gallery's rows, one per saved image (design.md §7). Insert writes the
 * generation, its files and whatever the caller adds (tags, lineage) in ONE transaction.
 */
import type { Db } from './db';
import type { GenerationParams } from '../../wire/gallery';

export interface NewGeneration extends Partial<Omit<GenerationParams, 'seed'>> {
  /** Exact seed 0 … 2^63−1 as decimal text (a safe-integer number is accepted); stored as INTEGER. */
  seed?: string | number | null;
  uuid: string;
  artifactId: string | null;
  /** Relative to the data directory for our outputs; absolute for imported files. */
  filePath: string;
  sha256: string | null;
  createdAt: number;
  modelId?: string | null;
  modelName?: string | null;
  params?: Record<string, unknown> | null;
  workflow?: unknown;
  source?: string;
  runId?: string | null;
  nodeId?: string | null;
  files?: { role: string; path: string; bytes?: number | null }[];
}

export interface GenerationRow extends GenerationParams {
  id: number;
  uuid: string;
  artifactId: string | null;
  filePath: string;
  sha256: string | null;
  createdAt: number;
  modelId: string | null;
  modelName: string | null;
  params: Record<string, unknown> | null;
  source: string;
  isFavorite: boolean;
  deletedAt: number | null;
  missing: boolean;
  runId: string | null;
  nodeId: string | null;
}

interface Raw {
  id: number;
  uuid: string;
  artifact_id: string | null;
  file_path: string;
  sha256: string | null;
  created_at: number;
  prompt: string | null;
  negative_prompt: string | null;
  seed: number | null;
  seed_text: string | null;
  width: number | null;
  height: number | null;
  steps: number | null;
  cfg_scale: number | null;
  sampler: string | null;
  scheduler: string | null;
  model_id: string | null;
  model_name: string | null;
  params_json: string | null;
  source: string;
  is_favorite: number;
  deleted_at: number | null;
  missing: number;
  run_id: string | null;
  node_id: string | null;
}

/** Maps a raw `generations` row (SELECT *) to the API shape. */
export const toGeneration = (r: Raw): GenerationRow => ({
  id: r.id,
  uuid: r.uuid,
  artifactId: r.artifact_id,
  filePath: r.file_path,
  sha256: r.sha256,
  createdAt: r.created_at,
  prompt: r.prompt,
  negativePrompt: r.negative_prompt,
  seed: r.seed_text ?? (r.seed === null || r.seed === undefined ? null : String(r.seed)),
  width: r.width,
  height: r.height,
  steps: r.steps,
  cfgScale: r.cfg_scale,
  sampler: r.sampler,
  scheduler: r.scheduler,
  modelId: r.model_id,
  modelName: r.model_name,
  params: r.params_json ? JSON.parse(r.params_json) : null,
  source: r.source,
  isFavorite: r.is_favorite === 1,
  deletedAt: r.deleted_at,
  missing: r.missing === 1,
  runId: r.run_id,
  nodeId: r.node_id,
});

export class GenerationStore {
  private readonly s;
  constructor(private readonly db: Db) {
    this.s = {
      insert:
        db.prepare(`INSERT INTO generations (uuid, artifact_id, file_path, sha256, created_at, prompt, negative_prompt, seed, width, height,
          steps, cfg_scale, sampler, scheduler, model_id, model_name, params_json, workflow_json, source, run_id, node_id)
        VALUES (@uuid, @artifactId, @filePath, @sha256, @createdAt, @prompt, @negativePrompt, @seed, @width, @height, @steps, @cfgScale,
          @sampler, @scheduler, @modelId, @modelName, @params, @workflow, @source, @runId, @nodeId)`),
      file: db.prepare(
        'INSERT OR REPLACE INTO generation_files (generation_id, role, path, bytes) VALUES (?, ?, ?, ?)',
      ),
      byUuid: db.prepare<[string], Raw>(
        'SELECT *, CAST(seed AS TEXT) AS seed_text FROM generations WHERE uuid = ?',
      ),
      byArtifact: db.prepare<[string], Raw>(
        'SELECT *, CAST(seed AS TEXT) AS seed_text FROM generations WHERE artifact_id = ?',
      ),
      byRun: db.prepare<[string], Raw>(
        'SELECT *, CAST(seed AS TEXT) AS seed_text FROM generations WHERE run_id = ? ORDER BY id',
      ),
      files: db.prepare<[number], { role: string; path: string; bytes: number | null }>(
        'SELECT role, path, bytes FROM generation_files WHERE generation_id = ?',
      ),
      // The nearest prompt along lineage: the image itself (by file hash or artifact), then its
      // ancestors breadth-first (artifact_parents), for the Tag node and the auto-tag job (issue 17).
      lineagePrompt: db.prepare<
        { sha: string | null; artifact: string | null },
        { prompt: string }
      >(`
        WITH RECURSIVE start(aid) AS (
          SELECT artifact_id FROM generations WHERE sha256 = @sha AND artifact_id IS NOT NULL
          UNION SELECT id FROM artifacts WHERE sha256 = @sha OR id = @artifact
        ), up(aid, depth) AS (
          SELECT aid, 0 FROM start
          UNION SELECT p.parent_id, up.depth + 1 FROM artifact_parents p JOIN up ON p.artifact_id = up.aid WHERE up.depth < 50
        )
        SELECT prompt FROM (
          SELECT g.prompt, -1 AS depth, g.id FROM generations g WHERE g.sha256 = @sha AND trim(coalesce(g.prompt, '')) <> ''
          UNION ALL
          SELECT g.prompt, up.depth, g.id FROM up JOIN generations g ON g.artifact_id = up.aid WHERE trim(coalesce(g.prompt, '')) <> ''
        ) ORDER BY depth, id DESC LIMIT 1`),
      allFilePaths: db.prepare<[], { path: string }>('SELECT path FROM generation_files'),
      liveBySource: db.prepare<[string, string], Raw>(
        'SELECT *, CAST(seed AS TEXT) AS seed_text FROM generations WHERE sha256 = ? AND source = ? AND deleted_at IS NULL ORDER BY id LIMIT 1',
      ),
    };
  }

  /**
   * Inserts a generation with its files; `extra(generationId)` runs inside the same transaction
   * (tags, collections), so either everything is written or nothing is.
   */
  insert(g: NewGeneration, extra?: (generationId: number) => void): number {
    return this.db.transaction(() => {
      const id = Number(
        this.s.insert.run({
          uuid: g.uuid,
          artifactId: g.artifactId,
          filePath: g.filePath,
          sha256: g.sha256,
          createdAt: g.createdAt,
          prompt: g.prompt ?? null,
          negativePrompt: g.negativePrompt ?? null,
          seed: g.seed === undefined || g.seed === null ? null : BigInt(g.seed),
          width: g.width ?? null,
          height: g.height ?? null,
          steps: g.steps ?? null,
          cfgScale: g.cfgScale ?? null,
          sampler: g.sampler ?? null,
          scheduler: g.scheduler ?? null,
          modelId: g.modelId ?? null,
          modelName: g.modelName ?? null,
          params: g.params ? JSON.stringify(g.params) : null,
          workflow: g.workflow ? JSON.stringify(g.workflow) : null,
          source: g.source ?? 'mysticanvas',
          runId: g.runId ?? null,
          nodeId: g.nodeId ?? null,
        }).lastInsertRowid,
      );
      for (const f of g.files ?? [{ role: 'final', path: g.filePath }])
        this.s.file.run(id, f.role, f.path, f.bytes ?? null);
      extra?.(id);
      return id;
    })();
  }

  byUuid(uuid: string): GenerationRow | undefined {
    const r = this.s.byUuid.get(uuid);
    return r ? toGeneration(r) : undefined;
  }

  /**
   * The prompt that describes an image: the prompt of a generation with this file hash (ours or
   * imported: imports store the prompt from the file's metadata), else of the nearest ancestor
   * along lineage. Undefined when nothing along the way has a prompt.
   */
  lineagePrompt(o: { sha256?: string | null; artifactId?: string | null }): string | undefined {
    return this.s.lineagePrompt.get({ sha: o.sha256 || null, artifact: o.artifactId || null })
      ?.prompt;
  }

  byArtifact(artifactId: string): GenerationRow | undefined {
    const r = this.s.byArtifact.get(artifactId);
    return r ? toGeneration(r) : undefined;
  }

  byRun(runId: string): GenerationRow[] {
    return this.s.byRun.all(runId).map(toGeneration);
  }

  files(generationId: number): { role: string; path: string; bytes: number | null }[] {
    return this.s.files.all(generationId);
  }

  /** The oldest live (not trashed) generation with this file hash and source (uploads: stored once). */
  liveBySource(sha256: string, source: string): GenerationRow | undefined {
    const r = this.s.liveBySource.get(sha256, source);
    return r ? toGeneration(r) : undefined;
  }

  /** Every registered file path (relative or absolute), for the start-up orphan sweep. */
  allFilePaths(): Set<string> {
    return new Set(this.s.allFilePaths.all().map((r) => r.path));
  }
}
