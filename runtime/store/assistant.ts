/**
 * The assistant's conversations, messages and actions (migration 0160, issue 16). Messages are
 * searchable through `assistant_messages_fts` (FTS5; every word must match, the last as a prefix,
 * as in the gallery's search). Statements are prepared on construction: reach this through
 * `Store.assistant`, which builds it on first use, so stores of older schemas still open.
 */
import type { Db } from './db';
import { ftsQuery } from './gallery';
import type {
  ActionStatus,
  AssistantAction,
  AssistantMessage,
  Conversation,
  ConversationSettings,
  ConversationSummary,
} from '../../wire/assistant';
import type { ToolCall } from '../../wire/tools';

export const DEFAULT_SETTINGS: ConversationSettings = {
  autoApply: false,
  allowRun: false,
  allowDelete: false,
};

interface ConvRow {
  id: string;
  title: string;
  settings: string;
  graph: string | null;
  created_at: number;
  updated_at: number;
}
interface MsgRow {
  id: number;
  conversation_id: string;
  role: AssistantMessage['role'];
  content: string;
  tool_calls: string | null;
  tool_call_id: string | null;
  created_at: number;
}
interface ActionRow {
  id: string;
  conversation_id: string;
  tool_call_id: string;
  tool: string;
  arguments: string;
  status: ActionStatus;
  result: string | null;
  created_at: number;
  decided_at: number | null;
}

const toConv = (r: ConvRow): Conversation => ({
  id: r.id,
  title: r.title,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  settings: { ...DEFAULT_SETTINGS, ...(JSON.parse(r.settings) as Partial<ConversationSettings>) },
  graph: r.graph === null ? null : (JSON.parse(r.graph) as unknown),
});
const toMsg = (r: MsgRow): AssistantMessage => ({
  id: r.id,
  role: r.role,
  content: r.content,
  ...(r.tool_calls ? { toolCalls: JSON.parse(r.tool_calls) as ToolCall[] } : {}),
  ...(r.tool_call_id ? { toolCallId: r.tool_call_id } : {}),
  createdAt: r.created_at,
});
const toAction = (r: ActionRow): AssistantAction => ({
  id: r.id,
  conversationId: r.conversation_id,
  toolCallId: r.tool_call_id,
  tool: r.tool,
  arguments: JSON.parse(r.arguments) as unknown,
  status: r.status,
  result: r.result === null ? null : (JSON.parse(r.result) as unknown),
  createdAt: r.created_at,
  decidedAt: r.decided_at,
});

export class AssistantStore {
  private readonly s;
  constructor(db: Db) {
    this.s = {
      insertConv: db.prepare(
        'INSERT INTO assistant_conversations (id, title, settings, graph, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      getConv: db.prepare<[string], ConvRow>('SELECT * FROM assistant_conversations WHERE id = ?'),
      listConv: db.prepare<[number], ConvRow>(
        'SELECT * FROM assistant_conversations ORDER BY updated_at DESC, id LIMIT ?',
      ),
      // snippet() cannot run under GROUP BY: one correlated lookup per matching conversation.
      searchConv: db.prepare<[{ q: string; limit: number }], ConvRow & { snippet: string }>(
        `SELECT c.*, (SELECT snippet(assistant_messages_fts, 0, '', '', '…', 12)
                        FROM assistant_messages_fts f JOIN assistant_messages m ON m.id = f.rowid
                       WHERE assistant_messages_fts MATCH @q AND m.conversation_id = c.id
                       LIMIT 1) AS snippet
           FROM assistant_conversations c
          WHERE c.id IN (SELECT m.conversation_id
                           FROM assistant_messages_fts f JOIN assistant_messages m ON m.id = f.rowid
                          WHERE assistant_messages_fts MATCH @q)
          ORDER BY c.updated_at DESC, c.id LIMIT @limit`,
      ),
      updateConv: db.prepare(
        'UPDATE assistant_conversations SET title = ?, settings = ?, graph = ?, updated_at = ? WHERE id = ?',
      ),
      touch: db.prepare('UPDATE assistant_conversations SET updated_at = ? WHERE id = ?'),
      delConv: db.prepare('DELETE FROM assistant_conversations WHERE id = ?'),
      insertMsg: db.prepare(
        'INSERT INTO assistant_messages (conversation_id, role, content, tool_calls, tool_call_id, created_at) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      getMsg: db.prepare<[number], MsgRow>('SELECT * FROM assistant_messages WHERE id = ?'),
      messages: db.prepare<[string], MsgRow>(
        'SELECT * FROM assistant_messages WHERE conversation_id = ? ORDER BY id',
      ),
      insertAction: db.prepare(
        'INSERT INTO assistant_actions (id, conversation_id, tool_call_id, tool, arguments, status, result, created_at, decided_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      decide: db.prepare(
        'UPDATE assistant_actions SET status = ?, result = ?, decided_at = ? WHERE id = ?',
      ),
      getAction: db.prepare<[string], ActionRow>('SELECT * FROM assistant_actions WHERE id = ?'),
      actions: db.prepare<[string], ActionRow>(
        'SELECT * FROM assistant_actions WHERE conversation_id = ? ORDER BY created_at, rowid',
      ),
      pending: db.prepare<[], ActionRow>(
        "SELECT * FROM assistant_actions WHERE status = 'awaiting_confirmation'",
      ),
    };
  }

  createConversation(c: {
    id: string;
    title: string;
    settings?: Partial<ConversationSettings>;
    graph?: unknown;
    now?: number;
  }): Conversation {
    const now = c.now ?? Date.now();
    this.s.insertConv.run(
      c.id,
      c.title,
      JSON.stringify({ ...DEFAULT_SETTINGS, ...c.settings }),
      c.graph === undefined || c.graph === null ? null : JSON.stringify(c.graph),
      now,
      now,
    );
    return this.conversation(c.id)!;
  }

  conversation(id: string): Conversation | undefined {
    const r = this.s.getConv.get(id);
    return r ? toConv(r) : undefined;
  }

  /**
   * Newest first. With `q`: conversations with a message matching it (FTS5), each with a snippet.
   */
  list(q?: string, limit = 100): ConversationSummary[] {
    const fts = q ? ftsQuery(q) : null;
    if (q && !fts) return [];
    const rows: (ConvRow & { snippet?: string })[] = fts
      ? this.s.searchConv.all({ q: fts, limit })
      : this.s.listConv.all(limit);
    return rows.map((r) => ({
      id: r.id,
      title: r.title,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
      ...(r.snippet !== undefined ? { snippet: r.snippet } : {}),
    }));
  }

  /** Updates title/settings/graph (missing fields keep their value). @returns the new row or undefined */
  update(
    id: string,
    patch: { title?: string; settings?: Partial<ConversationSettings>; graph?: unknown },
  ): Conversation | undefined {
    const c = this.conversation(id);
    if (!c) return undefined;
    const graph = patch.graph !== undefined ? patch.graph : c.graph;
    this.s.updateConv.run(
      patch.title ?? c.title,
      JSON.stringify({ ...c.settings, ...patch.settings }),
      graph === null ? null : JSON.stringify(graph),
      Date.now(),
      id,
    );
    return this.conversation(id);
  }

  /** Deletes a conversation with its messages and actions. @returns whether it existed */
  delete(id: string): boolean {
    return this.s.delConv.run(id).changes > 0;
  }

  addMessage(
    conversationId: string,
    m: {
      role: AssistantMessage['role'];
      content: string;
      toolCalls?: ToolCall[];
      toolCallId?: string;
    },
  ): AssistantMessage {
    const now = Date.now();
    const r = this.s.insertMsg.run(
      conversationId,
      m.role,
      m.content,
      m.toolCalls?.length ? JSON.stringify(m.toolCalls) : null,
      m.toolCallId ?? null,
      now,
    );
    this.s.touch.run(now, conversationId);
    return toMsg(this.s.getMsg.get(Number(r.lastInsertRowid))!);
  }

  messages(conversationId: string): AssistantMessage[] {
    return this.s.messages.all(conversationId).map(toMsg);
  }

  addAction(a: {
    id: string;
    conversationId: string;
    toolCallId: string;
    tool: string;
    arguments: unknown;
    status: ActionStatus;
    result: unknown;
  }): AssistantAction {
    const now = Date.now();
    const final = a.status === 'ran' || a.status === 'failed' || a.status === 'applied';
    this.s.insertAction.run(
      a.id,
      a.conversationId,
      a.toolCallId,
      a.tool,
      JSON.stringify(a.arguments ?? null),
      a.status,
      a.result === undefined ? null : JSON.stringify(a.result),
      now,
      final ? now : null,
    );
    return this.action(a.id)!;
  }

  /** Records a decision on an action (and its new result). */
  decide(id: string, status: ActionStatus, result: unknown): AssistantAction | undefined {
    this.s.decide.run(status, result === undefined ? null : JSON.stringify(result), Date.now(), id);
    return this.action(id);
  }

  action(id: string): AssistantAction | undefined {
    const r = this.s.getAction.get(id);
    return r ? toAction(r) : undefined;
  }

  actions(conversationId: string): AssistantAction[] {
    return this.s.actions.all(conversationId).map(toAction);
  }

  /** Actions still waiting for the user (after a restart they can no longer resume a turn). */
  pendingConfirmations(): AssistantAction[] {
    return this.s.pending.all().map(toAction);
  }
}
