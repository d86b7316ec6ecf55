#include "server/core/transcript_text.hpp"

#include <array>
#include <ctime>

#include "server/core/conversation_state.hpp"
#include "server/core/file_type.hpp"

namespace lc::core {

namespace pb = livechat::v1;

namespace {

std::tm utc(std::int64_t unix_ms) {
  const std::time_t t = unix_ms / 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  return tm;
}

std::string format(const std::tm& tm, const char* pattern) {
  std::array<char, 64> buf{};
  const auto n = std::strftime(buf.data(), buf.size(), pattern, &tm);
  return {buf.data(), n};
}

std::string_view name_of(const pb::ChatEvent& e) {
  if (!e.sender_name().empty()) return e.sender_name();
  return e.sender_role() == pb::ROLE_VISITOR ? "Visitor" : "Support";
}

// The line a visible event other than a message gets; "" for none.
std::string change_line(const pb::ChatEvent& e) {
  switch (e.kind()) {
    case pb::EVENT_KIND_ASSIGNED:
    case pb::EVENT_KIND_BARGED_IN:
      return std::string(name_of(e)) + " joined the chat.";
    case pb::EVENT_KIND_TRANSFERRED:
      return "The chat was transferred.";
    case pb::EVENT_KIND_REQUEUED:
      return "Waiting for the next available agent.";
    case pb::EVENT_KIND_IDLE_PROMPT:
      return e.text().empty() ? "Are you still there?" : e.text();
    case pb::EVENT_KIND_CLOSED:
      return "The chat ended.";
    default:
      return "";
  }
}

// Continuation lines of a message line up under its text.
void append_indented(std::string& out, std::string_view text, std::size_t indent) {
  std::size_t start = 0;
  while (true) {
    const auto nl = text.find('\n', start);
    if (start > 0) out.append(indent, ' ');
    out.append(text.substr(start, nl == std::string_view::npos ? nl : nl - start));
    out.push_back('\n');
    if (nl == std::string_view::npos) break;
    start = nl + 1;
  }
}

}  // namespace

std::string transcript_text(const std::vector<pb::ChatEvent>& events, std::string_view team_name,
                            std::string_view conversation_id) {
  std::string out = "Transcript of your chat with ";
  out.append(team_name).append("\nTimes are in UTC.\n");
  std::string day;
  for (const auto& e : events) {
    if (staff_only(e.kind()) || e.kind() == pb::EVENT_KIND_JOINED) continue;
    const auto line = e.kind() == pb::EVENT_KIND_MESSAGE ? std::string() : change_line(e);
    if (e.kind() != pb::EVENT_KIND_MESSAGE && line.empty()) continue;
    const auto tm = utc(e.at_ms());
    if (auto d = format(tm, "%A, %d %B %Y"); d != day) {
      out.append("\n").append(d).append("\n");
      day = std::move(d);
    }
    std::string head = "[" + format(tm, "%H:%M") + "] ";
    if (e.kind() == pb::EVENT_KIND_MESSAGE) head.append(name_of(e)).append(": ");
    out.append(head);
    std::string text = e.kind() == pb::EVENT_KIND_MESSAGE ? e.text() : line;
    if (e.kind() == pb::EVENT_KIND_MESSAGE && e.has_attachment()) {
      // The file itself stays on the server: the mail says it was sent.
      if (!text.empty()) text.push_back('\n');
      text +=
          "[file: " + e.attachment().name() + " (" + file_size_text(e.attachment().size()) + ")]";
    }
    append_indented(out, text, head.size());
  }
  out.append("\nReference: ").append(conversation_id).append("\n");
  return out;
}

}  // namespace lc::core
