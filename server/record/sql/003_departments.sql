-- Departments as the team runs them (issue 12): their names, language, business hours and the
-- routing settings /admin edits. Every id the server is started with (--departments) gets a row
-- with the defaults; the text forms of hours and holidays are core/business_hours.hpp's.
CREATE TABLE departments (
  id text PRIMARY KEY,                              -- core/ids.hpp is_department
  display_name text NOT NULL,
  language text NOT NULL DEFAULT '',                -- a BCP 47 tag, '' = none
  time_zone text NOT NULL DEFAULT 'UTC',            -- an IANA name (/usr/share/zoneinfo)
  hours text NOT NULL DEFAULT '',                   -- '' = always open
  holidays text NOT NULL DEFAULT '',
  reassign_after_seconds integer CHECK (reassign_after_seconds BETWEEN 0 AND 86400),  -- NULL: server's
  required_tag boolean NOT NULL DEFAULT false,
  waiting_target_seconds integer NOT NULL DEFAULT 120 CHECK (waiting_target_seconds BETWEEN 1 AND 86400),
  idle_prompt_after_seconds integer NOT NULL DEFAULT 0 CHECK (idle_prompt_after_seconds BETWEEN 0 AND 86400),
  idle_close_after_seconds integer NOT NULL DEFAULT 0 CHECK (idle_close_after_seconds BETWEEN 0 AND 86400),
  updated_by text NOT NULL DEFAULT '',
  updated_ms bigint NOT NULL DEFAULT 0
);
