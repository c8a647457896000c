import { useCatalog } from '../state/catalog';
import type { WidgetProps } from './props';

/** Registry kinds (runtime/store/models.ts ModelKind) in the words the picker shows. */
const KIND_WORD: Record<string, string> = { sd: 'image', llm: 'language', text_encoder: 'text encoder', vae: 'VAE', taesd: 'TAESD', lora: 'LoRA' };

/**
 * A model picker fed by GET /api/models, filtered by the param's `modelKind`. A value the registry
 * does not know (a graph from another machine) stays selected and is marked missing rather than
 * silently replaced (ComfyUI_frontend #13051).
 */
export function ModelField({ schema, value, onChange }: WidgetProps) {
  const kind = schema.modelKind;
  const models = useCatalog((s) => s.models);
  const list = models.filter((m) => !kind || m.kind === kind);
  const v = typeof value === 'string' ? value : '';
  const known = v === '' || list.some((m) => m.id === v || m.name === v);
  return (
    <select className={`nodrag nowheel${known ? '' : ' missing'}`} value={v} onChange={(e) => onChange(e.target.value)} data-model-kind={kind}>
      <option value="">{list.length ? '(none)' : `(no ${KIND_WORD[kind ?? ''] ?? kind ?? ''} models)`}</option>
      {!known && <option value={v}>{`${v} (missing)`}</option>}
      {list.map((m) => (
        <option key={m.id} value={m.id}>
          {m.name}
        </option>
      ))}
    </select>
  );
}
