#pragma once

#include <cstddef>
#include <cstdint>

namespace lc::core {

// Size limits applied to everything a client sends, before any of it reaches Redis.
struct limits {
  std::size_t max_frame_bytes = 64UL * 1024;  // larger frames close the socket with 1009
  std::size_t max_text_bytes = 8UL * 1024;    // one chat message
  std::size_t max_name_bytes = 80;
  std::size_t max_email_bytes = 254;
  std::size_t max_id_bytes = 64;  // conversation ids, client message ids, departments
  std::size_t max_url_bytes = 2048;
  std::size_t max_metadata_entries = 32;
  std::size_t max_metadata_key_bytes = 64;
  std::size_t max_metadata_value_bytes = 512;
  std::size_t max_comment_bytes = 2000;
  std::size_t max_draft_bytes = 1000;      // sneak peek: the unsent text a visitor's Typing carries
  std::size_t max_page_title_bytes = 300;  // PageView
  std::size_t max_user_agent_bytes = 512;
  std::uint32_t max_capacity = 50;
  std::uint32_t max_list_limit = 200;
};

}  // namespace lc::core
