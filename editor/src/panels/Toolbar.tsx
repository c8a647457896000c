/** The top bar: workflow name with the unsaved-changes dot, file actions, undo/redo, arrange, Run. */
import { useReactFlow } from '@xyflow/react';
import { useRef } from 'react';
import { useGraph, undo, redo } from '../state/graph';
import { useUi } from '../state/ui';
import { useRuns } from '../state/runs';
import { rename } from '../graph/ops';
import { exportJson, importFile, newGraph, save } from '../graph/io';
import { runGraph } from '../queue/run';
import { arrangeWithToast } from '../actions';
import { VramIndicator } from './VramIndicator';
import { useSettingsOpen } from './SettingsDialog';

export function Toolbar() {
  const name = useGraph((s) => s.head.name);
  const dirty = useGraph((s) => s.dirty);
  const canUndo = useGraph((s) => s.canUndo);
  const canRedo = useGraph((s) => s.canRedo);
  const issueCount = useUi((s) => s.issueCount);
  const connected = useRuns((s) => s.connected);
  const file = useRef<HTMLInputElement>(null);
  const flow = useReactFlow();
  return (
    <header className="toolbar">
      <span className="brand">MystiCanvas</span>
      <input
        className="graph-name"
        value={name}
        onChange={(e) => rename(e.target.value)}
        aria-label="Workflow name"
        data-testid="graph-name"
      />
      <span
        className={`dirty-dot${dirty ? ' on' : ''}`}
        title={dirty ? 'Unsaved changes' : 'Saved'}
        data-testid="dirty"
      >
        {dirty ? '●' : ''}
      </span>
      <button onClick={() => newGraph()} title="New empty graph">
        New
      </button>
      <button
        onClick={() => useUi.setState({ workflows: true })}
        title="Open a saved workflow (Ctrl+O)"
      >
        Open
      </button>
      <button onClick={() => void save()} title="Save (Ctrl+S)" data-testid="save">
        Save
      </button>
      <button
        onClick={() => file.current?.click()}
        title="Import a workflow JSON, or a PNG, JPEG or WebP with an embedded workflow (A1111 parameters, ComfyUI, …)"
      >
        Import
      </button>
      <input
        ref={file}
        type="file"
        accept=".json,application/json,image/png,image/jpeg,image/webp,.jpg,.jpeg,.webp"
        hidden
        onChange={(e) => {
          const f = e.target.files?.[0];
          if (f) void importFile(f);
          e.target.value = '';
        }}
      />
      <button onClick={exportJson} title="Download the graph as JSON">
        Export
      </button>
      <span className="sep" />
      <button onClick={() => undo()} disabled={!canUndo} title="Undo (Ctrl+Z)" data-testid="undo">
        ↶
      </button>
      <button
        onClick={() => redo()}
        disabled={!canRedo}
        title="Redo (Ctrl+Shift+Z)"
        data-testid="redo"
      >
        ↷
      </button>
      <button onClick={() => void arrangeWithToast()} title="Auto-arrange (L)">
        Arrange
      </button>
      <button onClick={() => flow.fitView({ padding: 0.2, duration: 200 })} title="Fit view (F)">
        Fit
      </button>
      <span className="sep" />
      {issueCount > 0 && (
        <button
          className="issues-count"
          onClick={() => useUi.setState({ liveValidation: true })}
          title="Show problems on the canvas"
          data-testid="issue-count"
        >
          ⚠ {issueCount}
        </button>
      )}
      <span className="grow" />
      <VramIndicator />
      <span
        className={`conn${connected ? ' on' : ''}`}
        title={connected ? 'Connected to the runtime' : 'Reconnecting…'}
        data-testid="ws-status"
        data-connected={connected}
      />
      <button
        onClick={() => useSettingsOpen.setState({ open: true })}
        title="Settings"
        aria-label="Settings"
        data-testid="open-settings"
      >
        ⚙
      </button>
      <button onClick={() => useUi.setState({ help: true })} title="Keyboard shortcuts (?)">
        ?
      </button>
      <button
        className="run"
        onClick={() => void runGraph()}
        title="Queue this graph (Ctrl+Enter)"
        data-testid="run"
      >
        ▶ Run
      </button>
    </header>
  );
}
