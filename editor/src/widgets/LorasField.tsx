import { useCatalog } from '../state/catalog';
import type { WidgetProps } from './props';

interface Lora {
  name: string;
  weight: number;
}

/** A list of LoRAs `{name, weight}` (applied as `<lora:name:weight>`, sdcpp.md §1.5). */
export function LorasField({ value, onChange }: WidgetProps) {
  const list: Lora[] = Array.isArray(value) ? (value as Lora[]) : [];
  const loras = useCatalog((s) => s.models).filter((m) => m.kind === 'lora');
  const set = (i: number, patch: Partial<Lora>) =>
    onChange(list.map((l, j) => (j === i ? { ...l, ...patch } : l)));
  return (
    <div className="w-loras">
      {list.map((l, i) => (
        <div className="w-lora" key={i}>
          <select
            className="nodrag nowheel"
            value={l.name}
            onChange={(e) => set(i, { name: e.target.value })}
          >
            {!loras.some((m) => m.id === l.name || m.name === l.name) && (
              <option value={l.name}>{l.name || '(choose)'}</option>
            )}
            {loras.map((m) => (
              <option key={m.id} value={m.id}>
                {m.name}
              </option>
            ))}
          </select>
          <input
            type="number"
            className="nodrag"
            step={0.05}
            min={-10}
            max={10}
            value={l.weight}
            onChange={(e) => set(i, { weight: Number(e.target.value) })}
          />
          <button
            type="button"
            className="nodrag icon"
            title="Remove"
            onClick={() => onChange(list.filter((_, j) => j !== i))}
          >
            ×
          </button>
        </div>
      ))}
      <button
        type="button"
        className="nodrag small"
        onClick={() => onChange([...list, { name: loras[0]?.id ?? '', weight: 1 }])}
      >
        + LoRA
      </button>
    </div>
  );
}
