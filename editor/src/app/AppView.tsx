/**
 * The App view (issue 20): the open graph as a generation form. Its fields are the params marked
 * "show in app" (nodes/core/app.ts `appLayout`; with none, the first Text to image node's usual
 * ones and a hint how to choose), drawn with the node's own widgets (widgets/ParamField) and
 * editing the same document through the same undoable ops, so App and Editor share one graph and
 * one history. "Run ×N" queues N runs with increasing seeds; each run's progress shows per
 * phase and its images form a strip that opens in the gallery lightbox.
 */
import { useEffect, useMemo } from 'react';
import { appLayout, type AppField, type AppLayout } from '../../../nodes/index';
import { useGraph } from '../state/graph';
import { useNodeChecks, useNodeIssues } from '../state/ui';
import { useCatalog } from '../state/catalog';
import { useRuns, type NodeRunState } from '../state/runs';
import { flowToDoc } from '../graph/convert';
import { moveAppInput, setAppInput, toggleAppInput } from '../graph/ops';
import type { ParamNodeData } from '../graph/types';
import { ParamField } from '../widgets/ParamField';
import { SizePresetField } from '../widgets/SizePresetField';
import { widgetFor, type ParamSchema } from '../widgets/schema';
import { artifactUrl } from '../api/client';
import { Lightbox } from '../gallery/Lightbox';
import { step, useGallery } from '../gallery/state';
import type { Item } from '../gallery/api';
import { useApp } from './state';
import { MAX_COUNT, runApp } from './run';
import './app.css';

/** The form's layout for the graph on the canvas, recomputed when its nodes/edges change. */
function useLayout(): AppLayout {
  const nodes = useGraph((s) => s.nodes);
  const edges = useGraph((s) => s.edges);
  const name = useGraph((s) => s.head.name);
  const specs = useCatalog((s) => s.specs);
  return useMemo(
    () => appLayout(flowToDoc(nodes, edges, { name }), (t) => specs.get(t)),
    [nodes, edges, name, specs],
  );
}

export function AppView() {
  const layout = useLayout();
  const name = useGraph((s) => s.head.name);
  const editing = useApp((s) => s.editing);
  const lightbox = useGallery((s) => s.lightbox);

  // The lightbox's own keys live with the gallery view; here Esc closes it.
  useEffect(() => {
    if (!lightbox) return;
    const onKey = (e: KeyboardEvent) => {
      const el = e.target as HTMLElement | null;
      // Arrows in the viewer's tag field move its caret, not the picture.
      const typing =
        !!el && (el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.isContentEditable);
      if (e.key === 'Escape') useGallery.setState({ lightbox: null });
      else if (typing) return;
      else if (e.key === 'ArrowRight') step(1);
      else if (e.key === 'ArrowLeft') step(-1);
      else return;
      e.stopPropagation();
      e.preventDefault();
    };
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, [lightbox]);

  const groups: { group?: string; fields: AppField[] }[] = [];
  for (const f of layout.fields) {
    const g = groups.find((x) => x.group === f.group);
    if (g) g.fields.push(f);
    else groups.push({ group: f.group, fields: [f] });
  }
  return (
    <div className="app-view" data-testid="app-view" data-exposed={layout.exposed || undefined}>
      <main className="app-body">
        <form
          className="app-form"
          aria-label={`${name} form`}
          onSubmit={(e) => {
            e.preventDefault();
            void runApp();
          }}
        >
          <h1 className="app-title">{name}</h1>
          {!layout.exposed && (
            <p className="app-hint" data-testid="app-hint">
              {layout.fields.length
                ? 'These are the usual settings of the first Text to image node. '
                : 'This graph has no Text to image node, so there is nothing to show yet. '}
              To choose your own, open the Editor and click the ◇ pin beside any setting (“Show in
              app”); the ◇ on a Save image node picks which images show here.
            </p>
          )}
          {groups.map((g, gi) => {
            const fields = g.fields.map((f) => (
              <Field
                key={`${f.nodeId}.${f.param}`}
                f={f}
                layout={layout}
                editing={editing && layout.exposed}
              />
            ));
            return g.group ? (
              <fieldset key={`g-${g.group}`} className="app-group">
                <legend>{g.group}</legend>
                {fields}
              </fieldset>
            ) : (
              <div key={`u-${gi}`} className="app-group plain">
                {fields}
              </div>
            );
          })}
          <RunBar />
          {layout.exposed && (
            <button
              type="button"
              className="link app-edit"
              aria-pressed={editing}
              onClick={() => useApp.setState({ editing: !editing })}
              data-testid="app-edit-layout"
            >
              {editing ? 'Done editing the form' : 'Edit labels, order and groups'}
            </button>
          )}
        </form>
        <Results layout={layout} />
      </main>
      {lightbox && <Lightbox />}
    </div>
  );
}

function Field({ f, layout, editing }: { f: AppField; layout: AppLayout; editing: boolean }) {
  const node = useGraph((s) => s.nodes.find((n) => n.id === f.nodeId));
  const spec = useCatalog((s) => (node?.type ? s.specs.get(node.type) : undefined));
  // The same problems the node shows (validation, pre-run checks), painted on the field.
  const invalid = useNodeIssues(f.nodeId).find((i) => i.field === f.param)?.message;
  const warn = useNodeChecks(f.nodeId).find((i) => i.field === f.param)?.message;
  const schema = useMemo(
    () => ({ ...(f.schema as ParamSchema), label: f.name }),
    [f.schema, f.name],
  );
  if (!node?.type) return null;
  const value = (node.data as ParamNodeData).params?.[f.param];
  const index = layout.fields.indexOf(f);
  const exposed = (node.data as ParamNodeData).app?.inputs?.find((x) => x.param === f.param);
  // Width with its node's height also in the form: a size preset picker goes above the pair.
  const heightField =
    f.param === 'width'
      ? layout.fields.find((x) => x.nodeId === f.nodeId && x.param === 'height')
      : undefined;
  const params = (node.data as ParamNodeData).params ?? {};
  return (
    <>
      {heightField && (
        <div className="app-size" role="group" aria-label="Size preset">
          <div className="param pw-select">
            <span className="param-label">Size</span>
            <SizePresetField
              nodeId={f.nodeId}
              width={params.width ?? f.value}
              height={params.height ?? heightField.value}
            />
          </div>
        </div>
      )}
      <div className="app-field" role="group" aria-label={f.name} data-field={f.name}>
        <ParamField
          nodeId={f.nodeId}
          name={f.param}
          schema={schema}
          value={value}
          invalid={invalid}
          warn={warn}
          widget={widgetFor(spec?.ui, f.param, schema)}
        />
        {(invalid ?? warn) && (
          <p
            className={`app-field-problem${invalid ? ' invalid' : ''}`}
            data-testid="app-field-problem"
          >
            {invalid ?? warn}
          </p>
        )}
        {editing && exposed && (
          <div className="app-field-edit" data-testid="app-field-edit">
            <input
              key={`l-${exposed.label ?? ''}`}
              aria-label={`Label of ${f.name}`}
              placeholder="Label"
              defaultValue={exposed.label ?? ''}
              onBlur={(e) => setAppInput(f.nodeId, f.param, { label: e.target.value })}
            />
            <input
              key={`g-${exposed.group ?? ''}`}
              aria-label={`Group of ${f.name}`}
              placeholder="Group"
              defaultValue={exposed.group ?? ''}
              onBlur={(e) => setAppInput(f.nodeId, f.param, { group: e.target.value })}
            />
            <button
              type="button"
              aria-label={`Move ${f.name} up`}
              disabled={index === 0}
              onClick={() => moveAppInput(layout.fields, index, -1)}
            >
              ↑
            </button>
            <button
              type="button"
              aria-label={`Move ${f.name} down`}
              disabled={index === layout.fields.length - 1}
              onClick={() => moveAppInput(layout.fields, index, 1)}
            >
              ↓
            </button>
            <button
              type="button"
              aria-label={`Hide ${f.name} from the app`}
              onClick={() => toggleAppInput(f.nodeId, f.param, false)}
            >
              Hide
            </button>
          </div>
        )}
      </div>
    </>
  );
}

function RunBar() {
  const count = useApp((s) => s.count);
  return (
    <div className="app-run">
      <label className="app-count">
        <span>Images</span>
        <input
          type="number"
          min={1}
          max={MAX_COUNT}
          value={count}
          aria-label="Number of runs (each with the next seed)"
          data-testid="app-count"
          onChange={(e) =>
            useApp.setState({
              count: Math.min(MAX_COUNT, Math.max(1, Math.trunc(Number(e.target.value)) || 1)),
            })
          }
        />
      </label>
      <button
        type="submit"
        className="run"
        title="Run (Ctrl+Enter); fixed seeds count up by one per run"
        data-testid="app-run"
      >
        ▶ Run{count > 1 ? ` ×${count}` : ''}
      </button>
    </div>
  );
}

const PHASE_DONE = new Set(['done', 'cached']);

const NONE: string[] = [];

function Results({ layout }: { layout: AppLayout }) {
  const batch = useApp((s) => s.runIds);
  // Before the form ran anything (a reload, a run from the Editor): the run the canvas shows.
  const active = useRuns((s) => s.activeRunId);
  const runIds = useMemo(() => (batch.length ? batch : active ? [active] : NONE), [batch, active]);
  const outputKey = layout.outputs.map((o) => o.nodeId).join('|');
  const outputNodes = useMemo(() => (outputKey ? outputKey.split('|') : NONE), [outputKey]);
  if (!runIds.length) {
    return (
      <section className="app-results empty" aria-label="Results">
        <p className="muted">Your images appear here. Press Run or Ctrl+Enter.</p>
      </section>
    );
  }
  return (
    <section className="app-results" aria-label="Results">
      <ol className="app-progress" data-testid="app-progress">
        {runIds.map((id, i) => (
          <RunProgress key={id} runId={id} index={i} />
        ))}
      </ol>
      <Strip runIds={runIds} outputs={outputNodes} />
    </section>
  );
}

/** One run's line: status, the running node's phase and step/steps, a bar of nodes finished. */
function RunProgress({ runId, index }: { runId: string; index: number }) {
  const status = useRuns((s) => s.runs[runId]?.status ?? 'queued');
  const error = useRuns((s) => s.runs[runId]?.error);
  const nodes = useRuns((s) => s.nodes[runId]);
  const specs = useCatalog((s) => s.specs);
  const graphNodes = useGraph((s) => s.nodes);
  const list = Object.entries(nodes ?? {});
  const finished = list.filter(([, n]) => PHASE_DONE.has(n.status)).length;
  const running = list.find(([, n]) => n.status === 'running');
  const title = (id: string) => {
    const n = graphNodes.find((x) => x.id === id);
    const own = (n?.data as ParamNodeData | undefined)?.extra?.title;
    return (typeof own === 'string' && own) || (n?.type && specs.get(n.type)?.title) || id;
  };
  const r = running?.[1] as NodeRunState | undefined;
  const stepPct = r?.steps ? (r.step ?? 0) / r.steps : 0;
  const pct =
    status === 'completed'
      ? 100
      : list.length
        ? Math.round(((finished + stepPct) / list.length) * 100)
        : 0;
  const phase = running
    ? `${title(running[0])}: ${r?.phase ?? 'running'}${r?.steps ? ` ${r.step ?? 0}/${r.steps}` : ''}`
    : status;
  return (
    <li className={`app-run-line status-${status}`} data-testid="app-run-line" data-status={status}>
      <span className="app-run-n">#{index + 1}</span>
      <div
        className="progress"
        role="progressbar"
        aria-valuenow={pct}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-label={`Run ${index + 1}`}
      >
        <div className="progress-bar" style={{ width: `${pct}%` }} />
        <span className="progress-label" data-testid="app-phase">
          {error ? `failed: ${error}` : phase}
        </span>
      </div>
    </li>
  );
}

interface StripImage {
  key: string;
  src: string;
  uuid?: string;
  label: string;
}

/** The images of `runIds`' output nodes, in run order (the strip, and the lightbox's ←/→ list). */
function useStrip(runIds: readonly string[], outputs: readonly string[]): StripImage[] {
  const nodes = useRuns((s) => s.nodes);
  return useMemo(() => {
    const list: StripImage[] = [];
    runIds.forEach((runId, r) => {
      for (const nodeId of outputs) {
        for (const [port, o] of Object.entries(nodes[runId]?.[nodeId]?.outputs ?? {})) {
          const src = o.kind === 'image' ? artifactUrl(o) : undefined;
          if (src)
            list.push({
              key: `${runId}.${nodeId}.${port}`,
              src,
              uuid: o.info?.generationUuid,
              label: `Open image of run ${r + 1}`,
            });
        }
      }
    });
    return list;
  }, [nodes, runIds, outputs]);
}

function Strip({ runIds, outputs }: { runIds: readonly string[]; outputs: readonly string[] }) {
  const images = useStrip(runIds, outputs);
  const open = (uuid: string) => {
    // The lightbox steps through the gallery's loaded items: here, the strip's saved images.
    const items = images.flatMap((i) => (i.uuid ? [{ uuid: i.uuid } as Item] : []));
    useGallery.setState({ lightbox: uuid, items, done: true, cursor: null });
  };
  return (
    <div className="app-strip" data-testid="app-strip">
      {images.map((img) => (
        <button
          key={img.key}
          type="button"
          className="app-thumb"
          data-testid="app-image"
          disabled={!img.uuid}
          title={img.uuid ? 'Open in the viewer' : 'Not saved to the gallery'}
          aria-label={img.label}
          onClick={() => img.uuid && open(img.uuid)}
        >
          <img src={img.src} alt="" />
        </button>
      ))}
    </div>
  );
}
