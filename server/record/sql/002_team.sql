-- The team (issue 12): staff accounts with their roles and sign-in sessions, the shared canned
-- responses and the list of tags supervisors manage. Times are unix ms.
CREATE TABLE accounts (
  id text PRIMARY KEY,                   -- an operator id (core/ids.hpp): the agent id of tokens
  email text NOT NULL,
  display_name text NOT NULL,
  role text NOT NULL CHECK (role IN ('agent', 'supervisor', 'admin')),
  departments text[] NOT NULL DEFAULT '{}',
  capacity integer NOT NULL CHECK (capacity BETWEEN 0 AND 50),
  enabled boolean NOT NULL DEFAULT true,
  password_hash text NOT NULL,           -- core/password.hpp (scrypt)
  created_ms bigint NOT NULL,
  updated_ms bigint NOT NULL
);
CREATE UNIQUE INDEX accounts_by_email ON accounts (lower(email));

-- A signed-in console: the refresh token's SHA-256 (never the token itself), until it expires or
-- the account signs out, is disabled or changes role.
CREATE TABLE login_sessions (
  id text PRIMARY KEY,
  account_id text NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
  created_ms bigint NOT NULL,
  expires_ms bigint NOT NULL,
  address text NOT NULL DEFAULT ''
);
CREATE INDEX login_sessions_by_account ON login_sessions (account_id);

CREATE TABLE canned_responses (
  id bigserial PRIMARY KEY,
  department text NOT NULL DEFAULT '',   -- '' = every department
  shortcut text NOT NULL,
  text text NOT NULL,
  updated_by text NOT NULL,
  updated_ms bigint NOT NULL,
  UNIQUE (department, shortcut)
);

CREATE TABLE tags (
  name text PRIMARY KEY,
  created_by text NOT NULL,
  created_ms bigint NOT NULL
);

-- The console's built-in replies become the team's shared ones; {visitor} and {agent} are
-- filled in by the console.
INSERT INTO canned_responses (department, shortcut, text, updated_by, updated_ms) VALUES
  ('', 'hi', 'Hi {visitor}, thanks for reaching out! How can I help you today?', 'seed', 0),
  ('', 'check', 'Let me check that for you — one moment please.', 'seed', 0),
  ('', 'order', 'Could you share your order number so I can look it up?', 'seed', 0),
  ('', 'passed', 'I have passed this on to the right team; you will hear from us by email within one business day.', 'seed', 0),
  ('', 'else', 'Is there anything else I can help you with?', 'seed', 0),
  ('', 'bye', 'Thanks for chatting with us, {visitor}. Have a great day! — {agent}', 'seed', 0);

CREATE INDEX audit_by_actor ON audit (actor, at_ms);
