-- The system of record: conversations as they were when archived, their events, their
-- response-time records, and an audit of who read or erased what. Times are unix ms (bigint),
-- as the Redis clock stamped them, so reports equal what the core clock computed.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE conversations (
  id text PRIMARY KEY,
  visitor_id text NOT NULL,
  visitor_name text NOT NULL,
  email text NOT NULL,
  department text NOT NULL,
  page_url text NOT NULL,
  agent_id text NOT NULL,          -- the agent who had it last ('' when none did)
  agent_name text NOT NULL,
  agents text[] NOT NULL,          -- every agent it was assigned to: who may read it later
  tags text[] NOT NULL DEFAULT '{}',
  joined_ms bigint NOT NULL,
  assigned_ms bigint NOT NULL,     -- 0 when never assigned
  closed_ms bigint NOT NULL,
  first_message text NOT NULL,
  rating smallint,                 -- 1..5, NULL when not rated
  comment text NOT NULL,
  missed boolean NOT NULL,
  visitor_messages integer NOT NULL,
  agent_messages integer NOT NULL,
  metadata jsonb NOT NULL,
  language regconfig NOT NULL,     -- the text search configuration of its language
  search_text text NOT NULL,       -- every message's text, for search
  search_tsv tsvector GENERATED ALWAYS AS (to_tsvector(language, search_text)) STORED,
  archived_ms bigint NOT NULL,
  anonymised_ms bigint             -- set when retention removed what identifies the visitor
);
CREATE INDEX conversations_by_close ON conversations (closed_ms DESC, id DESC);
CREATE INDEX conversations_by_visitor ON conversations (visitor_id);
CREATE INDEX conversations_by_email ON conversations (lower(email)) WHERE email <> '';
CREATE INDEX conversations_by_department ON conversations (department, closed_ms DESC);
CREATE INDEX conversations_by_agents ON conversations USING gin (agents);
CREATE INDEX conversations_by_tags ON conversations USING gin (tags);
CREATE INDEX conversations_words ON conversations USING gin (search_tsv);
-- Languages without a stemmer (CJK above all) are found by trigrams instead.
CREATE INDEX conversations_trigrams ON conversations USING gin (search_text gin_trgm_ops);

CREATE TABLE events (
  conversation_id text NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
  seq bigint NOT NULL,
  kind smallint NOT NULL,          -- livechat.v1.EventKind
  role smallint NOT NULL,          -- livechat.v1.Role
  sender_id text NOT NULL,
  sender_name text NOT NULL,
  body text NOT NULL,
  client_msg_id text NOT NULL,
  agent_id text NOT NULL,
  department text NOT NULL,
  at_ms bigint NOT NULL,
  PRIMARY KEY (conversation_id, seq)
);

CREATE TABLE measurements (
  conversation_id text NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
  measure text NOT NULL,           -- queue_wait first_response response resolution missed rating
  idx integer NOT NULL,            -- several of one measure per conversation
  department text NOT NULL,
  agent_id text NOT NULL,
  value bigint NOT NULL,
  at_ms bigint NOT NULL,
  PRIMARY KEY (conversation_id, measure, idx)
);
CREATE INDEX measurements_by_time ON measurements (measure, at_ms);

-- Visitors erased on request: a conversation of theirs that began before the erasure is never
-- archived again (one still in flight on another node when the erasure ran).
CREATE TABLE erasures (
  visitor_id text PRIMARY KEY,
  erased_ms bigint NOT NULL
);

CREATE TABLE audit (
  id bigserial PRIMARY KEY,
  at_ms bigint NOT NULL,
  actor text NOT NULL,
  action text NOT NULL,            -- visitor_export visitor_erase retention
  subject text NOT NULL,
  detail jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_by_time ON audit (at_ms);
