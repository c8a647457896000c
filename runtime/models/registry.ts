/**
 * The model registry: scans the configured model folders (MYSTI_MODELS, design.md §10),
 * describes files from header-only reads (describe.ts: bounded GGUF and safetensors readers,
 * family detection, pickle files flagged unsafe) so a bad or unsafe file is refused before any
 * native load, persists rows (store/models.ts), hashes files in the background (sha256; the
 * AutoV2 hash is its first 10 hex digits), and resolves a node's `model` param to a file.
 *
 * Ids are paths relative to their model folder with `/` separators (e.g. `llm/stories260K.gguf`);
 * when two folders hold the same relative path, the later one gets `<folderIndex>:<rel>`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import type { Database } from 'better-sqlite3';
import { UserError } from '../errors';
import { relativeInside } from '../fs/safe-path';
import { ModelStore, type ModelKind, type ModelRow } from '../store/models';
import { MODEL_EXTENSIONS, PICKLE_EXTENSIONS } from './classify';
import { describeModel as describe, type FoundFile } from './describe';
import type { ResolvedModel } from '../engine/executor';

export interface ScanResult {
  /** Files seen this scan. */
  total: number;
  added: number;
  updated: number;
  /** Rows newly marked missing. */
  missing: number;
  /** Files rejected by a header reader (kept with `metadata.invalid` = the reason). */
  invalid: number;
}

/** Splits MYSTI_MODELS (`:`-separated) or falls back to `$MYSTI_HOME/models`. */
export function modelFoldersFromEnv(env: NodeJS.ProcessEnv, home: string): string[] {
  const raw = env.MYSTI_MODELS?.split(':')
    .map((s) => s.trim())
    .filter(Boolean);
  return (raw && raw.length ? raw : [path.join(home, 'models')]).map((f) => path.resolve(f));
}

/** Registry options (config.json). */
export interface RegistryOptions {
  /** `allowUnsafeModels`: load pickle files (.ckpt/.pth/.pt/.bin) without per-file consent. */
  allowUnsafeModels?: boolean;
}

/** AutoV2 model hash (A1111 ≥ 1.0 "Model hash", Civitai): the first 10 hex digits of the file's sha256. */
export function autoV2(sha256: string | null): string | null {
  return sha256 ? sha256.slice(0, 10) : null;
}

export class ModelRegistry {
  readonly store: ModelStore;
  readonly folders: readonly string[];
  readonly allowUnsafeModels: boolean;
  private hashing: Promise<void> | null = null;
  private stopped = false;
  private currentHash: fs.ReadStream | null = null;

  /**
   * @param db an open, migrated better-sqlite3 database
   * @param folders model folders (absolute or relative to cwd); missing folders are allowed
   */
  constructor(db: Database, folders: string[], opts: RegistryOptions = {}) {
    this.store = new ModelStore(db);
    this.folders = folders.map((f) => path.resolve(f));
    this.allowUnsafeModels = opts.allowUnsafeModels === true;
  }

  /**
   * Walks every folder recursively (hidden entries skipped, directory symlink loops cut),
   * upserts each model file and marks vanished ones missing. GGUF headers are re-read only
   * when size or mtime changed. Hashing is not started here: call {@link startHashing}.
   */
  async scan(): Promise<ScanResult> {
    const result: ScanResult = { total: 0, added: 0, updated: 0, missing: 0, invalid: 0 };
    const seen = new Set<string>();
    const seenPaths = new Set<string>();
    for (const [i, folder] of this.folders.entries()) {
      for await (const file of walk(folder, new Set())) {
        if (seenPaths.has(file.abs)) continue;
        seenPaths.add(file.abs);
        let id = file.rel;
        if (seen.has(id)) id = `${i}:${file.rel}`;
        seen.add(id);
        result.total++;
        const prev = this.store.get(id);
        const unchanged =
          prev &&
          prev.path === file.abs &&
          prev.bytes === file.size &&
          prev.mtimeMs === file.mtimeMs &&
          !prev.missing;
        if (unchanged) continue;
        const row = await describe(file);
        if (row.metadata?.invalid) result.invalid++;
        this.store.upsert({ id, ...row });
        if (prev) result.updated++;
        else result.added++;
      }
    }
    result.missing = this.store.markMissingExcept(seen);
    return result;
  }

  /** Present models, optionally of one kind. */
  list(kind?: ModelKind): ModelRow[] {
    return this.store.list(kind);
  }

  get(id: string): ModelRow | undefined {
    return this.store.get(id);
  }

  /**
   * Resolves a node's `model` param (registry id, path relative to a model folder, or a bare
   * file name known to the registry) to a file. Synchronous: ExecContext.resolveModel calls it.
   * Symlinks the user placed inside a model folder are followed; `..` or absolute paths that
   * leave every folder are refused.
   *
   * @throws UserError MODEL_NOT_CONFIGURED (empty ref), PATH_OUTSIDE_ROOT, MODEL_NOT_FOUND
   *   (names the folders searched), MODEL_INVALID (a header the scan rejected), MODEL_UNSAFE (a
   *   pickle file without consent: see {@link allowUnsafe}), MODEL_WRONG_KIND.
   */
  resolve(ref: string, kind: ModelKind): ResolvedModel {
    const clean = ref.trim();
    if (!clean) {
      throw new UserError(
        'MODEL_NOT_CONFIGURED',
        `no ${kind} model selected: pick one in the node's Model field (files come from MYSTI_MODELS, searched in ${this.folderList()})`,
      );
    }
    let row = this.store.get(clean);
    let abs: string | undefined = row?.path;
    if (!row) {
      const norm = clean.replaceAll('\\', '/');
      const candidates = this.folders.map((f) => path.resolve(f, norm));
      // Lexical on purpose: a model folder may hold symlinks to files kept elsewhere (a shared models/).
      const inside = candidates.filter((c, i) => relativeInside(c, this.folders[i]!) !== null);
      if (inside.length === 0) {
        throw new UserError(
          'PATH_OUTSIDE_ROOT',
          `model reference "${ref}" points outside the model folders (${this.folderList()})`,
          { ref },
        );
      }
      abs = inside.find((c) => statFile(c));
      if (abs) row = this.store.getByPath(abs);
      else if (!norm.includes('/')) {
        const byName = this.store
          .findByName(norm)
          .filter((r) => r.kind === kind || r.kind === 'unknown');
        if (byName.length >= 1) {
          row = byName[0];
          abs = row!.path;
        }
      }
    }
    const st = abs ? statFile(abs) : undefined;
    if (!abs || !st) {
      throw new UserError(
        'MODEL_NOT_FOUND',
        `${kind} model "${ref}" was not found in the model folders (${this.folderList()}); put the file there or set MYSTI_MODELS, then rescan`,
        { ref, folders: [...this.folders] },
        404,
      );
    }
    if (row?.metadata?.invalid) {
      throw new UserError('MODEL_INVALID', String(row.metadata.invalid), { ref, path: abs });
    }
    const unsafe =
      row?.metadata?.unsafe === true || PICKLE_EXTENSIONS.has(path.extname(abs).toLowerCase());
    if (
      unsafe &&
      !this.allowUnsafeModels &&
      !(row?.allowUnsafe && row.bytes === st.size && row.mtimeMs === Math.trunc(st.mtimeMs))
    ) {
      const id = row?.id ?? clean;
      throw new UserError(
        'MODEL_UNSAFE',
        `"${ref}" is a pickle file (${path.extname(abs)}), which can run arbitrary code when it is loaded, so it is not passed to the engine without your consent: ` +
          `convert it to .safetensors, or allow this file (POST /api/models/${encodeURIComponent(id)}/allow-unsafe) or all pickle files ("allowUnsafeModels": true in config.json)`,
        { ref, id, path: abs },
        403,
      );
    }
    // An LLM (GGUF Qwen3, Mistral, …) is also a valid text encoder for the LLM-conditioned families.
    if (
      row &&
      row.kind !== kind &&
      row.kind !== 'unknown' &&
      !(kind === 'text_encoder' && row.kind === 'llm')
    ) {
      throw new UserError(
        'MODEL_WRONG_KIND',
        `"${ref}" is a ${row.kind} model, this node needs a ${kind} model`,
        { ref, kind: row.kind, wanted: kind },
      );
    }
    const fresh = row && row.bytes === st.size && row.mtimeMs === Math.trunc(st.mtimeMs);
    return {
      id: row?.id ?? clean,
      path: abs,
      bytes: st.size,
      identity:
        fresh && row?.sha256 ? `sha256:${row.sha256}` : `${st.size}:${Math.trunc(st.mtimeMs)}`,
      family: row?.family ?? null,
      component: typeof row?.metadata?.component === 'string' ? row.metadata.component : null,
    };
  }

  /**
   * Records the user's consent to load one pickle file (or withdraws it). The consent is tied to
   * the file as scanned: a changed size or mtime clears it on the next scan.
   * @throws UserError NOT_FOUND (no such id), MODEL_NOT_UNSAFE (the file is not a pickle file)
   */
  allowUnsafe(id: string, allow: boolean): ModelRow {
    const row = this.store.get(id);
    if (!row || row.missing)
      throw new UserError('NOT_FOUND', `no model with id "${id}"`, { id }, 404);
    if (row.metadata?.unsafe !== true)
      throw new UserError('MODEL_NOT_UNSAFE', `"${id}" is not a pickle file; it needs no consent`, {
        id,
      });
    this.store.setAllowUnsafe(id, allow);
    return this.store.get(id)!;
  }

  /**
   * Starts hashing rows without a sha256, one file at a time, in the background (streamed in
   * 1 MiB reads so it never blocks the event loop for long). Returns the running pass; calling
   * it again while one runs returns the same promise. Errors are per file and swallowed (the
   * row simply keeps no hash).
   */
  startHashing(): Promise<void> {
    if (this.hashing) return this.hashing;
    this.stopped = false;
    this.hashing = (async () => {
      try {
        for (const row of this.store.needingHash()) {
          if (this.stopped) return;
          const st = statFile(row.path);
          if (!st || st.size !== row.bytes || Math.trunc(st.mtimeMs) !== row.mtimeMs) continue;
          try {
            const sha = await this.hashFile(row.path);
            this.store.setSha256(row.id, sha, row.bytes, row.mtimeMs);
          } catch {
            // A file that vanished or became unreadable mid-hash is picked up by the next scan.
          }
          await new Promise((r) => setImmediate(r));
        }
      } finally {
        this.hashing = null;
      }
    })();
    return this.hashing;
  }

  /** Stops background hashing (the current file's stream is destroyed). */
  stopHashing(): void {
    this.stopped = true;
    this.currentHash?.destroy();
  }

  private hashFile(file: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const h = createHash('sha256');
      const s = fs.createReadStream(file, { highWaterMark: 1024 * 1024 });
      this.currentHash = s;
      s.on('data', (c) => h.update(c));
      s.on('error', reject);
      s.on('close', () => {
        this.currentHash = null;
        if (s.destroyed && !s.readableEnded) reject(new Error('hashing stopped'));
      });
      s.on('end', () => resolve(h.digest('hex')));
    });
  }

  private folderList(): string {
    return this.folders.join(', ');
  }
}

function statFile(p: string): fs.Stats | undefined {
  try {
    const st = fs.statSync(p);
    return st.isFile() ? st : undefined;
  } catch {
    return undefined;
  }
}

async function* walk(root: string, visited: Set<string>, dir = root): AsyncGenerator<FoundFile> {
  let real: string;
  try {
    real = await fs.promises.realpath(dir);
  } catch {
    return; // a configured folder that does not exist yet is fine
  }
  if (visited.has(real)) return;
  visited.add(real);
  let entries: fs.Dirent[];
  try {
    entries = await fs.promises.readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  entries.sort((a, b) => a.name.localeCompare(b.name));
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    const abs = path.join(dir, e.name);
    let st: fs.Stats;
    try {
      st = await fs.promises.stat(abs);
    } catch {
      continue; // dangling symlink
    }
    if (st.isDirectory()) yield* walk(root, visited, abs);
    else if (st.isFile() && MODEL_EXTENSIONS.has(path.extname(e.name).toLowerCase())) {
      yield {
        abs,
        rel: path.relative(root, abs).split(path.sep).join('/'),
        size: st.size,
        mtimeMs: Math.trunc(st.mtimeMs),
      };
    }
  }
}
