-- 0160: the creative assistant (issue 16): conversations, their messages (OpenAI-shaped: role,
-- text, tool calls, the call a tool message answers) and the actions tool calls became
-- (ran / failed / proposed → applied|rejected / awaiting confirmation → confirmed|refused).
-- Messages are full-text searchable (FTS5 over content, kept in step by triggers).
CREATE TABLE assistant_conversations (
  id TEXT PRIMARY KEY,
  title TEXT NOT NULL,
  -- {"autoApply": bool, "allowRun": bool, "allowDelete": bool}
  settings TEXT NOT NULL DEFAULT '{}',
  -- The graph the assistant works on (a GraphDoc JSON), updated by applied edits; null = none yet.
  graph TEXT,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX assistant_conversations_updated ON assistant_conversations(updated_at DESC);

CREATE TABLE assistant_messages (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  conversation_id TEXT NOT NULL REFERENCES assistant_conversations(id) ON DELETE CASCADE,
  role TEXT NOT NULL CHECK (role IN ('user', 'assistant', 'tool')),
  content TEXT NOT NULL DEFAULT '',
  -- assistant: [{id, type: "function", function: {name, arguments}}]
  tool_calls TEXT,
  -- tool: the call it answers
  tool_call_id TEXT,
  created_at INTEGER NOT NULL
);
CREATE INDEX assistant_messages_conv ON assistant_messages(conversation_id, id);

CREATE VIRTUAL TABLE assistant_messages_fts USING fts5(
  content, content='assistant_messages', content_rowid='id', tokenize='unicode61'
);
CREATE TRIGGER assistant_messages_ai AFTER INSERT ON assistant_messages BEGIN
  INSERT INTO assistant_messages_fts(rowid, content) VALUES (new.id, new.content);
END;
CREATE TRIGGER assistant_messages_ad AFTER DELETE ON assistant_messages BEGIN
  INSERT INTO assistant_messages_fts(assistant_messages_fts, rowid, content)
    VALUES ('delete', old.id, old.content);
END;
CREATE TRIGGER assistant_messages_au AFTER UPDATE OF content ON assistant_messages BEGIN
  INSERT INTO assistant_messages_fts(assistant_messages_fts, rowid, content)
    VALUES ('delete', old.id, old.content);
  INSERT INTO assistant_messages_fts(rowid, content) VALUES (new.id, new.content);
END;

CREATE TABLE assistant_actions (
  id TEXT PRIMARY KEY,
  conversation_id TEXT NOT NULL REFERENCES assistant_conversations(id) ON DELETE CASCADE,
  tool_call_id TEXT NOT NULL,
  tool TEXT NOT NULL,
  arguments TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN (
    'ran', 'failed', 'proposed', 'applied', 'rejected', 'awaiting_confirmation', 'confirmed', 'refused'
  )),
  -- The tool's result or error (JSON), and for an edit the proposal {ops, graph, diff}.
  result TEXT,
  created_at INTEGER NOT NULL,
  decided_at INTEGER
);
CREATE INDEX assistant_actions_conv ON assistant_actions(conversation_id, created_at);
