/**
 * The node menu (right-click a node): bypass and mute (issue 15 §1), and — as they land — the
 * other per-node actions. It acts on the node it was opened on, or on the whole selection when
 * that node is part of it (like ComfyUI's canvas menu). Closes on Esc, a click elsewhere, or
 * after an action.
 */
import { useEffect, useRef } from 'react';
import { create } from 'zustand';
import type { NodeMode } from '../../../nodes/index';
import { useGraph } from '../state/graph';
import { toggleMode } from '../graph/modes';
import type { ParamNodeData } from '../graph/types';
import './node-modes.css';

/** An extra entry other features add to the menu (run to here, …). */
export interface NodeMenuItem {
  id: string;
  label: string;
  hint?: string;
  run(nodeIds: string[]): void;
}

interface MenuState {
  open?: { nodeId: string; x: number; y: number };
}

/** The open menu (screen px position and the node it belongs to). */
export const useNodeMenu = create<MenuState>(() => ({}));

const extraItems: NodeMenuItem[] = [];
/** Registers an entry shown under bypass/mute (module load time; order kept). */
export function addNodeMenuItem(item: NodeMenuItem): void {
  if (!extraItems.some((x) => x.id === item.id)) extraItems.push(item);
}

/** Opens the menu for `nodeId` at screen point (x, y). */
export function openNodeMenu(nodeId: string, x: number, y: number): void {
  useNodeMenu.setState({ open: { nodeId, x, y } });
}

const close = () => useNodeMenu.setState({ open: undefined });

/** The nodes the menu acts on: the selection when it contains the node, else the node alone. */
function subject(nodeId: string): string[] {
  const { nodes } = useGraph.getState();
  const me = nodes.find((n) => n.id === nodeId);
  if (me?.selected) return nodes.filter((n) => n.selected).map((n) => n.id);
  return [nodeId];
}

export function NodeMenu() {
  const open = useNodeMenu((s) => s.open);
  const mode = useGraph((s) =>
    open
      ? (s.nodes.find((n) => n.id === open.nodeId)?.data as ParamNodeData | undefined)?.mode
      : undefined,
  );
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!open) return;
    const onDown = (e: PointerEvent) => {
      if (!ref.current?.contains(e.target as Node)) close();
    };
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') close();
    };
    window.addEventListener('pointerdown', onDown, true);
    window.addEventListener('keydown', onKey);
    return () => {
      window.removeEventListener('pointerdown', onDown, true);
      window.removeEventListener('keydown', onKey);
    };
  }, [open]);
  if (!open) return null;
  const act = (m: NodeMode) => {
    toggleMode(m, subject(open.nodeId));
    close();
  };
  return (
    <div
      ref={ref}
      className="node-menu"
      role="menu"
      data-testid="node-menu"
      style={{ left: open.x, top: open.y }}
      onContextMenu={(e) => e.preventDefault()}
    >
      <button
        type="button"
        role="menuitemcheckbox"
        aria-checked={mode === 'bypass'}
        data-testid="node-menu-bypass"
        onClick={() => act('bypass')}
      >
        <span>{mode === 'bypass' ? '✓ ' : ''}Bypass</span>
        <kbd>Ctrl+B</kbd>
      </button>
      <button
        type="button"
        role="menuitemcheckbox"
        aria-checked={mode === 'mute'}
        data-testid="node-menu-mute"
        onClick={() => act('mute')}
      >
        <span>{mode === 'mute' ? '✓ ' : ''}Mute</span>
        <kbd>Ctrl+M</kbd>
      </button>
      {extraItems.map((item) => (
        <button
          key={item.id}
          type="button"
          role="menuitem"
          data-testid={`node-menu-${item.id}`}
          onClick={() => {
            const ids = subject(open.nodeId);
            close();
            item.run(ids);
          }}
        >
          <span>{item.label}</span>
          {item.hint && <kbd>{item.hint}</kbd>}
        </button>
      ))}
    </div>
  );
}
