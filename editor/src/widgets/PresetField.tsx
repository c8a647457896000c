import { useCatalog } from '../state/catalog';
import type { WidgetProps } from './props';

/**
 * A model-preset picker fed by the catalog's presets (GET /api/presets/image|llm), chosen by the
 * param's `presetKind`; the value is the preset's name, '' = none. A name the runtime does not
 * know stays selected and is marked missing, as ModelField does for models.
 */
export function PresetField({ schema, value, onChange }: WidgetProps) {
  const kind = schema.presetKind === 'llm' ? 'llm' : 'image';
  const list = useCatalog((s) => s.presets[kind]);
  const v = typeof value === 'string' ? value : '';
  const known = v === '' || list.some((p) => p.name === v || p.id === v);
  return (
    <select
      className={`nodrag nowheel${known ? '' : ' missing'}`}
      value={v}
      onChange={(e) => onChange(e.target.value)}
      data-preset-kind={kind}
    >
      <option value="">(none)</option>
      {!known && <option value={v}>{`${v} (missing)`}</option>}
      {list.map((p) => (
        <option key={p.id} value={p.name}>
          {p.name}
        </option>
      ))}
    </select>
  );
}
