/**
 * Typed calls to the gallery API (/api/generations, /api/collections; runtime/server/routes/
 * generations.ts). Errors surface as the editor's ApiError with the server's stable code.
 */
import { ApiError } from '../api/client';
import type { GraphDoc } from '../../../nodes/index';
import type { Facets, GalleryFilter, GalleryItem, TagSource } from '../../../wire/gallery';

export type { Facets, TagSource } from '../../../wire/gallery';
/** The filters of GET /api/generations (times in ms since epoch, sizes in px). */
export type Filters = GalleryFilter;
/** One gallery tile. */
export type Item = GalleryItem;

export interface LineageEntry { uuid: string; createdAt: number; prompt: string | null; width: number | null; height: number | null; depth: number; deletedAt: number | null }

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

export interface Collection { id: number; name: string; kind: 'manual' | 'smart'; query: Filters | null; items: number | null }

export type BatchAction = 'favorite' | 'unfavorite' | 'trash' | 'restore' | 'addTags' | 'removeTags' | 'addToCollection' | 'removeFromCollection';

async function call<T>(path: string, init?: RequestInit): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, init);
  } catch (e) {
    throw new ApiError('NETWORK', `cannot reach the MystiCanvas runtime (${(e as Error).message})`, 0);
  }
  const body = (await res.json().catch(() => undefined)) as { error?: { code: string; message: string } } | undefined;
  if (!res.ok) throw new ApiError(body?.error?.code ?? `HTTP_${res.status}`, body?.error?.message ?? res.statusText, res.status);
  return body as T;
}
const send = (method: string, body?: unknown): RequestInit => ({ method, headers: { 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });

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
    const p = filterQuery(f);
    p.set('limit', String(limit));
    if (cursor) p.set('cursor', cursor);
    return call<{ items: Item[]; nextCursor: string | null }>(`/api/generations?${p}`);
  },
  detail: (uuid: string) => call<Detail>(`/api/generations/${uuid}`),
  workflow: (uuid: string) => call<{ graph: GraphDoc }>(`/api/generations/${uuid}/workflow`),
  patch: (uuid: string, body: { favorite?: boolean; addTags?: string[]; removeTags?: string[]; addToCollections?: number[]; removeFromCollections?: number[] }) =>
    call<Detail>(`/api/generations/${uuid}`, send('PATCH', body)),
  trash: (uuid: string) => call<unknown>(`/api/generations/${uuid}`, send('DELETE')),
  restore: (uuid: string) => call<unknown>(`/api/generations/${uuid}/restore`, send('POST')),
  batch: (uuids: string[], action: BatchAction, extra: { tags?: string[]; collectionId?: number } = {}) =>
    call<{ matched: number; changed: number }>('/api/generations/batch', send('POST', { uuids, action, ...extra })),
  emptyTrash: () => call<{ removed: number; filesRemoved: number }>('/api/generations/trash', send('DELETE')),
  facets: () => call<Facets>('/api/generations/facets'),
  collections: () => call<{ collections: Collection[] }>('/api/collections').then((r) => r.collections),
  createCollection: (name: string, kind: 'manual' | 'smart', query?: Filters) => call<Collection>('/api/collections', send('POST', { name, kind, ...(query ? { query } : {}) })),
  rerun: (graph: GraphDoc) => call<{ runId: string }>('/api/runs', send('POST', { graph })),
};

export const imageUrl = (uuid: string) => `/api/generations/${uuid}/image`;
export const thumbUrl = (uuid: string) => `/api/generations/${uuid}/thumb`;
