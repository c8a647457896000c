/**
 * Workflow files and server-side saves: save/open named graphs (GET|POST|PUT /api/graphs), import
 * and export JSON files, and importing a workflow file (a workflow JSON of ours or ComfyUI's, or a
 * PNG/JPEG/WebP with an embedded workflow) through POST /api/workflows/from-image, which reports
 * what it could not map as warnings. Images dropped on the canvas go through graph/upload.ts.
 */
import { catalog, loadGraph, type GraphDoc } from '../../../nodes/index';
import { api, ApiError, request } from '../api/client';
import { loadFlow, markSaved, useGraph } from '../state/graph';
import { toast } from '../state/toasts';
import { setIssues } from '../state/ui';
import { docToFlow, flowToDoc } from './convert';
import { defaultWorkflow } from './default-workflow';
import { useCatalog } from '../state/catalog';
import { APP_HASH, hashFor, useApp } from '../app/state';

const HASH_PREFIX = '#g=';
const DRAFT_KEY = 'mysti.draft';

/** The document as it is on the canvas now. */
export function currentDoc(): GraphDoc {
  const s = useGraph.getState();
  return flowToDoc(s.nodes, s.edges, s.head);
}

/** Puts `doc` on the canvas (history cleared). Returns false when the document is unreadable. */
export function openDoc(
  doc: unknown,
  head?: { id?: string; name?: string },
  dirty = false,
): boolean {
  const r = loadGraph(doc, catalog);
  if (!r.ok) {
    toast(`Cannot open this workflow: ${r.issues.map((i) => i.message).join('; ')}`, 'error');
    return false;
  }
  const { nodes, edges } = docToFlow(r.graph);
  loadFlow(nodes, edges, { id: head?.id, name: head?.name ?? r.graph.name ?? 'Untitled' }, dirty);
  setIssues([]);
  window.dispatchEvent(new CustomEvent('mysti:fit'));
  return true;
}

/** Saves to the server (create, or update when already saved). Updates the URL so a reload reopens it. */
export async function save(asNew = false): Promise<boolean> {
  const { head } = useGraph.getState();
  const doc = currentDoc();
  try {
    const saved =
      head.id && !asNew
        ? await api.updateGraph(head.id, head.name, doc)
        : await api.createGraph(head.name, doc);
    markSaved({ id: saved.id, name: saved.name ?? head.name });
    history.replaceState(null, '', hashFor(saved.id));
    localStorage.removeItem(DRAFT_KEY);
    toast(`Saved “${saved.name ?? head.name}”`, 'success', 2500);
    return true;
  } catch (e) {
    toast(`Save failed: ${(e as Error).message}`, 'error');
    return false;
  }
}

/** Opens a saved workflow by id. */
export async function openSaved(id: string): Promise<boolean> {
  try {
    const g = await api.getGraph(id);
    const ok = openDoc(g.graph, { id: g.id, name: g.name });
    if (ok) {
      history.replaceState(null, '', hashFor(g.id));
      // The library sorts by last opened (issue 15 §6); a failure here changes nothing else.
      void request(`/api/graphs/${encodeURIComponent(g.id)}/opened`, { method: 'POST' }).catch(
        () => undefined,
      );
    }
    return ok;
  } catch (e) {
    toast(`Cannot open workflow: ${(e as Error).message}`, 'error');
    return false;
  }
}

/** Starts an empty graph. */
export function newGraph(): void {
  loadFlow([], [], { name: 'Untitled' });
  history.replaceState(null, '', location.pathname);
  localStorage.removeItem(DRAFT_KEY);
}

/** Downloads the graph as `<name>.json`. */
export function exportJson(): void {
  const doc = currentDoc();
  const blob = new Blob([JSON.stringify(doc, null, 2)], { type: 'application/json' });
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = `${(doc.name || 'workflow').replace(/[^\w.-]+/g, '_')}.json`;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

/**
 * Loads a file: our own graph JSON directly; anything else (PNG, ComfyUI JSON) through the
 * server's importer, showing its warnings. Returns true when a graph was loaded.
 */
export async function importFile(file: File): Promise<boolean> {
  const isJson = file.type === 'application/json' || file.name.toLowerCase().endsWith('.json');
  if (isJson) {
    const text = await file.text();
    try {
      const parsed = JSON.parse(text) as { format?: string };
      if (parsed?.format === 'mysticanvas.graph')
        return openDoc(parsed, { name: (parsed as GraphDoc).name }, true);
    } catch {
      toast(`${file.name} is not valid JSON`, 'error');
      return false;
    }
  }
  try {
    const blob = isJson ? new Blob([await file.text()], { type: 'application/json' }) : file;
    const r = await api.fromImage(blob);
    const ok = openDoc(r.graph, { name: r.graph.name || file.name.replace(/\.[^.]+$/, '') }, true);
    if (ok) {
      toast(`Loaded workflow from ${file.name}${r.source ? ` (${r.source})` : ''}`, 'success');
      for (const w of r.warnings ?? []) toast(String(w), 'warning', 8000);
    }
    return ok;
  } catch (e) {
    const msg = e instanceof ApiError ? e.message : (e as Error).message;
    toast(`No workflow found in ${file.name}: ${msg}`, 'error');
    return false;
  }
}

/**
 * Reopens what the URL names, else the unsaved draft of the last session, else (first open, or
 * after a saved workflow was closed with New and never edited) the default workflow. Call after
 * the catalog and models are loaded: the default preselects a model.
 */
export async function restoreSession(): Promise<void> {
  try {
    await restore();
  } finally {
    // Tests (and anything scripted) wait for this before acting on the canvas.
    document.documentElement.dataset.restored = '';
  }
}

async function restore(): Promise<void> {
  // `#/app/<id>` (issue 20): the saved workflow, opened in the App view.
  if (location.hash.startsWith(APP_HASH)) {
    useApp.setState({ open: true });
    if (await openSaved(decodeURIComponent(location.hash.slice(APP_HASH.length)))) return;
  }
  if (location.hash.startsWith(HASH_PREFIX)) {
    if (await openSaved(decodeURIComponent(location.hash.slice(HASH_PREFIX.length)))) return;
  }
  const draft = localStorage.getItem(DRAFT_KEY);
  if (draft) {
    try {
      const d = JSON.parse(draft) as { doc: GraphDoc; id?: string; dirty?: boolean };
      if (openDoc(d.doc, { id: d.id, name: d.doc.name }, d.dirty ?? true)) return;
    } catch {
      /* unreadable draft: fall through to the default */
    }
    localStorage.removeItem(DRAFT_KEY);
  }
  openDefault();
}

/** Puts the default workflow (prompt + negative → Text to image → Save image) on the canvas, unsaved and not dirty. */
export function openDefault(): void {
  const doc = defaultWorkflow(useCatalog.getState().models);
  openDoc(doc, { name: doc.name });
}

/** Keeps a local draft of unsaved work so a reload or crash loses nothing (debounced 400 ms). */
export function persistDrafts(): () => void {
  let t: ReturnType<typeof setTimeout> | undefined;
  return useGraph.subscribe((s, prev) => {
    if (
      s.nodes === prev.nodes &&
      s.edges === prev.edges &&
      s.head === prev.head &&
      s.dirty === prev.dirty
    )
      return;
    clearTimeout(t);
    t = setTimeout(() => {
      if (!s.dirty) return localStorage.removeItem(DRAFT_KEY);
      localStorage.setItem(
        DRAFT_KEY,
        JSON.stringify({ doc: currentDoc(), id: s.head.id, dirty: true }),
      );
    }, 400);
  });
}
