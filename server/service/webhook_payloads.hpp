#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "livechat/v1/livechat.pb.h"
#include "server/record/archive.hpp"

// What each webhook event says: its name, its idempotency key (the same for the same event,
// whoever emits it and however often) and its `data` object. One function per event.
namespace lc::service::webhook_payloads {

struct payload {
  const char* event;
  std::string key;
  std::string data_json;
};

payload created(const std::string& conv, const std::string& department,
                const std::string& visitor_id, const std::string& name, const std::string& email,
                const std::string& page_url, const std::string& first_message,
                std::int64_t joined_ms, const std::vector<livechat::v1::FormAnswer>& form);
payload assigned(const std::string& conv, const std::string& agent, const std::string& department,
                 std::int64_t wait_ms, std::int64_t at_ms);
// A MESSAGE event as the stream holds it (never a note).
payload message(const livechat::v1::ChatEvent& e);
payload transferred(const std::string& conv, const std::string& by, bool to_agent,
                    const std::string& target, std::int64_t at_ms);
payload closed(const record::conversation_archive& a);
payload rated(const std::string& conv, std::uint32_t rating, std::uint32_t scale,
              const std::string& comment, const std::vector<livechat::v1::FormAnswer>& answers);

}  // namespace lc::service::webhook_payloads
