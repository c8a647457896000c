import { dismiss, useToasts } from '../state/toasts';

export function Toasts() {
  const toasts = useToasts((s) => s.toasts);
  return (
    <div className="toasts" role="status" aria-live="polite">
      {toasts.map((t) => (
        <div
          key={t.id}
          className={`toast toast-${t.kind}`}
          onClick={() => dismiss(t.id)}
          data-testid="toast"
        >
          {t.message}
        </div>
      ))}
    </div>
  );
}
