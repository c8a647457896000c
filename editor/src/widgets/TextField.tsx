import type { WidgetProps } from './props';

/** Single-line text, or a multi-line prompt box with `multiline`. */
export function TextField({
  name,
  schema,
  value,
  onChange,
  multiline,
}: WidgetProps & { multiline?: boolean }) {
  const v = typeof value === 'string' ? value : String(value ?? '');
  if (multiline) {
    return (
      <textarea
        className="nodrag nowheel"
        rows={4}
        value={v}
        maxLength={schema.maxLength}
        placeholder={schema.description ?? (name === 'text' ? 'Write your prompt here…' : name)}
        spellCheck={false}
        onChange={(e) => onChange(e.target.value)}
      />
    );
  }
  return (
    <input
      type="text"
      className="nodrag"
      value={v}
      maxLength={schema.maxLength}
      placeholder={schema.description ?? ''}
      onChange={(e) => onChange(e.target.value)}
    />
  );
}
