import type { WidgetProps } from './props';

export function ToggleField({ value, onChange }: WidgetProps) {
  return (
    <input
      type="checkbox"
      className="nodrag"
      checked={value === true}
      onChange={(e) => onChange(e.target.checked)}
    />
  );
}
