/**
 * `assistant` in config.json (issue 16 §4):
 * `{"assistant": {"model": "<llm registry id or file>", "contextSize"?, "maxToolCalls"?,
 *   "turnTimeoutS"?, "decisionTimeoutS"?, "toolChoice"?: "auto"|"required", "toolDocs"?:
 *   "full"|"brief"|"none", "maxTokens"?, "temperature"?}}`; `MYSTI_ASSISTANT_MODEL` overrides
 * the model. Wrong types fall back to the defaults field by field (as `search` does).
 * - `toolChoice: "required"`: every model step is one grammar-constrained call, the answer
 *   through the `reply` tool — for models too small for their wrapper's function calling.
 */
export interface AssistantConfig {
  /** null = not configured (MODEL_NOT_CONFIGURED when a message is sent). */
  model: string | null;
  /** Tokens. Default 4096 (capped by the worker to the model's trained context). */
  contextSize: number;
  /** Tool calls per user turn, then the model must answer in text. Default 8. */
  maxToolCalls: number;
  /** Wall time of a turn's model/tool work (ms; time waiting for the user is not counted). Default 120 s. */
  turnTimeoutMs: number;
  /** How long a proposal / confirm card waits for the user before it counts as refused (ms). Default 10 min. */
  decisionTimeoutMs: number;
  toolChoice: 'auto' | 'required';
  toolDocs: 'full' | 'brief' | 'none';
  /** Tokens per model step. Default 512. */
  maxTokens: number;
  temperature: number;
}

/** Reads `assistant` from the raw config.json and the environment. */
export function assistantConfig(
  raw: Record<string, unknown>,
  env: NodeJS.ProcessEnv = process.env,
): AssistantConfig {
  const a = (raw.assistant && typeof raw.assistant === 'object' ? raw.assistant : {}) as Record<
    string,
    unknown
  >;
  const int = (v: unknown, min: number, def: number) =>
    Number.isInteger(v) && (v as number) >= min ? (v as number) : def;
  const envModel = env.MYSTI_ASSISTANT_MODEL?.trim();
  const model = envModel || (typeof a.model === 'string' && a.model.trim() ? a.model.trim() : null);
  const t = Number(a.temperature);
  return {
    model,
    contextSize: int(a.contextSize, 256, 4096),
    maxToolCalls: int(a.maxToolCalls, 1, 8),
    turnTimeoutMs: int(a.turnTimeoutS, 1, 120) * 1000,
    decisionTimeoutMs: int(a.decisionTimeoutS, 1, 600) * 1000,
    toolChoice: a.toolChoice === 'required' ? 'required' : 'auto',
    toolDocs: a.toolDocs === 'full' || a.toolDocs === 'none' ? a.toolDocs : 'brief',
    maxTokens: int(a.maxTokens, 16, 512),
    temperature: Number.isFinite(t) && t >= 0 && t <= 2 ? t : 0.3,
  };
}
