/**
 * Global shortcuts (listed in the help overlay from {@link SHORTCUTS}) and clipboard handling.
 * Keys typed into a field stay with the field (its own undo, its own copy/paste). Copy/paste use
 * the browser's copy/paste events, so the clipboard carries graph JSON across tabs without any
 * clipboard permission prompt.
 */
import type { ReactFlowInstance } from '@xyflow/react';
import { redo, undo, useGraph, setTransient } from './state/graph';
import { useUi } from './state/ui';
import { toast } from './state/toasts';
import { deleteSelection, addNote, addGroup } from './graph/ops';
import { duplicateSelection, parseClipboard, pasteDoc, selectionDoc } from './graph/clipboard';
import { save } from './graph/io';
import { runGraph } from './queue/run';
import { arrangeWithToast } from './actions';
import { toggleMode } from './graph/modes';
import { saveAs } from './panels/library-api';
import { useApp } from './app/state';
import { toggleAssistant } from './assistant/state';
import { runApp } from './app/run';

export const SHORTCUTS: [string, string][] = [
  ['Double-click canvas', 'Search and add a node'],
  ['Drag a wire to empty space', 'Add a compatible node, wired'],
  ['Double-click a node title', 'Rename the node (Enter keeps, Esc cancels)'],
  ['Shift + drag', 'Box select'],
  ['Ctrl/Shift + click', 'Add to selection'],
  ['Ctrl + A', 'Select all'],
  ['Delete / Backspace', 'Delete selection'],
  ['Ctrl + C / Ctrl + V', 'Copy / paste (graph JSON, works across tabs)'],
  ['Ctrl + D', 'Duplicate selection'],
  ['Ctrl + Z', 'Undo'],
  ['Ctrl + Shift + Z / Ctrl + Y', 'Redo'],
  ['Ctrl + Enter', 'Run (in the App view: Run ×N)'],
  ['Ctrl + S', 'Save'],
  ['Ctrl + Shift + S', 'Save as a new workflow'],
  ['Ctrl + O', 'Open a saved workflow'],
  ['L', 'Auto-arrange (selection or all)'],
  ['F', 'Fit view'],
  ['N', 'Add a note'],
  ['Ctrl + G', 'Group the selection'],
  ['Ctrl + B', 'Bypass the selected nodes (their input passes through)'],
  ['Ctrl + M', 'Mute the selected nodes (they and what needs them do not run)'],
  ['Right-click a node', 'Node menu (bypass, mute, …)'],
  ['?', 'This help'],
  ['Esc', 'Close dialogs, clear selection'],
];

const typing = (t: EventTarget | null) => {
  const el = t as HTMLElement | null;
  return (
    !!el &&
    (el.tagName === 'INPUT' ||
      el.tagName === 'TEXTAREA' ||
      el.tagName === 'SELECT' ||
      el.isContentEditable)
  );
};

let pointer = { x: 0, y: 0 };

/** Installs the listeners; returns the uninstall function. */
export function installShortcuts(flow: ReactFlowInstance): () => void {
  const center = () => flow.screenToFlowPosition(pointer);
  const onMove = (e: PointerEvent) => {
    pointer = { x: e.clientX, y: e.clientY };
  };
  const onKey = (e: KeyboardEvent) => {
    const mod = e.ctrlKey || e.metaKey;
    const k = e.key.toLowerCase();
    // The mask painter has its own keys (undo/redo of strokes, Esc): none of the graph's apply.
    if (useUi.getState().maskPainter) return;
    if (k === 'escape') {
      const ui = useUi.getState();
      const dialog = ui.addMenu || ui.help || ui.workflows || ui.imagePicker || ui.dropChoice;
      useUi.setState({
        addMenu: undefined,
        help: false,
        workflows: false,
        imagePicker: undefined,
        dropChoice: undefined,
      });
      if (!dialog && !typing(e.target)) {
        const s = useGraph.getState();
        if (s.nodes.some((n) => n.selected) || s.edges.some((x) => x.selected)) {
          setTransient({
            nodes: s.nodes.map((n) => (n.selected ? { ...n, selected: false } : n)),
            edges: s.edges.map((x) => (x.selected ? { ...x, selected: false } : x)),
          });
        }
      }
      return;
    }
    if (mod && k === 'i') {
      // The assistant's chat drawer (issue 16); also from its own text box.
      e.preventDefault();
      toggleAssistant();
      return;
    }
    if (mod && k === 's') {
      e.preventDefault();
      if (e.shiftKey) void saveAs();
      else void save();
      return;
    }
    if (mod && k === 'enter') {
      e.preventDefault();
      // In the App view Ctrl+Enter is the form's Run ×N.
      if (useApp.getState().open) void runApp();
      else void runGraph();
      return;
    }
    if (typing(e.target) || useUi.getState().addMenu) return;
    if (mod && k === 'z') {
      e.preventDefault();
      if (e.shiftKey) redo();
      else undo();
    } else if (mod && k === 'y') {
      e.preventDefault();
      redo();
    } else if (mod && k === 'd' && !useApp.getState().open) {
      e.preventDefault();
      duplicateSelection();
    } else if (mod && k === 'a') {
      e.preventDefault();
      const s = useGraph.getState();
      setTransient({ nodes: s.nodes.map((n) => (n.selected ? n : { ...n, selected: true })) });
    } else if (mod && k === 'o') {
      e.preventDefault();
      useUi.setState({ workflows: true });
    } else if (mod && k === 'g') {
      e.preventDefault();
      addGroup(center());
    } else if (mod && (k === 'b' || k === 'm') && !useApp.getState().open) {
      e.preventDefault();
      toggleMode(k === 'b' ? 'bypass' : 'mute');
    } else if (mod || useApp.getState().open) {
      // The App view shows no canvas: its single-key shortcuts (Delete, L, F, N) would act unseen.
      return;
    } else if (k === 'delete' || k === 'backspace') {
      e.preventDefault();
      deleteSelection();
    } else if (k === 'l') {
      void arrangeWithToast();
    } else if (k === 'f') {
      void flow.fitView({ padding: 0.2, duration: 200 });
    } else if (k === 'n') {
      addNote(center());
    } else if (e.key === '?') {
      useUi.setState((s) => ({ help: !s.help }));
    }
  };
  const onCopy = (e: ClipboardEvent) => {
    if (typing(e.target) || !e.clipboardData) return;
    const doc = selectionDoc();
    if (!doc) return;
    e.clipboardData.setData('text/plain', JSON.stringify(doc));
    e.preventDefault();
    toast(
      `Copied ${doc.nodes.length + ((doc.meta?.annotations as unknown[]) ?? []).length} node(s)`,
      'info',
      1500,
    );
  };
  const onPaste = (e: ClipboardEvent) => {
    if (typing(e.target) || !e.clipboardData) return;
    const doc = parseClipboard(e.clipboardData.getData('text/plain'));
    if (!doc) return;
    e.preventDefault();
    pasteDoc(doc, center());
  };
  window.addEventListener('keydown', onKey);
  window.addEventListener('pointermove', onMove);
  document.addEventListener('copy', onCopy);
  document.addEventListener('paste', onPaste);
  return () => {
    window.removeEventListener('keydown', onKey);
    window.removeEventListener('pointermove', onMove);
    document.removeEventListener('copy', onCopy);
    document.removeEventListener('paste', onPaste);
  };
}
