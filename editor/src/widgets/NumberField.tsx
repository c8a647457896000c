import { useEffect, useState } from 'react';
import type { WidgetProps } from './props';
import { numericBounds } from './schema';

/**
 * A number input (and, with `slider`, a range next to it). The text box keeps what the user
 * types until it parses; out-of-range values are clamped on blur so the param stays valid.
 */
export function NumberField({
  schema,
  value,
  onChange,
  slider,
}: WidgetProps & { slider?: boolean }) {
  const { min, max, integer } = numericBounds(schema);
  const step = schema.step ?? (integer ? 1 : 0.01);
  const v = typeof value === 'number' ? value : Number(schema.default ?? 0);
  const [draft, setDraft] = useState(String(v));
  useEffect(() => setDraft(String(v)), [v]);
  const clamp = (n: number) => {
    let x = integer ? Math.round(n) : n;
    if (min !== undefined) x = Math.max(min, x);
    if (max !== undefined) x = Math.min(max, x);
    return x;
  };
  return (
    <div className="w-number">
      {slider && min !== undefined && max !== undefined && (
        <input
          type="range"
          className="nodrag"
          min={min}
          max={max}
          step={step}
          value={v}
          onChange={(e) => onChange(clamp(Number(e.target.value)))}
        />
      )}
      <input
        type="number"
        className="nodrag"
        min={min}
        max={max}
        step={step}
        value={draft}
        onChange={(e) => {
          setDraft(e.target.value);
          const n = Number(e.target.value);
          if (e.target.value !== '' && Number.isFinite(n) && n === clamp(n)) onChange(n);
        }}
        onBlur={() => {
          const n = Number(draft);
          const x = Number.isFinite(n) && draft !== '' ? clamp(n) : v;
          setDraft(String(x));
          if (x !== v) onChange(x);
        }}
      />
    </div>
  );
}
