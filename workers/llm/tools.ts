/**
 * Function calling for the `chat` job (issue 16 §4–5): OpenAI-format messages, `tools` and
 * `tool_choice` (wire/tools.ts) → node-llama-cpp chat history and either
 * - `auto`: LlamaChat's own function calling (`functions`, rendered by the model's chat
 *   template / wrapper; the parameters are grammar-constrained once the model starts a call), or
 * - `required` / a named tool: a JSON-schema grammar over `{"name", "arguments"}` for the allowed
 *   tools, so even a tiny model emits exactly one well-formed call (node-llama-cpp does not allow
 *   `grammar` and `functions` together, so the tools are described in a system message instead);
 * - `none`: plain chat.
 * Sources: node-llama-cpp.withcat.ai/guide/function-calling, /guide/grammar#json-schema.
 */
import type { ChatHistoryItem, ChatModelFunctionCall, ChatModelFunctions } from 'node-llama-cpp';
import { randomBytes } from 'node:crypto';
import type { ToolCall, ToolDefinition } from '../../wire/tools';
import { grammarSchema, type GrammarSchema } from '../protocol/tools';

/** A chat message after the job's payload parse (content already flattened to text). */
export interface ToolChatMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string;
  /** assistant: the calls it made (OpenAI format, `arguments` JSON text). */
  tool_calls?: { id: string; function: { name: string; arguments: string } }[];
  /** tool: which call this is the result of. */
  tool_call_id?: string;
}

/** How the job was asked to call tools, after resolving `tool_choice`. */
export type ToolMode =
  | { kind: 'none' }
  | { kind: 'auto'; functions: ChatModelFunctions }
  | { kind: 'forced'; schema: GrammarSchema; system: string };

/** `call_` + 24 hex digits, as OpenAI-style ids look. */
export function newToolCallId(): string {
  return `call_${randomBytes(12).toString('hex')}`;
}

function parseArgs(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    // A client may send back arguments it received malformed; keep them as text for the model.
    return text;
  }
}

/**
 * OpenAI messages → node-llama-cpp history ending in an empty model turn. An assistant message's
 * `tool_calls` become function-call items whose `result` is the matching `tool` message's content
 * (OpenAI sends results as separate messages right after); a `tool` message without a matching
 * call is kept as a user turn so nothing the client sent is dropped.
 */
export function toHistory(messages: ToolChatMessage[]): ChatHistoryItem[] {
  const results = new Map<string, string>();
  for (const m of messages)
    if (m.role === 'tool' && m.tool_call_id) results.set(m.tool_call_id, m.content);
  const called = new Set<string>();
  const h: ChatHistoryItem[] = [];
  for (const m of messages) {
    if (m.role === 'system') h.push({ type: 'system', text: m.content });
    else if (m.role === 'user') h.push({ type: 'user', text: m.content });
    else if (m.role === 'assistant') {
      const response: (string | ChatModelFunctionCall)[] = m.content ? [m.content] : [];
      for (const c of m.tool_calls ?? []) {
        called.add(c.id);
        response.push({
          type: 'functionCall',
          name: c.function.name,
          params: parseArgs(c.function.arguments),
          result: parseArgs(results.get(c.id) ?? 'null'),
        });
      }
      const last = h[h.length - 1];
      // Consecutive model turns (a call, then the text after its result) are one model item.
      if (last?.type === 'model') last.response.push(...response);
      else h.push({ type: 'model', response });
    } else if (!m.tool_call_id || !called.has(m.tool_call_id))
      h.push({ type: 'user', text: `Tool result: ${m.content}` });
  }
  h.push({ type: 'model', response: [] });
  return h;
}

/**
 * Resolves `tool_choice` over `tools`.
 * @throws Error when a named tool is not among `tools` (the route checks this first, so a
 *   worker only sees it from a direct job call)
 */
export function toolMode(
  tools: ToolDefinition[] | undefined,
  choice:
    'none' | 'auto' | 'required' | { type: 'function'; function: { name: string } } | undefined,
  docs: 'full' | 'brief' | 'none' = 'full',
): ToolMode {
  if (!tools?.length || choice === 'none') return { kind: 'none' };
  const params = (t: ToolDefinition) =>
    grammarSchema(t.function.parameters ?? { type: 'object', properties: {} });
  if (choice === undefined || choice === 'auto') {
    const functions: Record<string, { description?: string; params: GrammarSchema }> = {};
    for (const t of tools)
      functions[t.function.name] = {
        ...(t.function.description ? { description: t.function.description } : {}),
        params: params(t),
      };
    // Built at run time from the request, so it cannot match the literal GbnfJsonSchema type.
    return { kind: 'auto', functions: functions as unknown as ChatModelFunctions };
  }
  const allowed =
    choice === 'required' ? tools : tools.filter((t) => t.function.name === choice.function.name);
  if (!allowed.length)
    throw new Error(
      `tool_choice names "${(choice as { function: { name: string } }).function.name}", which is not in tools`,
    );
  const one = (t: ToolDefinition): GrammarSchema => ({
    type: 'object',
    properties: { name: { const: t.function.name }, arguments: params(t) },
    required: ['name', 'arguments'],
  });
  const schema = allowed.length === 1 ? one(allowed[0]!) : { oneOf: allowed.map(one) };
  // `brief` / `none` keep the system prompt small for small contexts: the grammar enforces the
  // argument structure either way, the text only helps the model choose.
  const keys = (t: ToolDefinition) =>
    Object.keys((t.function.parameters?.properties as object | undefined) ?? {}).join(', ');
  const lines = allowed.map((t) =>
    docs === 'full'
      ? `- ${t.function.name}${t.function.description ? `: ${t.function.description}` : ''}\n  arguments: ${JSON.stringify(t.function.parameters ?? {})}`
      : `- ${t.function.name}(${keys(t)})`,
  );
  const system =
    docs === 'none'
      ? 'Answer with one JSON tool call {"name", "arguments"}.'
      : `You can call these tools. Answer with one JSON object {"name": <tool name>, "arguments": {...}}.\n${lines.join('\n')}`;
  return { kind: 'forced', schema, system };
}

/** The forced-mode answer (grammar-constrained JSON) as one OpenAI tool call. */
export function forcedCall(text: string): ToolCall {
  const v = JSON.parse(text) as { name: string; arguments: unknown };
  return {
    id: newToolCallId(),
    type: 'function',
    function: { name: v.name, arguments: JSON.stringify(v.arguments ?? {}) },
  };
}

/** LlamaChat's `functionCalls` as OpenAI tool calls. */
export function autoCalls(calls: { functionName: string; params: unknown }[]): ToolCall[] {
  return calls.map((c) => ({
    id: newToolCallId(),
    type: 'function',
    function: { name: c.functionName, arguments: JSON.stringify(c.params ?? {}) },
  }));
}
