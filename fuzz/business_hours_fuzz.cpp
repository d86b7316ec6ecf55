// What an admin types as a department's hours and holidays, and the zone file read from disk:
// the bytes as a TZif file, and split on NUL bytes as "<schedule>\0<holidays>\0<TZif bytes>".
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "server/core/business_hours.hpp"
#include "server/core/time_zone.hpp"

namespace {

using lc::core::business_hours;
using lc::core::time_zone;

// Offsets stay within what from_tzif admits, and to_utc gives back an instant with that local time
// unless the local time falls in a gap.
void check_zone(const time_zone& zone) {
  constexpr std::array<std::int64_t, 6> instants{
      0, 1'774'746'000, 4'102'444'800, -2'208'988'800, 1'000'000'000'000, -1'000'000'000'000};
  for (const auto t : instants) {
    const std::int32_t offset = zone.offset_at(t);
    if (offset < -89999 || offset > 93599) __builtin_trap();
    const std::int64_t back = zone.to_utc(t + offset);
    // t has that local time, so to_utc finds it or an earlier instant of an overlap.
    if (back > t || back + zone.offset_at(back) != t + offset) __builtin_trap();
    if (auto next = zone.next_transition(t); next && *next <= t) __builtin_trap();
  }
}

void check_hours(const business_hours& hours) {
  constexpr std::array<std::int64_t, 4> instants{0, 1'774'746'000'000, 1'792'890'000'000,
                                                 4'102'444'800'000};
  for (const auto t : instants) {
    const bool open = hours.open_at(t);
    const auto opens = hours.next_opening(t);
    if (opens && (*opens < t || !hours.open_at(*opens) || (open && *opens != t))) __builtin_trap();
    const auto closes = hours.closes_at(t);
    if (closes && (!open || *closes <= t || hours.open_at(*closes))) __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  if (const auto zone = time_zone::from_tzif(bytes)) check_zone(*zone);

  const std::size_t first = bytes.find('\0');
  const std::string_view schedule_text = bytes.substr(0, first);
  const std::string_view rest =
      first == std::string_view::npos ? std::string_view() : bytes.substr(first + 1);
  const std::size_t second = rest.find('\0');
  const std::string_view holiday_text = rest.substr(0, second);
  const std::string_view zone_bytes =
      second == std::string_view::npos ? std::string_view() : rest.substr(second + 1);

  const auto schedule = lc::core::parse_schedule(schedule_text);
  if (schedule) {
    // The canonical text reads back as the same schedule.
    const auto again = lc::core::parse_schedule(lc::core::format_schedule(*schedule));
    if (!again || *again != *schedule) __builtin_trap();
  }
  const auto holidays = lc::core::parse_holidays(holiday_text);
  if (holidays) {
    const auto again = lc::core::parse_holidays(lc::core::format_holidays(*holidays));
    if (!again || *again != *holidays) __builtin_trap();
  }
  if (!schedule || !holidays) return 0;
  auto zone = time_zone::from_tzif(zone_bytes);
  if (zone) check_zone(*zone);
  check_hours(business_hours(*schedule, *holidays, zone.value_or(time_zone::utc())));
  return 0;
}
