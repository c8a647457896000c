import { useCatalog } from '../state/catalog';
import { encoderRole } from '../../../nodes/diffusion/families';
import type { WidgetProps } from './props';

/** Registry kinds (runtime/store/models.ts ModelKind) in the words the picker shows. */
const KIND_WORD: Record<string, string> = {
  sd: 'image',
  llm: 'language',
  text_encoder: 'text encoder',
  vae: 'VAE',
  taesd: 'TAESD',
  lora: 'LoRA',
};

/**
 * A model picker fed by GET /api/models, filtered by the param's `modelKind`. A value the registry
 * does not know (a graph from another machine) stays selected and is marked missing rather than
 * silently replaced (ComfyUI_frontend #13051).
 */
export function ModelField({ schema, value, onChange }: WidgetProps) {
  const kind = schema.modelKind;
  const role = schema.encoderRole as string | undefined;
  const models = useCatalog((s) => s.models);
  // Text-encoder pickers list only files of their role (CLIP-L, CLIP-G, T5-XXL, LLM; families.ts);
  // a text encoder whose family the header did not tell stays listed so it can still be chosen.
  const list = models.filter((m) =>
    role
      ? (m.kind === 'text_encoder' || m.kind === 'llm') &&
        (encoderRole(m.family) === role || (m.kind === 'text_encoder' && !m.family))
      : !kind || m.kind === kind,
  );
  const v = typeof value === 'string' ? value : '';
  const known = v === '' || list.some((m) => m.id === v || m.name === v);
  return (
    <select
      className={`nodrag nowheel${known ? '' : ' missing'}`}
      value={v}
      onChange={(e) => onChange(e.target.value)}
      data-model-kind={kind}
    >
      <option value="">
        {list.length ? '(none)' : `(no ${KIND_WORD[kind ?? ''] ?? kind ?? ''} models)`}
      </option>
      {!known && <option value={v}>{`${v} (missing)`}</option>}
      {list.map((m) => (
        <option key={m.id} value={m.id}>
          {m.name}
        </option>
      ))}
    </select>
  );
}
