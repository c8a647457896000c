/**
 * Tool (function) calling shapes that cross process boundaries (issue 16 §5): OpenAI's
 * `tools` / `tool_choice` request fields and `tool_calls` answer, as accepted by
 * `POST /v1/chat/completions`, passed to the LLM worker's `chat` job and used by the assistant
 * (runtime/assistant/). Format: platform.openai.com/docs/api-reference/chat/create (`tools`,
 * `tool_choice`, `message.tool_calls`, streamed `delta.tool_calls`). The zod schemas that
 * validate them live in workers/protocol/tools.ts. Types only, no imports.
 */

/** One entry of `tools`. `parameters` is a JSON Schema object. */
export interface ToolDefinition {
  type: 'function';
  function: {
    name: string;
    description?: string | undefined;
    parameters?: Record<string, unknown> | undefined;
    strict?: boolean | null | undefined;
  };
}

/** `tool_choice`: `none` | `auto` | `required` | a named function. */
export type ToolChoice =
  'none' | 'auto' | 'required' | { type: 'function'; function: { name: string } };

/** One call in `message.tool_calls`; `arguments` is a JSON text (OpenAI's format). */
export interface ToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}
