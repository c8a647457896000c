/**
 * The workflow library (Open, Ctrl+O; issue 15 §6): saved workflows searched by name and sorted
 * by last opened / last saved / name, each with the thumbnail of its latest run's image — open
 * (or open in the App view), rename, duplicate, mark as template, delete — plus Save as and
 * "New from template" (the graphs shipped in graphs/ and the ones marked as templates).
 */
import { useEffect, useState } from 'react';
import { api } from '../api/client';
import { useUi } from '../state/ui';
import { useGraph } from '../state/graph';
import { openDoc, openSaved } from '../graph/io';
import { toast } from '../state/toasts';
import { showView } from '../app/view';
import {
  library,
  saveAs,
  type LibraryItem,
  type LibrarySort,
  type TemplateItem,
} from './library-api';
import './library.css';

const discardOk = () => !useGraph.getState().dirty || confirm('Discard unsaved changes?');

export function WorkflowsDialog() {
  const open = useUi((s) => s.workflows);
  const [tab, setTab] = useState<'saved' | 'templates'>('saved');
  const [q, setQ] = useState('');
  const [sort, setSort] = useState<LibrarySort>('opened');
  const [list, setList] = useState<LibraryItem[] | undefined>();
  const [templates, setTemplates] = useState<TemplateItem[] | undefined>();
  const refresh = () =>
    library.search(q, sort).then(setList, (e: Error) => {
      setList([]);
      toast(`Cannot list workflows: ${e.message}`, 'error');
    });
  useEffect(() => {
    if (open && tab === 'saved') void refresh();
    if (open && tab === 'templates')
      library.templates().then(setTemplates, (e: Error) => {
        setTemplates([]);
        toast(`Cannot list templates: ${e.message}`, 'error');
      });
  }, [open, tab, q, sort]);
  if (!open) return null;
  const close = () => useUi.setState({ workflows: false });
  const act = (p: Promise<unknown>) => p.then(refresh, (e: Error) => toast(e.message, 'error'));

  return (
    <div className="overlay" onClick={close}>
      <div className="dialog library" onClick={(e) => e.stopPropagation()} data-testid="workflows">
        <div className="library-head">
          <h2>Workflows</h2>
          <div className="tabs" role="tablist">
            <button
              role="tab"
              aria-selected={tab === 'saved'}
              data-testid="library-tab-saved"
              onClick={() => setTab('saved')}
            >
              Saved
            </button>
            <button
              role="tab"
              aria-selected={tab === 'templates'}
              data-testid="library-tab-templates"
              onClick={() => setTab('templates')}
            >
              New from template
            </button>
          </div>
          <button
            className="small"
            data-testid="save-as"
            title="Save the current graph as a new workflow (Ctrl+Shift+S)"
            onClick={async () => {
              if (await saveAs()) void refresh();
            }}
          >
            Save as…
          </button>
        </div>
        {tab === 'saved' && (
          <>
            <div className="library-filters">
              <input
                type="search"
                placeholder="Search by name"
                value={q}
                autoFocus
                data-testid="workflow-search"
                onChange={(e) => setQ(e.target.value)}
              />
              <select
                value={sort}
                aria-label="Sort by"
                data-testid="workflow-sort"
                onChange={(e) => setSort(e.target.value as LibrarySort)}
              >
                <option value="opened">Last opened</option>
                <option value="updated">Last saved</option>
                <option value="name">Name</option>
              </select>
            </div>
            {!list && <p className="muted">Loading…</p>}
            {list?.length === 0 && (
              <p className="muted">
                {q
                  ? `No workflow named like “${q}”.`
                  : 'No saved workflows yet. Save one with Ctrl+S.'}
              </p>
            )}
            <ul className="workflow-list">
              {list?.map((g) => (
                <li key={g.id} data-testid="workflow-item" data-id={g.id}>
                  {g.thumbnail ? (
                    <img className="wf-thumb" src={g.thumbnail} alt="" loading="lazy" />
                  ) : (
                    <span className="wf-thumb" />
                  )}
                  <button
                    className="link"
                    data-testid="open-workflow"
                    onClick={async () => {
                      if (!discardOk()) return;
                      if (await openSaved(g.id)) close();
                    }}
                  >
                    {g.template ? '★ ' : ''}
                    {g.name}
                  </button>
                  <button
                    className="small"
                    title="Open as a simple form (its own link: #/app/<id>)"
                    data-testid="open-in-app"
                    onClick={async () => {
                      if (!discardOk()) return;
                      if (await openSaved(g.id)) {
                        close();
                        showView('app');
                      }
                    }}
                  >
                    Open in App
                  </button>
                  <small title={g.lastOpenedAt ? 'last opened' : 'last saved'}>
                    {new Date(g.lastOpenedAt ?? g.updatedAt).toLocaleString()}
                  </small>
                  <button
                    className="small"
                    data-testid="rename-workflow"
                    onClick={() => {
                      const name = prompt('Rename workflow', g.name)?.trim();
                      if (!name || name === g.name) return;
                      void act(library.rename(g.id, name)).then(() => {
                        const head = useGraph.getState().head;
                        if (head.id === g.id) useGraph.setState({ head: { ...head, name } });
                      });
                    }}
                  >
                    Rename
                  </button>
                  <button
                    className="small"
                    data-testid="duplicate-workflow"
                    onClick={() => void act(library.duplicate(g.id))}
                  >
                    Duplicate
                  </button>
                  <button
                    className="small"
                    data-testid="template-workflow"
                    aria-pressed={g.template}
                    title={
                      g.template
                        ? 'Listed under New from template (click to stop)'
                        : 'List under New from template'
                    }
                    onClick={() => void act(library.setTemplate(g.id, !g.template))}
                  >
                    {g.template ? '★ Template' : '☆ Template'}
                  </button>
                  <button
                    className="small"
                    data-testid="delete-workflow"
                    onClick={() => {
                      if (!confirm(`Delete “${g.name}”?`)) return;
                      void act(api.deleteGraph(g.id));
                    }}
                  >
                    Delete
                  </button>
                </li>
              ))}
            </ul>
          </>
        )}
        {tab === 'templates' && (
          <ul className="workflow-list" data-testid="template-list">
            {!templates && <p className="muted">Loading…</p>}
            {templates?.map((t) => (
              <li key={t.id} data-testid="template-item" data-id={t.id}>
                <button
                  className="link"
                  data-testid="use-template"
                  onClick={async () => {
                    if (!discardOk()) return;
                    try {
                      const tpl = await library.template(t.id);
                      if (openDoc(tpl.graph, { name: tpl.name })) {
                        history.replaceState(null, '', location.pathname);
                        close();
                      }
                    } catch (e) {
                      toast(`Cannot open template: ${(e as Error).message}`, 'error');
                    }
                  }}
                >
                  {t.name}
                </button>
                <small>{t.source === 'builtin' ? 'example' : 'yours'}</small>
              </li>
            ))}
          </ul>
        )}
        <button onClick={close}>Close</button>
      </div>
    </div>
  );
}
