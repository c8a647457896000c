/**
 * The subset of a param's JSON Schema the widgets read: zod's `toJSONSchema` output with the UI
 * hints of nodes/core/define-node.ts (`widget`, `step`, `modelKind`, `labels`, `label`) inlined.
 */
export interface ParamSchema {
  type?: string | string[];
  widget?: string;
  step?: number;
  modelKind?: string;
  /** Stack role of a text-encoder picker (nodes/diffusion/families.ts). */
  encoderRole?: string;
  /** Shown only for families with this flag (`distilledGuidance`, `flow`). */
  onlyFor?: string;
  /** Folded group of the node's panel (`Inpainting`, `ControlNet`, `Reference`, `Hires fix`). */
  group?: string;
  presetKind?: string;
  labels?: Record<string, string>;
  label?: string;
  description?: string;
  minimum?: number;
  maximum?: number;
  maxLength?: number;
  enum?: unknown[];
  default?: unknown;
  anyOf?: ParamSchema[];
  items?: ParamSchema;
}

/** The params of a node spec's JSON Schema, in declaration order. */
export function paramEntries(schema: Record<string, unknown> | undefined): [string, ParamSchema][] {
  const props = (schema?.properties ?? {}) as Record<string, ParamSchema>;
  return Object.entries(props);
}

/** Which widget renders a param: the explicit hint, else inferred from the schema. */
export function widgetOf(s: ParamSchema): string {
  if (s.widget) return s.widget;
  if (s.enum) return 'select';
  if (s.type === 'boolean') return 'toggle';
  if (s.type === 'integer' || s.type === 'number') return 'number';
  if (s.type === 'array') return 'json';
  return 'text';
}

/**
 * The widget of param `name` of a node whose declaration gives `ui` (NodeSpec.ui.widgets: e.g.
 * Load image's `source`, declared as text, gets the gallery picker with the text as fallback),
 * else the param's own hint.
 */
export function widgetFor(
  ui: { widgets?: Record<string, string> } | undefined,
  name: string,
  s: ParamSchema,
): string {
  return ui?.widgets?.[name] ?? widgetOf(s);
}

/** Bounds of a numeric param, also when it sits inside an anyOf (seed). */
export function numericBounds(s: ParamSchema): { min?: number; max?: number; integer: boolean } {
  const num =
    s.type === 'integer' || s.type === 'number'
      ? s
      : s.anyOf?.find((a) => a.type === 'integer' || a.type === 'number');
  return { min: num?.minimum, max: num?.maximum, integer: num?.type === 'integer' };
}

export const labelOf = (name: string, s: ParamSchema) => s.label ?? name;

/**
 * A node's params split for its panel: the ungrouped ones in declaration order, then each group
 * (by its first param's position) with its params. Params keep their schema's `group` hint.
 */
export function paramGroups(entries: [string, ParamSchema][]): {
  ungrouped: [string, ParamSchema][];
  groups: { name: string; params: [string, ParamSchema][] }[];
} {
  const ungrouped: [string, ParamSchema][] = [];
  const groups: { name: string; params: [string, ParamSchema][] }[] = [];
  for (const e of entries) {
    const g = e[1].group;
    if (!g) {
      ungrouped.push(e);
      continue;
    }
    let group = groups.find((x) => x.name === g);
    if (!group) groups.push((group = { name: g, params: [] }));
    group.params.push(e);
  }
  return { ungrouped, groups };
}
