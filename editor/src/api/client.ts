/**
 * Typed fetch wrappers over the runtime's public HTTP API (design.md §8). Every failure becomes
 * an {@link ApiError} carrying the server's stable `code` (wire/errors.ts `ErrorBody`
 * `{error:{code,message,details?}}`) or `NETWORK` / `BAD_RESPONSE` when the server never answered
 * in that shape.
 */
import type { GraphDoc, GraphIssue, NodeSpecJson } from '../../../nodes/index';
import type { CancelResponse, HealthResponse, RunStartResponse } from '../../../wire/api';

export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'ApiError';
  }
  /** Validation issues from a 400 GRAPH_INVALID answer, else []. */
  get issues(): GraphIssue[] {
    const list = this.details?.issues;
    return Array.isArray(list) ? (list as GraphIssue[]) : [];
  }
}

/**
 * `fetch(path, init)` and the parsed JSON body as T (undefined for an empty body).
 * @throws ApiError `NETWORK` (status 0) when the runtime cannot be reached; `BAD_RESPONSE` for a
 *   body that is not JSON; the server's `{error:{code,message,details}}` (else `HTTP_<status>`)
 *   for any non-2xx answer.
 */
export async function request<T>(path: string, init?: RequestInit): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, init);
  } catch (e) {
    throw new ApiError(
      'NETWORK',
      `cannot reach the MystiCanvas runtime (${(e as Error).message})`,
      0,
    );
  }
  const text = await res.text();
  let body: unknown = undefined;
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      if (!res.ok)
        throw new ApiError(
          'BAD_RESPONSE',
          `${res.status} ${res.statusText}: ${text.slice(0, 200)}`,
          res.status,
        );
      throw new ApiError('BAD_RESPONSE', `${path} answered non-JSON`, res.status);
    }
  }
  if (!res.ok) {
    const err = (
      body as { error?: { code?: string; message?: string; details?: Record<string, unknown> } }
    )?.error;
    throw new ApiError(
      err?.code ?? `HTTP_${res.status}`,
      err?.message ?? `${res.status} ${res.statusText}`,
      res.status,
      err?.details,
    );
  }
  return body as T;
}

/** RequestInit for a JSON body sent with `method`. */
export const json = (method: string, body?: unknown): RequestInit => ({
  method,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

/** A saved workflow as stored by the runtime. `updatedAt` is an ISO timestamp or epoch ms. */
export interface SavedGraph {
  id: string;
  name: string;
  graph: GraphDoc;
  updatedAt?: string | number;
}

/** A model registry entry (GET /api/models). `bytes` is the file size. */
export interface ModelEntry {
  id: string;
  kind: string;
  name: string;
  bytes?: number;
  /** Recognized model family (sd1, sdxl, flux…) or null when the header did not say. */
  family?: string | null;
  /** The file is gone from disk (kept in the registry for old graphs). */
  missing?: boolean;
  /** Header facts; `component` says checkpoint / diffusion_model / text_encoder / … (family.ts). */
  metadata?: { component?: string } | null;
}

/** A model preset (GET /api/presets/image|llm); nodes refer to it by name. */
export interface PresetEntry {
  id: string;
  name: string;
}

/** A prompt template / style (GET /api/prompt-templates); `{prompt}` in `prompt` stands for the user's text. */
export interface PromptTemplate {
  id: number;
  name: string;
  category: string | null;
  prompt: string;
  negativePrompt: string | null;
}

/** A library image as GET /api/generations lists it (the fields the image picker shows; sizes in px). */
export interface GalleryImage {
  uuid: string;
  prompt: string | null;
  width: number | null;
  height: number | null;
  createdAt: number;
  hasThumb?: boolean;
}

/** Summary of one run as GET /api/runs lists it. */
export interface RunSummary {
  id: string;
  status: string;
  createdAt?: string | number;
  error?: { code: string; message: string } | string;
  name?: string | null;
}

export const api = {
  nodes: () => request<{ nodes: NodeSpecJson[] }>('/api/nodes').then((r) => r.nodes),
  models: () => request<{ models: ModelEntry[] }>('/api/models').then((r) => r.models ?? []),
  /** Where the runtime looks for model files (MYSTI_MODELS or ~/.mysticanvas/models). */
  health: () => request<HealthResponse>('/api/health'),
  /** Rescans the model folders (POST /api/models/scan). */
  scanModels: () => request<unknown>('/api/models/scan', { method: 'POST' }),
  presets: (kind: 'image' | 'llm') =>
    request<{ presets: PresetEntry[] }>(`/api/presets/${kind}`).then((r) => r.presets ?? []),
  /** Prompt templates / styles, sorted by category then name. */
  promptTemplates: () =>
    request<{ templates: PromptTemplate[] }>('/api/prompt-templates').then(
      (r) => r.templates ?? [],
    ),
  /** Fills template `id` with the prompt (and negative) text: `{prompt, negativePrompt}` (runtime/store/prompt-templates.ts applyTemplate). */
  applyTemplate: (id: number, text: string, negative: string) =>
    request<{ prompt: string; negativePrompt: string }>(
      `/api/prompt-templates/${id}/apply`,
      json('POST', { text, negative }),
    ),
  /** The newest library images, optionally full-text filtered by `q` (at most `limit`, 1–500). */
  recentImages: (q: string, limit = 60) => {
    const p = new URLSearchParams({ limit: String(limit) });
    if (q.trim()) p.set('q', q.trim());
    return request<{ items: GalleryImage[] }>(`/api/generations?${p}`).then((r) => r.items ?? []);
  },
  vram: () => request<Record<string, unknown>>('/api/vram'),
  listGraphs: () =>
    request<{ graphs?: SavedGraph[]; items?: SavedGraph[] } | SavedGraph[]>('/api/graphs').then(
      (r) => (Array.isArray(r) ? r : (r.graphs ?? r.items ?? [])),
    ),
  getGraph: (id: string) => request<SavedGraph>(`/api/graphs/${encodeURIComponent(id)}`),
  createGraph: (name: string, graph: GraphDoc) =>
    request<SavedGraph>('/api/graphs', json('POST', { name, graph })),
  updateGraph: (id: string, name: string, graph: GraphDoc) =>
    request<SavedGraph>(`/api/graphs/${encodeURIComponent(id)}`, json('PUT', { name, graph })),
  deleteGraph: (id: string) =>
    request<unknown>(`/api/graphs/${encodeURIComponent(id)}`, { method: 'DELETE' }),
  /** `force`: "Run from here" node ids, executed with their descendants even when cached (issue 15). */
  startRun: (graph: GraphDoc, force?: string[]) =>
    request<RunStartResponse>(
      '/api/runs',
      json('POST', force?.length ? { graph, force } : { graph }),
    ),
  getRun: (id: string) => request<Record<string, unknown>>(`/api/runs/${encodeURIComponent(id)}`),
  listRuns: () =>
    request<{ runs?: RunSummary[]; items?: RunSummary[] } | RunSummary[]>('/api/runs').then((r) =>
      Array.isArray(r) ? r : (r.runs ?? r.items ?? []),
    ),
  cancelRun: (id: string) =>
    request<CancelResponse>(`/api/runs/${encodeURIComponent(id)}/cancel`, { method: 'POST' }),
  /**
   * Stores an image from the user's disk (or a painted mask: `kind: 'mask'` with the image's
   * generation uuid as `parent`) in the data folder: POST /api/uploads, multipart.
   */
  upload: (file: Blob, name: string, o: { kind?: 'image' | 'mask'; parent?: string } = {}) => {
    const form = new FormData();
    form.append('file', file, name);
    if (o.kind) form.append('kind', o.kind);
    if (o.parent) form.append('parent', o.parent);
    return request<{ upload: UploadResult }>('/api/uploads', { method: 'POST', body: form }).then(
      (r) => r.upload,
    );
  },
  /** Sends a dropped file (PNG with embedded workflow, or workflow JSON) as the raw body. */
  fromImage: (file: Blob) =>
    request<{ graph: GraphDoc; warnings?: string[]; source?: string }>(
      '/api/workflows/from-image',
      {
        method: 'POST',
        headers: { 'content-type': file.type || 'application/octet-stream' },
        body: file,
      },
    ),
};

/** A stored upload (runtime/library/uploads.ts UploadResult). */
export interface UploadResult {
  /** Generation uuid: Load image's `source`. */
  uuid: string;
  artifactId: string;
  kind: 'image' | 'mask';
  format: 'png' | 'jpeg' | 'webp';
  width: number;
  height: number;
  existing: boolean;
  imageUrl: string;
  thumbUrl: string;
  /** The workflow embedded in the file, for "open as workflow"; null when it has none. */
  workflow: { graph: GraphDoc; source: string; warnings: string[] } | null;
}

/** The full image of a library image. */
export const generationImageUrl = (uuid: string) =>
  `/api/generations/${encodeURIComponent(uuid)}/image`;

/** The thumbnail of a library image (a small WebP/PNG served by the runtime). */
export const generationThumbUrl = (uuid: string) =>
  `/api/generations/${encodeURIComponent(uuid)}/thumb`;

/** The URL of an output artifact: the event's `url` when given, else /api/artifacts/:id. */
export function artifactUrl(out: { url?: string; artifactId?: string }): string | undefined {
  if (out.url) return out.url;
  return out.artifactId ? `/api/artifacts/${encodeURIComponent(out.artifactId)}` : undefined;
}
