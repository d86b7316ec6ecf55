-- Issue 12, continued: how long a console of the department's agents may sit without activity
-- before it sets them away (0: never), and removal. A removed department keeps its row (its
-- history names it, and --departments must not bring it back on the next start); saving it
-- again restores it.
ALTER TABLE departments
  ADD COLUMN auto_away_seconds integer NOT NULL DEFAULT 600
    CHECK (auto_away_seconds BETWEEN 0 AND 86400),
  ADD COLUMN removed boolean NOT NULL DEFAULT false;
