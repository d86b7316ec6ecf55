#include "server/service/client_limits.hpp"

namespace lc::service {

namespace {

// N per period, with a burst of N: a visitor may use a whole period's allowance at once.
core::rate_table per_period(std::uint32_t n, double period_s) {
  return core::rate_table(static_cast<double>(n) / period_s, static_cast<double>(n));
}

// Visitors behind one address (an office, a mobile carrier's NAT) share more than one's allowance.
constexpr double address_share = 5;

}  // namespace

client_limits::client_limits(const service_options& options)
    : joins_by_address_(per_period(options.joins_per_minute, 60)),
      joins_by_visitor_(per_period(options.joins_per_minute, 60)),
      messages_by_address_(options.messages_per_second * address_share,
                           options.message_burst * address_share),
      messages_by_visitor_(options.messages_per_second, options.message_burst),
      offline_by_address_(per_period(options.offline_messages_per_hour, 3600)),
      offline_by_visitor_(per_period(options.offline_messages_per_hour, 3600)),
      transcripts_by_address_(per_period(options.transcripts_per_hour * 2, 3600)),
      transcripts_by_visitor_(per_period(options.transcripts_per_hour, 3600)) {}

bool client_limits::allow_join(const std::string& address, const std::string& visitor,
                               std::int64_t now_ms) {
  return joins_by_address_.allow(address, now_ms) && joins_by_visitor_.allow(visitor, now_ms);
}

bool client_limits::allow_message(const std::string& address, const std::string& visitor,
                                  std::int64_t now_ms) {
  return messages_by_visitor_.allow(visitor, now_ms) && messages_by_address_.allow(address, now_ms);
}

bool client_limits::allow_offline_message(const std::string& address, const std::string& visitor,
                                          std::int64_t now_ms) {
  return offline_by_address_.allow(address, now_ms) && offline_by_visitor_.allow(visitor, now_ms);
}

bool client_limits::allow_transcript(const std::string& address, const std::string& visitor,
                                     std::int64_t now_ms) {
  return transcripts_by_visitor_.allow(visitor, now_ms) &&
         transcripts_by_address_.allow(address, now_ms);
}

}  // namespace lc::service
