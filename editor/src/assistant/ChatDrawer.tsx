/**
 * The assistant's chat drawer (issue 16 §1), toggled with Ctrl+I: a resizable panel on the right
 * (width remembered) with the conversation list (inline rename, delete with an inline confirm),
 * the messages, the streamed answer, a compact card per tool call (name, arguments, result or
 * error), proposal cards (Apply as one undo step / Reject), confirm cards for runs, and the
 * conversation's auto-apply switch.
 */
import { useEffect, useRef, useState, type KeyboardEvent, type PointerEvent } from 'react';
import type { AssistantAction, AssistantMessage, EditProposal } from '../../../wire/assistant';
import {
  decide,
  deleteConversation,
  loadConversations,
  newConversation,
  renameConversation,
  selectConversation,
  sendMessage,
  setSettings,
  setWidth,
  toggleAssistant,
  useAssistant,
} from './state';
import './assistant.css';

const short = (v: unknown, n = 160) => {
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s && s.length > n ? `${s.slice(0, n)}…` : (s ?? '');
};

function ConversationRow({ id, title, active }: { id: string; title: string; active: boolean }) {
  const [mode, setMode] = useState<'view' | 'rename' | 'delete'>('view');
  const [draft, setDraft] = useState(title);
  if (mode === 'rename')
    return (
      <li className="as-conv">
        <input
          aria-label="Conversation title"
          autoFocus
          value={draft}
          onChange={(e) => setDraft(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && draft.trim()) {
              void renameConversation(id, draft.trim());
              setMode('view');
            } else if (e.key === 'Escape') setMode('view');
          }}
          onBlur={() => setMode('view')}
        />
      </li>
    );
  if (mode === 'delete')
    return (
      <li className="as-conv as-confirm">
        <span>Delete “{title}”?</span>
        <button onClick={() => void deleteConversation(id)}>Delete</button>
        <button onClick={() => setMode('view')}>Keep</button>
      </li>
    );
  return (
    <li className={`as-conv${active ? ' active' : ''}`}>
      <button className="as-conv-title" onClick={() => void selectConversation(id)}>
        {title}
      </button>
      <button
        title="Rename"
        aria-label={`Rename ${title}`}
        onClick={() => {
          setDraft(title);
          setMode('rename');
        }}
      >
        ✎
      </button>
      <button title="Delete" aria-label={`Delete ${title}`} onClick={() => setMode('delete')}>
        ×
      </button>
    </li>
  );
}

function ToolCard({ action }: { action: AssistantAction }) {
  const result = action.result as { error?: { code: string; message: string } } | null;
  const proposal = action.result as EditProposal | null;
  return (
    <div className={`as-tool as-${action.status}`} data-testid="tool-card" data-tool={action.tool}>
      <div className="as-tool-head">
        <code>{action.tool}</code>{' '}
        <span className="as-status">{action.status.replace('_', ' ')}</span>
      </div>
      <div className="as-args">{short(action.arguments)}</div>
      {action.status === 'proposed' && proposal?.diff && (
        <div className="as-diff">
          {proposal.diff.addedNodes.length > 0 && (
            <div>+ nodes: {proposal.diff.addedNodes.join(', ')}</div>
          )}
          {proposal.diff.removedNodes.length > 0 && (
            <div>− nodes: {proposal.diff.removedNodes.join(', ')}</div>
          )}
          {Object.entries(proposal.diff.changedParams).map(([n, keys]) => (
            <div key={n}>
              ~ {n}: {keys.join(', ')}
            </div>
          ))}
          <div className="as-actions">
            <button onClick={() => void decide(action, 'apply')}>Apply</button>
            <button onClick={() => void decide(action, 'reject')}>Reject</button>
          </div>
        </div>
      )}
      {action.status === 'awaiting_confirmation' && (
        <div className="as-actions">
          <button onClick={() => void decide(action, 'confirm')}>Run</button>
          <button onClick={() => void decide(action, 'refuse')}>Don’t run</button>
        </div>
      )}
      {result?.error ? (
        <div className="as-error">
          {result.error.code}: {result.error.message}
        </div>
      ) : (
        action.status !== 'proposed' &&
        action.result != null && <div className="as-result">{short(action.result)}</div>
      )}
    </div>
  );
}

function Message({ m, actions }: { m: AssistantMessage; actions: AssistantAction[] }) {
  if (m.role === 'tool') return null;
  return (
    <>
      {m.content && (
        <div className={`as-msg as-${m.role}`} data-testid={`msg-${m.role}`}>
          {m.content}
        </div>
      )}
      {(m.toolCalls ?? []).map((c) => {
        const a = actions.find((x) => x.toolCallId === c.id);
        return a ? <ToolCard key={c.id} action={a} /> : null;
      })}
    </>
  );
}

/** The drawer; renders nothing while closed. */
export function ChatDrawer() {
  const s = useAssistant();
  const [text, setText] = useState('');
  const [q, setQ] = useState('');
  const end = useRef<HTMLDivElement>(null);
  useEffect(() => {
    end.current?.scrollIntoView?.({ block: 'end' });
  }, [s.active, s.streaming]);
  if (!s.open) return null;

  const onResize = (e: PointerEvent<HTMLDivElement>) => {
    const startX = e.clientX;
    const startW = s.width;
    const move = (ev: globalThis.PointerEvent) => setWidth(startW + (startX - ev.clientX));
    const up = () => {
      window.removeEventListener('pointermove', move);
      window.removeEventListener('pointerup', up);
    };
    window.addEventListener('pointermove', move);
    window.addEventListener('pointerup', up);
  };
  const send = () => {
    const t = text.trim();
    if (!t || s.busy) return;
    setText('');
    void sendMessage(t);
  };
  const onKey = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key === 'Enter' && !e.shiftKey) {
      e.preventDefault();
      send();
    }
  };
  const a = s.active;
  return (
    <aside
      className="as-drawer"
      style={{ width: s.width }}
      aria-label="Assistant"
      data-testid="assistant"
    >
      <div className="as-resize" onPointerDown={onResize} title="Drag to resize" />
      <header className="as-head">
        <strong>Assistant</strong>
        <button onClick={() => void newConversation()}>New chat</button>
        <button aria-label="Close assistant" onClick={() => toggleAssistant(false)}>
          ×
        </button>
      </header>
      <input
        className="as-search"
        placeholder="Search conversations"
        value={q}
        onChange={(e) => {
          setQ(e.target.value);
          void loadConversations(e.target.value.trim() || undefined);
        }}
      />
      <ul className="as-list">
        {s.list.map((c) => (
          <ConversationRow key={c.id} id={c.id} title={c.title} active={c.id === a?.id} />
        ))}
      </ul>
      {a && (
        <label className="as-switch">
          <input
            type="checkbox"
            checked={a.settings.autoApply}
            onChange={(e) => void setSettings({ autoApply: e.target.checked })}
          />
          Auto-apply edits
        </label>
      )}
      <div className="as-messages">
        {a?.messages.map((m) => (
          <Message key={m.id} m={m} actions={a.actions} />
        ))}
        {s.streaming && (
          <div className="as-msg as-assistant as-streaming" data-testid="streaming">
            {s.streaming}
          </div>
        )}
        {s.busy && !s.streaming && <div className="as-thinking">…</div>}
        <div ref={end} />
      </div>
      <div className="as-input">
        <textarea
          aria-label="Message the assistant"
          placeholder="Ask the assistant… (Enter to send)"
          value={text}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={onKey}
        />
        <button onClick={send} disabled={s.busy || !text.trim()}>
          Send
        </button>
      </div>
    </aside>
  );
}
