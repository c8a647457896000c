/**
 * A small inline text field that replaces the browser's prompt() dialog for gallery actions
 * (tag the selection, name a collection): a button that turns into `[input] [OK] [✕]` in place.
 * Enter or OK submits the trimmed text (empty does nothing); Esc, ✕ or leaving the field cancels.
 * The gallery's capture-phase key handler blurs a field on Esc, so cancelling is done on blur.
 */
import { useEffect, useRef, useState, type FocusEvent } from 'react';

export interface InlineInputProps {
  /** The button's label while closed, e.g. "Tag…". */
  label: string;
  /** Placeholder of the open field, e.g. "tags, comma-separated". */
  placeholder: string;
  /** Called with the trimmed, non-empty text; the field closes first. */
  onSubmit: (text: string) => void;
  /** data-testid prefix: `${testId}` for the button, `${testId}-input` / `-ok` for the open field. */
  testId: string;
  className?: string;
  title?: string;
}

export function InlineInput({
  label,
  placeholder,
  onSubmit,
  testId,
  className,
  title,
}: InlineInputProps) {
  const [open, setOpen] = useState(false);
  const [text, setText] = useState('');
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (open) input.current?.focus();
  }, [open]);

  const close = () => {
    setOpen(false);
    setText('');
  };
  const submit = () => {
    const v = text.trim();
    close();
    if (v) onSubmit(v);
  };
  // Leaving the whole form (not moving to its own OK button) cancels.
  const onBlur = (e: FocusEvent<HTMLFormElement>) => {
    if (!e.currentTarget.contains(e.relatedTarget as Node | null)) close();
  };

  if (!open) {
    return (
      <button
        type="button"
        className={className}
        title={title}
        onClick={() => setOpen(true)}
        data-testid={testId}
      >
        {label}
      </button>
    );
  }
  return (
    <form
      className={`gal-inline ${className ?? ''}`}
      onSubmit={(e) => (e.preventDefault(), submit())}
      onBlur={onBlur}
    >
      <input
        ref={input}
        value={text}
        onChange={(e) => setText(e.target.value)}
        placeholder={placeholder}
        aria-label={placeholder}
        data-testid={`${testId}-input`}
      />
      <button type="submit" disabled={!text.trim()} data-testid={`${testId}-ok`}>
        OK
      </button>
      <button type="button" aria-label="Cancel" onClick={close}>
        ✕
      </button>
    </form>
  );
}
