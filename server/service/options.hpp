#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "server/core/file_type.hpp"
#include "server/core/limits.hpp"
#include "server/outbound/smtp_send.hpp"

namespace lc::service {

// Everything the chat service needs to know from the configuration.
struct service_options {
  std::string node_id;
  std::string secret;  // signs agent and visitor tokens
  core::limits limits;
  // The departments the operator defined: the only ones a visitor may join or leave a message
  // for, a transfer may target, and a tick matches and /metrics reports.
  std::vector<std::string> departments{"support", "billing", "tech", "sales"};
  std::chrono::milliseconds agent_grace{30000};
  // Assigned and not answered by its agent this long: back to the front of the queue (0: never),
  // and the silent agent set away when reassign_sets_away.
  std::chrono::milliseconds reassign_after{60000};
  bool reassign_sets_away = true;
  std::chrono::milliseconds visitor_grace{120000};
  std::chrono::milliseconds tick{1000};  // periodic matching, sweeps, lease renewal
  std::chrono::milliseconds lease_ttl{10000};
  std::chrono::milliseconds redis_timeout{2000};
  std::chrono::seconds visitor_token_ttl{30 * 24 * 3600};
  // A signed-in console's token: short, since the console renews it with its refresh token and
  // a token cannot be taken back before it expires but by revoking every token of its holder.
  std::chrono::seconds staff_token_ttl{15 * 60};
  std::chrono::seconds sign_in_ttl{7 * 24 * 3600};  // how long a refresh token renews
  double messages_per_second = 20;                  // per connection, sustained
  double message_burst = 40;
  // Bounds on what one anonymous client can make the server store (per address and per visitor).
  std::uint32_t max_messages_before_answer = 20;  // per conversation, until an agent answers
  std::uint32_t max_queued_per_address = 5;       // waiting conversations at once
  std::uint32_t joins_per_minute = 6;
  std::uint32_t offline_messages_per_hour = 10;
  std::uint32_t transcripts_per_hour = 5;  // by email (twice that per address)
  // Files in chat: the largest upload (0: off) and the media types taken (core::file_type_allowed).
  std::uint64_t max_file_bytes = 10ULL * 1024 * 1024;
  std::vector<std::string> file_types = core::default_file_types();
  std::uint32_t uploads_per_hour = 30;  // per visitor (twice that per address)
  std::string clamd_socket;  // scan each upload with clamd there before releasing it; "" = no
  // How long Redis keeps a closed conversation once it is archived (late resume, rating,
  // transcript download).
  std::chrono::milliseconds keep_closed{24LL * 3600 * 1000};
  // Archived conversations older than this are deleted or anonymised; 0: kept for ever.
  std::chrono::milliseconds retention{0};
  bool retention_anonymise = false;
  std::chrono::milliseconds retention_every{60000};  // how often a node applies it
  // A closed conversation still pending this long is taken up by the periodic catch-up (its
  // closer died, or PostgreSQL was down); sooner, it is most likely being archived right now.
  std::chrono::milliseconds archive_retry_after{5000};
  // Sneak peek: staff see what a visitor types before they send it (never stored).
  bool sneak_peek = false;
  // A webhook delivery still failing this long after its event is given up.
  std::chrono::milliseconds webhook_give_up{24LL * 3600 * 1000};
  // Email: transcripts and answers to offline messages (off while smtp.url is empty), and how
  // long a mail the mail server does not take is retried.
  outbound::smtp_settings smtp;
  std::chrono::milliseconds mail_give_up{24LL * 3600 * 1000};

  bool has_department(const std::string& d) const {
    return std::find(departments.begin(), departments.end(), d) != departments.end();
  }
};

}  // namespace lc::service
