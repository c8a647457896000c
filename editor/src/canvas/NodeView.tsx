/**
 * THE node component: one memoized component renders every catalog node type from its served
 * spec (ports → coloured handles, params JSON Schema → widgets) plus its run state and
 * validation problems. Unknown types render as placeholders that keep their params and data.
 * It subscribes to its own spec, run state and issues only, never to the nodes array.
 */
import { memo, useRef, useState } from 'react';
import {
  Handle,
  Position,
  useNodeConnections,
  useStore,
  type Node,
  type NodeProps,
  type ReactFlowState,
} from '@xyflow/react';
import type { NodeSpecJson } from '../../../nodes/index';
import { portColor, useCatalog, useSpec } from '../state/catalog';
import { FAMILY_NEEDS, type EncoderRole } from '../../../nodes/diffusion/families';
import { useNodeRunState } from '../state/runs';
import { useNodeChecks, useNodeIssues } from '../state/ui';
import { useGraph } from '../state/graph';
import type { ParamNodeData } from '../graph/types';
import { ParamField } from '../widgets/ParamField';
import { paramEntries, widgetFor, type ParamSchema } from '../widgets/schema';
import { TemplatePicker } from '../widgets/TemplatePicker';
import { exposeInputPort, setNodeTitle, toggleAppOutput } from '../graph/ops';
import { RunView } from './RunView';
import { countRender, PROFILING } from '../dev/profile';

type Props = NodeProps<Node<ParamNodeData>>;

/**
 * Below this zoom a node drops its widgets and shows only its title, ports and run state (what
 * ComfyUI calls low-quality rendering; its default threshold is 0.6). Text is unreadable there
 * anyway, and a 500-node graph fitted to the screen then has ~5x fewer DOM elements to mount,
 * lay out and composite (tests/bench/editor-bench.ts).
 */
export const LOW_DETAIL_ZOOM = 0.45;
// A boolean selector: nodes re-render only when the zoom crosses the threshold.
const lowDetail = (s: ReactFlowState) => s.transform[2] < LOW_DETAIL_ZOOM;

const STATUS_LABEL: Record<string, string> = {
  queued: 'queued',
  running: 'running',
  cached: 'cached',
  done: 'done',
  failed: 'failed',
  cancelled: 'not run',
  skipped: 'skipped',
};

export const NodeView = memo(function NodeView({ id, type, data, selected }: Props) {
  if (PROFILING) countRender('node', id);
  const spec = useSpec(type);
  const run = useNodeRunState(id);
  const issues = useNodeIssues(id);
  const checks = useNodeChecks(id);
  const compact = useStore(lowDetail);
  const stack = useStackFamily(
    typeof data.params?.model === 'string' ? data.params.model : undefined,
    Boolean(
      spec?.params && (spec.params as { properties?: Record<string, unknown> }).properties?.clipL,
    ),
  );
  if (!spec) return <Placeholder id={id} type={type} data={data} selected={selected} />;
  const fieldIssue = (f: string) => issues.find((i) => i.field === f)?.message;
  const fieldCheck = (f: string) => checks.find((i) => i.field === f)?.message;
  const status = run?.status;
  const custom =
    typeof data.extra?.title === 'string' && data.extra.title ? data.extra.title : undefined;
  return (
    <div
      className={`mnode cat-${spec.category}${compact ? ' compact' : ''}${selected ? ' selected' : ''}${issues.length ? ' has-issues' : ''}${checks.length ? ' has-checks' : ''}${status ? ` status-${status}` : ''}${data.mode ? ` mode-${data.mode}` : ''}`}
      data-testid={`node-${id}`}
      data-type={type}
      data-status={status}
      data-mode={data.mode}
      title={spec.description}
    >
      <header className="mnode-head">
        <NodeTitle
          id={id}
          title={custom ?? spec.title}
          typeTitle={spec.title}
          renamed={!!custom && custom !== spec.title}
        />
        {data.mode && (
          <span
            className={`badge badge-${data.mode}`}
            data-testid="node-mode"
            title={
              data.mode === 'bypass'
                ? 'Bypassed: its input passes straight through (Ctrl+B to undo)'
                : 'Muted: it and what needs it do not run (Ctrl+M to undo)'
            }
          >
            {data.mode === 'bypass' ? 'bypassed' : 'muted'}
          </span>
        )}
        {checks.length > 0 && !status && (
          <span className="badge badge-check" title={checks.map((c) => c.message).join('\n')}>
            ⚠ setup
          </span>
        )}
        {status && <span className={`badge badge-${status}`}>{STATUS_LABEL[status]}</span>}
        {spec.category === 'output' && (
          <button
            type="button"
            className={`pin nodrag${data.app?.output ? ' on' : ''}`}
            aria-pressed={!!data.app?.output}
            title={
              data.app?.output
                ? 'Its images show in the App view (click to stop)'
                : 'Show its images in the App view'
            }
            aria-label="App output"
            data-testid="pin-output"
            onClick={() => toggleAppOutput(id)}
          >
            {data.app?.output ? '◆' : '◇'}
          </button>
        )}
      </header>
      <Ports id={id} spec={spec} fieldIssue={fieldIssue} />
      {!compact && stack && (
        <div className="mnode-family" data-testid="node-family">
          {stack.label}
        </div>
      )}
      {!compact && (
        <div className="mnode-params">
          {paramEntries(spec.params)
            .filter(([name, schema]) => showParam(stack, schema, data.params?.[name]))
            .map(([name, schema]) => (
              <ParamField
                key={name}
                nodeId={id}
                name={name}
                schema={schema}
                value={data.params?.[name]}
                invalid={fieldIssue(name)}
                warn={fieldCheck(name)}
                widget={widgetFor(spec.ui, name, schema)}
                pinnable
                exposed={!!data.app?.inputs?.some((x) => x.param === name)}
              />
            ))}
          {spec.ui?.promptTemplates && <TemplatePicker nodeId={id} />}
        </div>
      )}
      {checks.length > 0 && !compact && (
        <ul className="checks" data-testid="node-checks">
          {checks.map((c) => (
            <li key={c.code} data-code={c.code}>
              {c.message}
            </li>
          ))}
        </ul>
      )}
      {/* An input node's output is what the user typed or chose (and already shows): not worth echoing. */}
      <RunView
        run={run}
        showText={!compact && spec.category !== 'input'}
        showImages={spec.category !== 'input'}
      />
      {issues.length > 0 && !compact && (
        <ul className="issues" data-testid="node-issues">
          {issues.map((i, k) => (
            <li key={k}>{i.message}</li>
          ))}
        </ul>
      )}
    </div>
  );
});

/** The detected family of a stack node's model (registry family + component), or null. */
function useStackFamily(
  ref: string | undefined,
  isStack: boolean,
): { family: string | null; component: string | null; label: string } | null {
  const entry = useCatalog((s) =>
    isStack && ref ? s.models.find((m) => m.id === ref || m.name === ref) : undefined,
  );
  if (!isStack || !entry) return null;
  const family = entry.family ?? null;
  const component = entry.metadata?.component ?? null;
  const name = family ? (FAMILY_NEEDS[family]?.label ?? family) : 'unknown family';
  return {
    family,
    component,
    label: `Detected: ${name}${component === 'diffusion_model' ? ' · standalone diffusion model' : component === 'checkpoint' ? ' · full checkpoint' : ''}`,
  };
}

/**
 * Family-aware params (issue 13 §2): guidance / flow shift only for families that use them,
 * text-encoder pickers only for standalone diffusion models whose family takes that role. A param
 * with a value stays visible so nothing set is hidden.
 */
function showParam(
  stack: { family: string | null; component: string | null } | null,
  schema: ParamSchema,
  value: unknown,
): boolean {
  const needs = stack?.family ? FAMILY_NEEDS[stack.family] : undefined;
  if (schema.onlyFor)
    return Boolean(needs && needs[schema.onlyFor as 'distilledGuidance' | 'flow']);
  if (schema.encoderRole) {
    if (typeof value === 'string' && value) return true;
    const role = schema.encoderRole as EncoderRole;
    return (
      stack?.component === 'diffusion_model' &&
      Boolean(needs && (needs.required.includes(role) || needs.optional.includes(role)))
    );
  }
  return true;
}

/**
 * The node's title; double-click to rename it in place (Enter or leaving the field keeps it, Esc
 * cancels). An emptied title falls back to the type's title. The type's title stays visible
 * as a tooltip (and as a subtitle when renamed) so a renamed node still says what it is.
 */
function NodeTitle({
  id,
  title,
  typeTitle,
  renamed,
}: {
  id: string;
  title: string;
  typeTitle: string;
  renamed: boolean;
}) {
  const [editing, setEditing] = useState(false);
  // Chromium blurs an input as it is removed: the flag keeps an Esc from turning into a commit.
  const settled = useRef(false);
  if (editing) {
    const done = (el: HTMLInputElement, keep: boolean) => {
      if (settled.current) return;
      settled.current = true;
      if (keep) setNodeTitle(id, el.value, typeTitle);
      setEditing(false);
    };
    return (
      <input
        className="mnode-title-edit nodrag"
        defaultValue={title}
        autoFocus
        onFocus={(e) => e.currentTarget.select()}
        maxLength={200}
        aria-label="Node title"
        data-testid="node-title-input"
        onBlur={(e) => done(e.currentTarget, true)}
        onKeyDown={(e) => {
          e.stopPropagation();
          if (e.key === 'Enter') done(e.currentTarget, true);
          else if (e.key === 'Escape') done(e.currentTarget, false);
        }}
      />
    );
  }
  const start = () => {
    settled.current = false;
    setEditing(true);
  };
  return (
    <>
      <span
        className="mnode-title"
        onDoubleClick={start}
        title="Double-click to rename"
        data-testid="node-title"
      >
        {title}
      </span>
      {renamed && (
        <span className="mnode-type" title={`A ${typeTitle} node`}>
          {typeTitle}
        </span>
      )}
    </>
  );
}

/**
 * The "show in app" pin of an unconnected text input (issue 20): it wires in a Prompt node whose
 * text is exposed. Only text ports get it, and it hides once the port is wired.
 */
function PortPin({ nodeId, port, label }: { nodeId: string; port: string; label: string }) {
  const wired = useNodeConnections({ handleType: 'target', handleId: port }).length > 0;
  if (wired) return null;
  return (
    <button
      type="button"
      className="pin nodrag"
      aria-label={`Show ${label} in app`}
      title="Show in the App form (adds a Prompt node wired here)"
      data-testid={`pin-port-${port}`}
      onClick={() => exposeInputPort(nodeId, port, label)}
    >
      ◇
    </button>
  );
}

function Ports({
  id,
  spec,
  fieldIssue,
}: {
  id: string;
  spec: NodeSpecJson;
  fieldIssue: (f: string) => string | undefined;
}) {
  const inputs = Object.entries(spec.inputs);
  const outputs = Object.entries(spec.outputs);
  const rows = Math.max(inputs.length, outputs.length);
  return (
    <div className="ports">
      {Array.from({ length: rows }, (_, r) => {
        const inp = inputs[r];
        const out = outputs[r];
        return (
          <div className="port-row" key={r}>
            {inp && (
              <div
                className={`port port-in${fieldIssue(inp[0]) ? ' invalid' : ''}`}
                title={
                  fieldIssue(inp[0]) ?? `${inp[1].type}${inp[1].optional ? ' (optional)' : ''}`
                }
              >
                <Handle
                  type="target"
                  position={Position.Left}
                  id={inp[0]}
                  className={`h h-${inp[1].type}`}
                  style={{ background: portColor(inp[1].type) }}
                  data-port-type={inp[1].type}
                />
                <span>
                  {inp[1].label ?? inp[0]}
                  {inp[1].optional ? '' : ' *'}
                </span>
                {inp[1].type === 'text' && (
                  <PortPin nodeId={id} port={inp[0]} label={inp[1].label ?? inp[0]} />
                )}
              </div>
            )}
            {out && (
              <div className="port port-out" title={out[1].type}>
                <span>{out[1].label ?? out[0]}</span>
                <Handle
                  type="source"
                  position={Position.Right}
                  id={out[0]}
                  className={`h h-${out[1].type}`}
                  style={{ background: portColor(out[1].type) }}
                  data-port-type={out[1].type}
                />
              </div>
            )}
          </div>
        );
      })}
    </div>
  );
}

const SOURCE_LABEL: Record<string, string> = {
  comfyui: 'ComfyUI',
  invokeai: 'InvokeAI',
  a1111: 'A1111',
  swarmui: 'SwarmUI',
};

/**
 * A node whose type this build does not know (an imported workflow, a newer graph). Shown as
 * such, with its params; its wires keep handles so nothing is dropped when the graph is saved.
 */
function Placeholder({
  id,
  type,
  data,
  selected,
}: {
  id: string;
  type: string;
  data: ParamNodeData;
  selected: boolean;
}) {
  // A joined string keeps the selector's result stable between unrelated edits.
  const handles = useGraph((s) =>
    s.edges
      .flatMap((e) =>
        e.target === id
          ? [`in:${e.targetHandle}`]
          : e.source === id
            ? [`out:${e.sourceHandle}`]
            : [],
      )
      .filter((h, i, a) => a.indexOf(h) === i)
      .join('|'),
  );
  const list = handles ? handles.split('|') : [];
  // Importers name foreign types `<source>:<type>` (comfyui:ImageSharpen); show the source apart.
  const colon = type.indexOf(':');
  const source =
    colon > 0 ? (SOURCE_LABEL[type.slice(0, colon)] ?? type.slice(0, colon)) : undefined;
  const name = colon > 0 ? type.slice(colon + 1) : type;
  const params = Object.entries(data.params ?? {});
  return (
    <div
      className={`mnode placeholder${selected ? ' selected' : ''}${data.mode ? ` mode-${data.mode}` : ''}`}
      data-testid={`node-${id}`}
      data-type={type}
      data-mode={data.mode}
      title={type}
    >
      <header className="mnode-head">
        <span className="mnode-title">{name}</span>
        {data.mode && (
          <span className={`badge badge-${data.mode}`} data-testid="node-mode">
            {data.mode === 'bypass' ? 'bypassed' : 'muted'}
          </span>
        )}
        <span className="badge badge-failed">not available</span>
      </header>
      <div className="ports">
        {list.map((h) => {
          const [side, name] = h.split(':') as [string, string];
          return (
            <div className="port-row" key={h}>
              <div className={`port ${side === 'in' ? 'port-in' : 'port-out'}`}>
                {side === 'in' && (
                  <Handle type="target" position={Position.Left} id={name} className="h" />
                )}
                <span>{name}</span>
                {side === 'out' && (
                  <Handle type="source" position={Position.Right} id={name} className="h" />
                )}
              </div>
            </div>
          );
        })}
      </div>
      <p className="placeholder-note">
        {source
          ? `${source} node with no MystiCanvas equivalent.`
          : 'This node type is not available here.'}{' '}
        It is kept with its settings and wires, and cannot run.
      </p>
      {params.length > 0 && (
        <dl className="placeholder-params nowheel">
          {params.map(([k, v]) => (
            <div key={k}>
              <dt>{k}</dt>
              <dd>{typeof v === 'string' ? v : JSON.stringify(v)}</dd>
            </div>
          ))}
        </dl>
      )}
    </div>
  );
}
