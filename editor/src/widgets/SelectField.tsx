import type { WidgetProps } from './props';

/** An enum param as a select; option text from the `labels` hint when present. */
export function SelectField({ schema, value, onChange }: WidgetProps) {
  const options = (schema.enum ?? []).map(String);
  return (
    <select
      className="nodrag nowheel"
      value={String(value ?? schema.default ?? '')}
      onChange={(e) => onChange(e.target.value)}
    >
      {options.map((o) => (
        <option key={o} value={o}>
          {schema.labels?.[o] ?? o}
        </option>
      ))}
    </select>
  );
}
