/**
 * The workflow library's calls (issue 15 §6): search / sort saved graphs, rename, mark as
 * template, duplicate, record "opened", list and open templates, and Save as.
 */
import type { GraphDoc } from '../../../nodes/index';
import { json, request } from '../api/client';
import { save } from '../graph/io';
import { useGraph } from '../state/graph';

/** One row of GET /api/graphs?q=&sort= (times in ms since epoch). */
export interface LibraryItem {
  id: string;
  name: string;
  updatedAt: number;
  createdAt: number;
  lastOpenedAt: number | null;
  template: boolean;
  /** URL of the latest run's last image, or null. */
  thumbnail: string | null;
}

export type LibrarySort = 'opened' | 'updated' | 'name';

/** A template: a shipped example graph (`builtin:…`) or a saved graph marked as template. */
export interface TemplateItem {
  id: string;
  name: string;
  source: 'builtin' | 'user';
}

const enc = encodeURIComponent;

export const library = {
  search: (q: string, sort: LibrarySort) =>
    request<{ items: LibraryItem[] }>(`/api/graphs?q=${enc(q)}&sort=${sort}&limit=200`).then(
      (r) => r.items,
    ),
  rename: (id: string, name: string) =>
    request<LibraryItem>(`/api/graphs/${enc(id)}`, json('PATCH', { name })),
  setTemplate: (id: string, template: boolean) =>
    request<LibraryItem>(`/api/graphs/${enc(id)}`, json('PATCH', { template })),
  duplicate: (id: string) =>
    request<{ id: string; name: string }>(`/api/graphs/${enc(id)}/duplicate`, { method: 'POST' }),
  opened: (id: string) => request<void>(`/api/graphs/${enc(id)}/opened`, { method: 'POST' }),
  templates: () => request<{ items: TemplateItem[] }>('/api/templates').then((r) => r.items),
  template: (id: string) =>
    request<{ id: string; name: string; graph: GraphDoc }>(`/api/templates/${enc(id)}`),
};

/** Save as: asks for a name (default "<name> copy") and saves a new workflow under it. */
export async function saveAs(): Promise<boolean> {
  const { head } = useGraph.getState();
  const name = prompt('Save as', head.id ? `${head.name} copy` : head.name)?.trim();
  if (!name) return false;
  useGraph.setState({ head: { ...head, name } });
  return save(true);
}
