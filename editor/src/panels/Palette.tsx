/** The node palette (left): searchable, grouped by category; drag an entry onto the canvas or click it. */
import { useMemo, useState, type DragEvent } from 'react';
import { useReactFlow } from '@xyflow/react';
import { useCatalog, portColor } from '../state/catalog';
import { addNode } from '../graph/ops';
import { searchSpecs } from './search';

export const NODE_MIME = 'application/x-mysti-node';
const CATEGORY_ORDER = ['input', 'text', 'diffusion', 'image', 'output'];

export function Palette() {
  const ordered = useCatalog((s) => s.ordered);
  const error = useCatalog((s) => s.error);
  const [q, setQ] = useState('');
  const flow = useReactFlow();
  const list = useMemo(() => searchSpecs(ordered, q), [ordered, q]);
  const groups = useMemo(() => {
    const m = new Map<string, typeof list>();
    for (const s of list) m.set(s.category, [...(m.get(s.category) ?? []), s]);
    return [...m.entries()].sort(
      (a, b) => CATEGORY_ORDER.indexOf(a[0]) - CATEGORY_ORDER.indexOf(b[0]),
    );
  }, [list]);
  const onDragStart = (e: DragEvent, type: string) => {
    e.dataTransfer.setData(NODE_MIME, type);
    e.dataTransfer.effectAllowed = 'move';
  };
  const addAtCenter = (type: string) => {
    const el = document.querySelector('.react-flow')?.getBoundingClientRect();
    const p = flow.screenToFlowPosition({
      x: (el?.left ?? 0) + (el?.width ?? 800) / 2 - 120,
      y: (el?.top ?? 0) + (el?.height ?? 600) / 2 - 80,
    });
    addNode(type, p);
  };
  return (
    <aside className="palette" data-testid="palette">
      <input
        className="palette-search"
        placeholder="Search nodes…"
        value={q}
        onChange={(e) => setQ(e.target.value)}
        aria-label="Search nodes"
      />
      {error && <p className="palette-error">Cannot load the node catalog: {error}</p>}
      {groups.map(([cat, specs]) => (
        <section key={cat}>
          <h3>{cat}</h3>
          {specs.map((s) => (
            <div
              key={s.type}
              className="palette-item"
              draggable
              data-testid={`palette-${s.type}`}
              onDragStart={(e) => onDragStart(e, s.type)}
              onDoubleClick={() => addAtCenter(s.type)}
              title={`${s.description}\n(drag onto the canvas, or double-click to add)`}
            >
              <span className="palette-title">{s.title}</span>
              <span className="palette-ports">
                {Object.values(s.outputs).map((p, i) => (
                  <i key={i} style={{ background: portColor(p.type) }} />
                ))}
              </span>
            </div>
          ))}
        </section>
      ))}
    </aside>
  );
}
