/** Test helpers: a migrated in-memory database and a quick way to add generations with lineage. */
import { randomUUID } from 'node:crypto';
import { openDb, type Db } from '../../../runtime/store/db';
import { Store } from '../../../runtime/store';
import { attachTags, type TagSource } from '../../../runtime/store/tags';

export function memStore(): { db: Db; store: Store } {
  const db = openDb(':memory:');
  return { db, store: new Store(db) };
}

export interface GenOpts {
  createdAt: number;
  prompt?: string;
  negativePrompt?: string;
  modelId?: string;
  width?: number;
  height?: number;
  tags?: { name: string; source?: TagSource }[];
  /** Artifact ids of saved generations this one was made from. */
  parents?: string[];
  filePath?: string;
}

/** Inserts a generation with an artifact (run-less) so lineage works; returns ids. */
export function addGen(store: Store, o: GenOpts): { id: number; uuid: string; artifactId: string } {
  const artifactId = randomUUID();
  // Run-less artifacts (run_id may be NULL in the schema) keep the fixture small.
  store.artifacts.insertMany(
    [
      {
        id: artifactId,
        kind: 'image',
        runId: null as never,
        nodeId: 'save',
        port: 'image',
        parents: (o.parents ?? []).map((parentId) => ({ port: 'image', parentId })),
      },
    ],
    o.createdAt,
  );
  const uuid = randomUUID();
  const id = store.generations.insert(
    {
      uuid,
      artifactId,
      filePath: o.filePath ?? `outputs/${uuid}.png`,
      sha256: null,
      createdAt: o.createdAt,
      prompt: o.prompt ?? null,
      negativePrompt: o.negativePrompt ?? null,
      modelId: o.modelId ?? null,
      width: o.width ?? 512,
      height: o.height ?? 512,
    },
    (gid) => {
      for (const t of o.tags ?? [])
        attachTags(store.db, gid, [{ name: t.name, confidence: 0.9 }], t.source ?? 'user');
    },
  );
  return { id, uuid, artifactId };
}
