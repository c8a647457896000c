/**
 * Default LLM settings (issue 3): prompts and the tag taxonomy live in config.json's `llm`
 * section; these are the values used where config.json is silent. The runtime's config loader
 * merges config.json's `llm` over {@link DEFAULT_LLM_CONFIG} (see {@link mergeLlmConfig}).
 */

export interface LlmConfig {
  /** Context size (tokens) requested from the worker; capped to the model's trained context. */
  contextSize: number;
  enhance: {
    system: string;
    /** User message template; `{{prompt}}` is replaced with the incoming prompt. */
    template: string;
  };
  tagging: {
    system: string;
  };
  /** Tag categories the tagger must choose from. */
  taxonomy: string[];
}

export const DEFAULT_LLM_CONFIG: LlmConfig = {
  contextSize: 2048,
  enhance: {
    system:
      "You are an expert prompt writer for text-to-image diffusion models. Rewrite the user's idea into one vivid, " +
      'concrete image prompt: name the subject, setting, style or medium, lighting, colour palette, composition and mood. ' +
      "Keep the user's intent; add no text, watermark or signature. Answer with the prompt only, as comma-separated phrases, " +
      'under 75 words, with no preamble or quotes.',
    template: 'Idea: {{prompt}}\nImage prompt:',
  },
  tagging: {
    system:
      'You tag images for a searchable gallery. From the description, give short tags (one to three words, lower case, ' +
      'singular nouns where possible), each with one category and a confidence between 0 and 1. Prefer concrete, ' +
      'visible things; do not repeat a tag.',
  },
  taxonomy: ['subject', 'style', 'medium', 'lighting', 'colour', 'composition', 'mood'],
};

/** Fills `{{prompt}}` (every occurrence); a template without the placeholder gets the prompt appended. */
export function fillTemplate(template: string, prompt: string): string {
  return template.includes('{{prompt}}')
    ? template.replaceAll('{{prompt}}', prompt)
    : `${template}\n${prompt}`;
}

/**
 * Merges a (partial, untrusted) `llm` section of config.json over the defaults. Wrong-typed
 * values are ignored field by field rather than failing the whole section.
 */
export function mergeLlmConfig(raw: unknown): LlmConfig {
  const d = DEFAULT_LLM_CONFIG;
  const o = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  const obj = (v: unknown) => (v && typeof v === 'object' ? (v as Record<string, unknown>) : {});
  const str = (v: unknown, fb: string) => (typeof v === 'string' && v.trim() ? v : fb);
  const enhance = obj(o.enhance);
  const tagging = obj(o.tagging);
  const taxonomy = Array.isArray(o.taxonomy)
    ? o.taxonomy
        .filter((t): t is string => typeof t === 'string' && t.trim() !== '')
        .map((t) => t.trim())
    : [];
  const cs = Number(o.contextSize);
  return {
    contextSize: Number.isInteger(cs) && cs >= 64 ? cs : d.contextSize,
    enhance: {
      system: str(enhance.system, d.enhance.system),
      template: str(enhance.template, d.enhance.template),
    },
    tagging: { system: str(tagging.system, d.tagging.system) },
    taxonomy: taxonomy.length ? [...new Set(taxonomy)] : [...d.taxonomy],
  };
}
