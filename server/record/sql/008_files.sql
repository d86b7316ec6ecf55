-- Issue 13: files in chat. A file is uploaded (streamed, in chunks) to one conversation by one
-- of its members before the message that carries it is sent; every node serves it from here.
-- visitor_id is the conversation's visitor, whose data it is: erasure deletes their files.
-- sent_msg is the client message id of the one message that carries it ('' until sent); a
-- file never sent is deleted after a day.
CREATE TABLE files (
  id text PRIMARY KEY,
  conversation_id text NOT NULL,
  visitor_id text NOT NULL,
  uploader_id text NOT NULL,
  uploader_role smallint NOT NULL,
  name text NOT NULL,
  content_type text NOT NULL DEFAULT '',
  size bigint NOT NULL DEFAULT 0,
  width integer NOT NULL DEFAULT 0,
  height integer NOT NULL DEFAULT 0,
  preview bytea,
  state text NOT NULL DEFAULT 'uploading' CHECK (state IN ('uploading', 'ready')),
  sent_msg text NOT NULL DEFAULT '',
  created_ms bigint NOT NULL
);
CREATE INDEX files_by_conversation ON files (conversation_id);
CREATE INDEX files_by_visitor ON files (visitor_id);
CREATE INDEX files_unsent ON files (created_ms) WHERE sent_msg = '';

CREATE TABLE file_chunks (
  file_id text NOT NULL REFERENCES files (id) ON DELETE CASCADE,
  n integer NOT NULL,
  data bytea NOT NULL,
  PRIMARY KEY (file_id, n)
);
-- Images and archives are compressed already: storing chunks as they are saves the CPU.
ALTER TABLE file_chunks ALTER COLUMN data SET STORAGE EXTERNAL;

-- Per department, where an admin sets them: the largest file in MiB (NULL: the server's
-- --max-file-mb; 0: no files) and the media types taken ('': the server's --file-types).
ALTER TABLE departments
  ADD COLUMN max_file_mb integer CHECK (max_file_mb BETWEEN 0 AND 4096),
  ADD COLUMN file_types text NOT NULL DEFAULT '';

-- The archived message that carried a file (its details are read from files), and the title of
-- the page a NAVIGATED event went to (its URL is the body).
ALTER TABLE events
  ADD COLUMN attachment_id text NOT NULL DEFAULT '',
  ADD COLUMN page_title text NOT NULL DEFAULT '';
