-- Issue 13: bans. A ban names one identifier (a visitor id, an address, an email) for a period or
-- until lifted. Redis holds the bans in force for every node to check (one key per identifier,
-- expiring with the ban); this table is their record: who banned whom, why, until when, and who
-- lifted it. At most one ban per identifier is in force: a new one lifts the one before it.
CREATE TABLE bans (
  id bigserial PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('visitor', 'address', 'email')),
  value text NOT NULL,
  key_part text NOT NULL,
  conversation_id text NOT NULL DEFAULT '',
  reason text NOT NULL,
  created_by text NOT NULL,
  created_ms bigint NOT NULL,
  expires_ms bigint NOT NULL DEFAULT 0,  -- 0: until lifted
  lifted_by text NOT NULL DEFAULT '',
  lifted_ms bigint NOT NULL DEFAULT 0
);
CREATE INDEX bans_in_force ON bans (key_part) WHERE lifted_ms = 0;
CREATE INDEX bans_by_time ON bans (created_ms DESC);
