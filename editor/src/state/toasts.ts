/** Transient notifications (bottom right): refusals, arbiter decisions, alerts, errors. */
import { create } from 'zustand';

export type ToastKind = 'info' | 'success' | 'warning' | 'error';

export interface Toast {
  id: number;
  kind: ToastKind;
  message: string;
}

export const useToasts = create<{ toasts: Toast[] }>(() => ({ toasts: [] }));

let counter = 0;
const MAX_TOASTS = 6;

/** Shows a toast for `ms` milliseconds (errors stay twice as long). Returns its id. */
export function toast(message: string, kind: ToastKind = 'info', ms = 4000): number {
  const id = ++counter;
  useToasts.setState((s) => ({ toasts: [...s.toasts, { id, kind, message }].slice(-MAX_TOASTS) }));
  setTimeout(() => dismiss(id), kind === 'error' ? ms * 2 : ms);
  return id;
}

export function dismiss(id: number): void {
  useToasts.setState((s) => ({ toasts: s.toasts.filter((t) => t.id !== id) }));
}
