/**
 * The creative assistant's HTTP and event shapes (issue 16), shared by the runtime
 * (runtime/assistant/, runtime/server/routes/assistant.ts) and the editor's chat drawer
 * (editor/src/assistant/). Times are ms since epoch. Types only, no imports.
 *
 * Routes (under /api/assistant):
 * - `GET /conversations[?q=]` → {items: ConversationSummary[]} (q: full-text search over messages)
 * - `POST /conversations` {title?, graph?} → Conversation (201)
 * - `GET /conversations/:id` → ConversationDetail
 * - `PATCH /conversations/:id` {title?, settings?: Partial<ConversationSettings>} → Conversation
 * - `DELETE /conversations/:id` → 204
 * - `POST /conversations/:id/messages` {text, graph?} → 202 {turnId}; the turn runs in the
 *   background and reports through `assistant.*` events on /ws
 * - `POST /actions/:id/decide` {decision: 'apply'|'reject'|'confirm'|'refuse'} → Action
 */

/** A tool call as wire/tools.ts's ToolCall (repeated: wire/ files import nothing). */
export interface AssistantToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

/** Per-conversation permissions (the runtime enforces them, not the model). */
export interface ConversationSettings {
  /** `edit_graph` / `apply_style` apply at once instead of becoming a proposal. */
  autoApply: boolean;
  /** `run_graph` runs without a confirm card. */
  allowRun: boolean;
  /** Deleting tools run without a confirm card. */
  allowDelete: boolean;
}

export interface ConversationSummary {
  id: string;
  title: string;
  createdAt: number;
  updatedAt: number;
  /** With `?q=`: a matching message's text, shortened. */
  snippet?: string;
}

export interface Conversation extends ConversationSummary {
  settings: ConversationSettings;
  /** The graph the assistant works on (GraphDoc JSON), or null. */
  graph: unknown;
}

export interface AssistantMessage {
  id: number;
  role: 'user' | 'assistant' | 'tool';
  content: string;
  toolCalls?: AssistantToolCall[];
  toolCallId?: string;
  createdAt: number;
}

export type ActionStatus =
  | 'ran'
  | 'failed'
  | 'proposed'
  | 'applied'
  | 'rejected'
  | 'awaiting_confirmation'
  | 'confirmed'
  | 'refused';

/** What one tool call became. */
export interface AssistantAction {
  id: string;
  conversationId: string;
  toolCallId: string;
  tool: string;
  arguments: unknown;
  status: ActionStatus;
  /** The tool's result, `{error: {code, message}}` for a failure, or a proposal for an edit. */
  result: unknown;
  createdAt: number;
  decidedAt: number | null;
}

/** An edit proposal's result: the ops, the graph they produce, and what they change. */
export interface EditProposal {
  ops: unknown[];
  graph: unknown;
  diff: {
    addedNodes: string[];
    removedNodes: string[];
    changedParams: Record<string, string[]>;
    addedEdges: string[];
    removedEdges: string[];
  };
}

export interface ConversationDetail extends Conversation {
  messages: AssistantMessage[];
  actions: AssistantAction[];
}

/**
 * Event payloads on /ws (wire/events.ts types):
 * - `assistant.turn` {conversationId, turnId, phase: 'started'|'finished'|'failed', error?, toolCalls}
 * - `assistant.delta` {conversationId, turnId, text} (the answer so far; not persisted)
 * - `assistant.message` {conversationId, turnId, message: AssistantMessage}
 * - `assistant.action` {conversationId, turnId, action: AssistantAction} (every call and decision)
 */
export type AssistantEventType =
  'assistant.turn' | 'assistant.delta' | 'assistant.message' | 'assistant.action';
