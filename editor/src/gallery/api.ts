/**
 * Typed calls to the gallery API (/api/generations, /api/collections; runtime/server/routes/
 * generations.ts). Errors surface as the editor's ApiError with the server's stable code.
 */
import { json, request } from '../api/client';
import type { GraphDoc } from '../../../nodes/index';
import type { Facets, GalleryFilter, GalleryItem, TagSource } from '../../../wire/gallery';
import type { RerunResponse, RunStartResponse } from '../../../wire/api';

export type { Facets, TagSource } from '../../../wire/gallery';
/** How `q` is matched (issue 17): words (FTS5), meaning (embeddings), or both fused; absent = the server's default. */
export type SearchMode = 'text' | 'semantic' | 'hybrid';
/**
 * The filters of GET /api/generations (times in ms since epoch, sizes in px), plus the search
 * mode and `similarTo` (a generation uuid: "more like this", GET /api/generations/:uuid/similar).
 */
export type Filters = GalleryFilter & { mode?: SearchMode; similarTo?: string };

/** One tag of the taxonomy (GET /api/tags). */
export interface TaxonomyTag {
  id: number;
  name: string;
  category: string | null;
  count: number;
  aliases: string[];
}
/** One gallery tile. */
export type Item = GalleryItem;

export interface LineageEntry {
  uuid: string;
  createdAt: number;
  prompt: string | null;
  width: number | null;
  height: number | null;
  depth: number;
  deletedAt: number | null;
}

export interface Detail extends Item {
  scheduler: string | null;
  params: Record<string, unknown> | null;
  source: string;
  runId: string | null;
  nodeId: string | null;
  file: string;
  files: { role: string; bytes: number | null; name: string }[];
  tags: { name: string; category: string | null; source: TagSource; confidence: number | null }[];
  collections: { id: number; name: string }[];
  hasWorkflow: boolean;
  lineage: { ancestors: LineageEntry[]; descendants: LineageEntry[] };
}

export interface Collection {
  id: number;
  name: string;
  kind: 'manual' | 'smart';
  query: Filters | null;
  items: number | null;
}

export type BatchAction =
  | 'favorite'
  | 'unfavorite'
  | 'trash'
  | 'restore'
  | 'addTags'
  | 'removeTags'
  | 'addToCollection'
  | 'removeFromCollection';

/** The query string for `f` (absent / empty values left out). */
export function filterQuery(f: Filters): URLSearchParams {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(f)) {
    if (v === undefined || v === '' || v === false) continue;
    p.set(k, v === true ? '1' : String(v));
  }
  return p;
}

export const galleryApi = {
  list: (f: Filters, cursor: string | null, limit = 60) => {
    const { similarTo, ...rest } = f;
    const p = filterQuery(similarTo ? { ...rest, q: undefined, mode: undefined } : rest);
    p.set('limit', String(limit));
    if (cursor) p.set('cursor', cursor);
    const url = similarTo
      ? `/api/generations/${encodeURIComponent(similarTo)}/similar?${p}`
      : `/api/generations?${p}`;
    return request<{ items: Item[]; nextCursor: string | null; mode?: SearchMode }>(url);
  },
  tags: () => request<{ tags: TaxonomyTag[]; categories: string[] }>('/api/tags?limit=5000'),
  patchTag: (id: number, body: { name?: string; category?: string | null }) =>
    request<TaxonomyTag>(`/api/tags/${id}`, json('PATCH', body)),
  mergeTags: (from: number[], into: number) =>
    request<{ tag: TaxonomyTag; relabelled: number }>(
      '/api/tags/merge',
      json('POST', { from, into }),
    ),
  deleteTag: (id: number) => request<{ deleted: boolean }>(`/api/tags/${id}`, json('DELETE')),
  detail: (uuid: string) => request<Detail>(`/api/generations/${uuid}`),
  workflow: (uuid: string) => request<{ graph: GraphDoc }>(`/api/generations/${uuid}/workflow`),
  patch: (
    uuid: string,
    body: {
      favorite?: boolean;
      addTags?: string[];
      removeTags?: string[];
      addToCollections?: number[];
      removeFromCollections?: number[];
    },
  ) => request<Detail>(`/api/generations/${uuid}`, json('PATCH', body)),
  trash: (uuid: string) => request<unknown>(`/api/generations/${uuid}`, json('DELETE')),
  restore: (uuid: string) => request<unknown>(`/api/generations/${uuid}/restore`, json('POST')),
  batch: (
    uuids: string[],
    action: BatchAction,
    extra: { tags?: string[]; collectionId?: number } = {},
  ) =>
    request<{ matched: number; changed: number }>(
      '/api/generations/batch',
      json('POST', { uuids, action, ...extra }),
    ),
  emptyTrash: () =>
    request<{ removed: number; filesRemoved: number }>('/api/generations/trash', json('DELETE')),
  facets: () => request<Facets>('/api/generations/facets'),
  collections: () =>
    request<{ collections: Collection[] }>('/api/collections').then((r) => r.collections),
  createCollection: (name: string, kind: 'manual' | 'smart', query?: Filters) =>
    request<Collection>(
      '/api/collections',
      json('POST', { name, kind, ...(query ? { query } : {}) }),
    ),
  rerun: (graph: GraphDoc) => request<RunStartResponse>('/api/runs', json('POST', { graph })),
  /** Queues recorded run `runId` again with its resolved params (POST /api/runs/:id/rerun). */
  rerunRun: (runId: string) =>
    request<RerunResponse>(`/api/runs/${encodeURIComponent(runId)}/rerun`, { method: 'POST' }),
};

export const imageUrl = (uuid: string) => `/api/generations/${uuid}/image`;
export const thumbUrl = (uuid: string) => `/api/generations/${uuid}/thumb`;
