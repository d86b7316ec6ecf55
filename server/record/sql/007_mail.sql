-- Issue 13: email. Every mail the server sends goes through this outbox: a visitor's transcript
-- (one per conversation and address; its text is rendered from the archive when it is sent, so
-- a request made during the chat waits for the close) and an agent's answer to an offline
-- message. Every node's mail sender claims due rows, sends them over SMTP and records the
-- outcome; visitor_id ties each row to the visitor whose data it holds (erasure deletes it).
CREATE TABLE mail_outbox (
  id bigserial PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('transcript', 'reply')),
  conversation_id text NOT NULL DEFAULT '',
  offline_id text NOT NULL DEFAULT '',
  visitor_id text NOT NULL DEFAULT '',
  recipient text NOT NULL,
  subject text NOT NULL,
  body text NOT NULL DEFAULT '',
  requested_by text NOT NULL,
  created_ms bigint NOT NULL,
  next_attempt_ms bigint NOT NULL,
  attempts integer NOT NULL DEFAULT 0,
  state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'failed')),
  last_error text NOT NULL DEFAULT '',
  done_ms bigint NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX mail_outbox_one_transcript ON mail_outbox (conversation_id, recipient)
  WHERE kind = 'transcript';
CREATE INDEX mail_outbox_due ON mail_outbox (next_attempt_ms) WHERE state = 'pending';
CREATE INDEX mail_outbox_by_visitor ON mail_outbox (visitor_id);
