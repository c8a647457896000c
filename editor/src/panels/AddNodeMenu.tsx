/**
 * The quick-add search (double-click the canvas, or drop a dragged wire on empty space; ComfyUI's
 * LinkRelease search, InvokeAI's AddNodeCmdk). From a wire it offers only compatible types and
 * wires the new node.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { useCatalog } from '../state/catalog';
import { useUi } from '../state/ui';
import { addNode } from '../graph/ops';
import { compatibleSpecs, searchSpecs } from './search';

export function AddNodeMenu() {
  const req = useUi((s) => s.addMenu);
  const ordered = useCatalog((s) => s.ordered);
  const [q, setQ] = useState('');
  const [active, setActive] = useState(0);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => {
    setQ('');
    setActive(0);
    if (req) setTimeout(() => input.current?.focus(), 0);
  }, [req]);
  const list = useMemo(() => {
    const base = req?.wire ? compatibleSpecs(ordered, req.wire.portType, req.wire.side) : ordered;
    return searchSpecs(base, q);
  }, [ordered, req, q]);
  if (!req) return null;
  const close = () => useUi.setState({ addMenu: undefined });
  const choose = (type: string) => {
    addNode(type, req.flow, req.wire);
    close();
  };
  return (
    <div className="add-menu-backdrop" onMouseDown={close}>
      <div
        className="add-menu"
        style={{ left: req.screen.x, top: req.screen.y }}
        onMouseDown={(e) => e.stopPropagation()}
        data-testid="add-menu"
      >
        <input
          ref={input}
          value={q}
          placeholder={req.wire ? `Nodes that take ${req.wire.portType}…` : 'Add node…'}
          onChange={(e) => {
            setQ(e.target.value);
            setActive(0);
          }}
          onKeyDown={(e) => {
            if (e.key === 'Escape') close();
            else if (e.key === 'ArrowDown') setActive((a) => Math.min(list.length - 1, a + 1));
            else if (e.key === 'ArrowUp') setActive((a) => Math.max(0, a - 1));
            else if (e.key === 'Enter' && list[active]) choose(list[active]!.type);
            e.stopPropagation();
          }}
        />
        <ul>
          {list.map((s, i) => (
            <li
              key={s.type}
              className={i === active ? 'active' : undefined}
              onMouseEnter={() => setActive(i)}
              onClick={() => choose(s.type)}
              data-testid={`add-${s.type}`}
            >
              <b>{s.title}</b> <small>{s.category}</small>
            </li>
          ))}
          {!list.length && <li className="empty">No matching node types</li>}
        </ul>
      </div>
    </div>
  );
}
