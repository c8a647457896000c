/**
 * The chat drawer's state (issue 16 §1): open/width (remembered in localStorage), the
 * conversation list, the open conversation (messages, actions = tool cards, proposals, confirm
 * cards) and the streamed answer. Fed by /api/assistant (wire/assistant.ts) and the `assistant.*`
 * events of the WebSocket (api/events.ts → {@link assistantEvent}).
 */
import { create } from 'zustand';
import { request } from '../api/client';
import { toast } from '../state/toasts';
import { currentDoc } from '../graph/io';
import { applyProposal } from './proposal';
import type {
  AssistantAction,
  AssistantMessage,
  ConversationDetail,
  ConversationSettings,
  ConversationSummary,
  EditProposal,
} from '../../../wire/assistant';

const WIDTH_KEY = 'mysti.assistant.width';
export const MIN_WIDTH = 280;
export const MAX_WIDTH = 720;

function storedWidth(): number {
  const w = Number(globalThis.localStorage?.getItem(WIDTH_KEY));
  return Number.isFinite(w) && w >= MIN_WIDTH && w <= MAX_WIDTH ? w : 380;
}

interface AssistantState {
  open: boolean;
  width: number;
  list: ConversationSummary[];
  active: ConversationDetail | null;
  busy: boolean;
  /** The answer streaming in (assistant.delta), cleared when the message lands. */
  streaming: string;
  error: string | null;
}

export const useAssistant = create<AssistantState>(() => ({
  open: false,
  width: storedWidth(),
  list: [],
  active: null,
  busy: false,
  streaming: '',
  error: null,
}));

const json = (body: unknown): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

/** Opens or closes the drawer (Ctrl+I); loads the list on open. */
export function toggleAssistant(open?: boolean): void {
  const next = open ?? !useAssistant.getState().open;
  useAssistant.setState({ open: next });
  if (next) void loadConversations();
}

export function setWidth(w: number): void {
  const width = Math.round(Math.min(MAX_WIDTH, Math.max(MIN_WIDTH, w)));
  useAssistant.setState({ width });
  globalThis.localStorage?.setItem(WIDTH_KEY, String(width));
}

const fail = (e: unknown) => {
  const message = (e as Error).message;
  useAssistant.setState({ error: message });
  toast(message, 'error');
};

export async function loadConversations(q?: string): Promise<void> {
  try {
    const r = await request<{ items: ConversationSummary[] }>(
      `/api/assistant/conversations${q ? `?q=${encodeURIComponent(q)}` : ''}`,
    );
    useAssistant.setState({ list: r.items });
  } catch (e) {
    fail(e);
  }
}

export async function selectConversation(id: string): Promise<void> {
  try {
    const d = await request<ConversationDetail & { busy: boolean }>(
      `/api/assistant/conversations/${id}`,
    );
    useAssistant.setState({ active: d, busy: d.busy, streaming: '', error: null });
  } catch (e) {
    fail(e);
  }
}

export async function newConversation(): Promise<string | undefined> {
  try {
    const c = await request<ConversationDetail>(
      '/api/assistant/conversations',
      json({ graph: currentDoc() }),
    );
    await loadConversations();
    await selectConversation(c.id);
    return c.id;
  } catch (e) {
    fail(e);
    return undefined;
  }
}

export async function renameConversation(id: string, title: string): Promise<void> {
  try {
    await request(`/api/assistant/conversations/${id}`, {
      ...json({ title }),
      method: 'PATCH',
    });
    const a = useAssistant.getState().active;
    if (a?.id === id) useAssistant.setState({ active: { ...a, title } });
    await loadConversations();
  } catch (e) {
    fail(e);
  }
}

export async function deleteConversation(id: string): Promise<void> {
  try {
    await request(`/api/assistant/conversations/${id}`, { method: 'DELETE' });
    if (useAssistant.getState().active?.id === id) useAssistant.setState({ active: null });
    await loadConversations();
  } catch (e) {
    fail(e);
  }
}

export async function setSettings(patch: Partial<ConversationSettings>): Promise<void> {
  const a = useAssistant.getState().active;
  if (!a) return;
  try {
    const c = await request<ConversationDetail>(`/api/assistant/conversations/${a.id}`, {
      ...json({ settings: patch }),
      method: 'PATCH',
    });
    useAssistant.setState({ active: { ...a, settings: c.settings } });
  } catch (e) {
    fail(e);
  }
}

/** Sends a message with the canvas's current graph (the assistant works on that). */
export async function sendMessage(text: string): Promise<void> {
  let id = useAssistant.getState().active?.id;
  if (!id) id = await newConversation();
  if (!id) return;
  useAssistant.setState({ busy: true, streaming: '', error: null });
  try {
    await request(
      `/api/assistant/conversations/${id}/messages`,
      json({ text, graph: currentDoc() }),
    );
  } catch (e) {
    useAssistant.setState({ busy: false });
    fail(e);
  }
}

/**
 * Applies (on the canvas, as ONE undo step) or rejects a proposal; confirms or refuses a run card.
 */
export async function decide(
  action: AssistantAction,
  decision: 'apply' | 'reject' | 'confirm' | 'refuse',
) {
  try {
    if (decision === 'apply') applyProposal(action.result as EditProposal);
    await request(`/api/assistant/actions/${action.id}/decide`, json({ decision }));
  } catch (e) {
    fail(e);
  }
}

function upsert<T extends { id: string | number }>(list: T[], item: T): T[] {
  const i = list.findIndex((x) => x.id === item.id);
  if (i < 0) return [...list, item];
  const next = list.slice();
  next[i] = item;
  return next;
}

/** Folds one `assistant.*` event into the open conversation. */
export function assistantEvent(ev: Record<string, unknown>): void {
  const s = useAssistant.getState();
  const a = s.active;
  if (!a || ev.conversationId !== a.id) return;
  switch (ev.type) {
    case 'assistant.delta':
      useAssistant.setState({ streaming: String(ev.text ?? '') });
      break;
    case 'assistant.message': {
      const m = ev.message as AssistantMessage;
      useAssistant.setState({
        active: { ...a, messages: upsert(a.messages, m) },
        ...(m.role === 'assistant' && !m.toolCalls ? { streaming: '' } : {}),
      });
      break;
    }
    case 'assistant.action': {
      const act = ev.action as AssistantAction;
      // An edit applied by the runtime itself (auto-apply) lands on the canvas the same way.
      const prev = a.actions.find((x) => x.id === act.id);
      if (act.status === 'applied' && !prev && act.tool !== 'run_graph')
        applyProposal(act.result as EditProposal);
      useAssistant.setState({ active: { ...a, actions: upsert(a.actions, act) } });
      break;
    }
    case 'assistant.turn':
      if (ev.phase === 'started') useAssistant.setState({ busy: true });
      else {
        useAssistant.setState({ busy: false, streaming: '' });
        const err = ev.error as { message?: string } | undefined;
        if (ev.phase === 'failed') fail(new Error(`Assistant: ${err?.message ?? 'failed'}`));
      }
      break;
    default:
      break;
  }
}

/** The pending proposal's diff (for the canvas highlight), or null. */
export function pendingProposal(s: AssistantState): EditProposal | null {
  const p = s.active?.actions.find((x) => x.status === 'proposed');
  return p ? (p.result as EditProposal) : null;
}
