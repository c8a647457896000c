import { useState } from 'react';
import { api } from '../api/client';
import { loadTemplates, useCatalog } from '../state/catalog';
import { useGraph } from '../state/graph';
import { applyPromptTemplate, negativePartner } from '../graph/ops';
import { toast } from '../state/toasts';
import type { ParamNodeData } from '../graph/types';

const textOf = (id: string | undefined) => {
  const n = id ? useGraph.getState().nodes.find((x) => x.id === id) : undefined;
  const t = (n?.data as ParamNodeData | undefined)?.params?.text;
  return typeof t === 'string' ? t : '';
};

/**
 * The prompt node's "styles / templates" picker (A1111 styles, InvokeAI style presets), fed by
 * GET /api/prompt-templates. Choosing one fills it with the node's text through
 * POST /api/prompt-templates/:id/apply and writes the result back as one undo step; the
 * template's negative part goes to the negative prompt node wired next to this one, if any.
 */
export function TemplatePicker({ nodeId }: { nodeId: string }) {
  const templates = useCatalog((s) => s.templates);
  const [busy, setBusy] = useState(false);
  // No styles saved: no picker (one less control on every prompt node); they come from the gallery's prompt templates.
  if (!templates.length) return null;
  const groups = new Map<string, (typeof templates)[number][]>();
  for (const t of templates) {
    const k = t.category ?? '';
    groups.set(k, [...(groups.get(k) ?? []), t]);
  }
  const apply = async (id: number) => {
    const t = templates.find((x) => x.id === id);
    if (!t) return;
    const partner = negativePartner(nodeId);
    setBusy(true);
    try {
      const r = await api.applyTemplate(id, textOf(nodeId), textOf(partner));
      applyPromptTemplate(nodeId, t.name, r, partner);
      toast(
        `Applied the style “${t.name}”${partner && t.negativePrompt ? ' (and its negative prompt)' : ''}. Ctrl+Z undoes it.`,
        'success',
        2500,
      );
    } catch (e) {
      toast(`Cannot apply the style: ${(e as Error).message}`, 'error');
    } finally {
      setBusy(false);
    }
  };
  const option = (t: (typeof templates)[number]) => (
    <option key={t.id} value={t.id} title={t.prompt}>
      {t.name}
    </option>
  );
  return (
    <div className="w-templates">
      <select
        className="nodrag nowheel"
        value=""
        disabled={busy}
        // Templates may have been added in another tab since the boot-time load.
        onMouseDown={() => void loadTemplates()}
        onChange={(e) => e.target.value && void apply(Number(e.target.value))}
        aria-label="Apply a style or prompt template"
        data-testid="style-picker"
      >
        <option value="">✦ Apply a style…</option>
        {[...groups].map(([cat, list]) =>
          cat ? (
            <optgroup key={cat} label={cat}>
              {list.map(option)}
            </optgroup>
          ) : (
            list.map(option)
          ),
        )}
      </select>
    </div>
  );
}
