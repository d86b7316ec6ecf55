#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "livechat/v1/livechat.pb.h"
#include "server/record/pg_connection.hpp"

namespace lc::record {

// One file of a conversation (migration 008); its bytes are in chunks of its own.
struct file_row {
  std::string id, conversation_id, visitor_id, uploader_id;
  int uploader_role = 0;  // livechat.v1.Role
  std::string name, content_type;
  std::int64_t size = 0;
  std::uint32_t width = 0, height = 0;
  std::string preview;  // bytes; "" when none
  bool ready = false;   // every chunk is in
  std::string sent_msg;
  std::int64_t created_ms = 0;
};

// A new file, still uploading (ready false).
void create_file(pg_connection& db, const file_row& f);
// Chunk `n` (0, 1, ...) of an uploading file.
void put_file_chunk(pg_connection& db, const std::string& id, std::int32_t n,
                    const std::string& bytes);
// The upload is complete: its name (a form's file part names it late) and what the server found
// in its bytes (type, size, image size); it is ready to be sent.
void finish_file(pg_connection& db, const file_row& f);
void delete_file(pg_connection& db, const std::string& id);

std::optional<file_row> find_file(pg_connection& db, const std::string& id);
// Chunk `n`'s bytes; nothing past the last chunk.
std::optional<std::string> file_chunk(pg_connection& db, const std::string& id, std::int32_t n);

// Bytes uploaded to a conversation so far (every file, ready or not).
std::int64_t conversation_file_bytes(pg_connection& db, const std::string& conversation_id);

// The message `client_msg_id` carries the file: true when it was unsent, or already sent by
// that same message (a resend); false when another message carries it. Records the preview.
bool mark_file_sent(pg_connection& db, const std::string& id, const std::string& client_msg_id,
                    const std::string& preview);

// Files never sent (or never finished) uploaded before `before_ms`, at most `batch`: deleted.
std::size_t delete_unsent_files(pg_connection& db, std::int64_t before_ms, std::size_t batch);

// Whether a member of staff may read archived conversation `conv` (record::may_read, without
// loading it): it was assigned to `agent_id`, or it is in one of `departments`.
bool staff_may_read_archived(pg_connection& db, const std::string& conv,
                             const std::string& agent_id,
                             const std::vector<std::string>& departments);

// An Attachment from the columns id, name, content_type, size, width, height, preview of
// `rows`, starting at column `first` (a query joining files).
void read_attachment(const pg_rows& rows, std::size_t row, std::size_t first,
                     livechat::v1::Attachment& out);

}  // namespace lc::record
