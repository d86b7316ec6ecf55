#include "server/core/mail.hpp"

#include <array>
#include <ctime>

#include "server/core/base64.hpp"

namespace lc::core {

namespace {

constexpr std::size_t max_address_bytes = 254;
constexpr std::size_t max_local_bytes = 64;
constexpr std::size_t max_label_bytes = 63;
// An encoded word is at most 75 bytes; 45 bytes of text make 60 of base64 plus the framing.
constexpr std::size_t encoded_chunk_bytes = 45;
constexpr std::size_t body_line_chars = 76;

bool alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool atext(char c) {
  return alnum(c) || std::string_view("!#$%&'*+-/=?^_`{|}~").find(c) != std::string_view::npos;
}

bool local_part(std::string_view s) {
  if (s.empty() || s.size() > max_local_bytes || s.front() == '.' || s.back() == '.') return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '.' ? s[i + 1] == '.' : !atext(s[i])) return false;
  }
  return true;
}

bool domain(std::string_view s) {
  if (s.empty()) return false;
  std::size_t start = 0;
  while (start <= s.size()) {
    const auto dot = s.find('.', start);
    const auto label = s.substr(start, dot == std::string_view::npos ? dot : dot - start);
    if (label.empty() || label.size() > max_label_bytes || label.front() == '-' ||
        label.back() == '-') {
      return false;
    }
    for (char c : label) {
      if (!alnum(c) && c != '-') return false;
    }
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return true;
}

// Where a chunk of at most `limit` bytes of UTF-8 may end without splitting a character.
std::size_t utf8_cut(std::string_view s, std::size_t limit) {
  if (s.size() <= limit) return s.size();
  std::size_t cut = limit;
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0U) == 0x80U) --cut;
  return cut == 0 ? limit : cut;
}

}  // namespace

bool mailable_address(std::string_view address) {
  if (address.size() > max_address_bytes) return false;
  const auto at = address.rfind('@');
  if (at == std::string_view::npos) return false;
  return local_part(address.substr(0, at)) && domain(address.substr(at + 1));
}

std::string header_text(std::string_view text) {
  std::string clean;
  clean.reserve(text.size());
  bool ascii = true;
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F) {
      clean.push_back(' ');
    } else {
      if (u >= 0x80) ascii = false;
      clean.push_back(c);
    }
  }
  if (ascii) return clean;
  std::string out;
  std::string_view rest = clean;
  while (!rest.empty()) {
    const auto n = utf8_cut(rest, encoded_chunk_bytes);
    if (!out.empty()) out += "\r\n ";  // folded: each encoded word within its own line
    out.append("=?UTF-8?B?").append(base64_encode(rest.substr(0, n))).append("?=");
    rest.remove_prefix(n);
  }
  return out;
}

std::string mail_date(std::int64_t unix_ms) {
  const std::time_t t = unix_ms / 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::array<char, 64> buf{};
  const auto n = std::strftime(buf.data(), buf.size(), "%a, %d %b %Y %H:%M:%S +0000", &tm);
  return {buf.data(), n};
}

std::string compose_mail(const mail_message& m) {
  std::string body;
  body.reserve(m.body.size() + m.body.size() / 8);
  for (char c : m.body) {
    if (c == '\n') body.push_back('\r');
    if (c != '\r') body.push_back(c);
  }
  const auto encoded = base64_encode(body);
  std::string out;
  out.reserve(encoded.size() + encoded.size() / body_line_chars * 2 + 512);
  out.append("Date: ").append(mail_date(m.date_ms)).append("\r\n");
  out.append("From: ");
  if (!m.from_name.empty()) {
    const auto name = header_text(m.from_name);
    // A plain name is quoted (it may hold specials like ',' or '<'); quotes inside become '.
    if (name.rfind("=?", 0) == 0) {
      out.append(name);
    } else {
      out.push_back('"');
      for (char c : name) out.push_back(c == '"' || c == '\\' ? '\'' : c);
      out.push_back('"');
    }
    out.push_back(' ');
  }
  out.append("<").append(m.from).append(">\r\n");
  out.append("To: <").append(m.to).append(">\r\n");
  if (!m.reply_to.empty()) out.append("Reply-To: <").append(m.reply_to).append(">\r\n");
  out.append("Subject: ").append(header_text(m.subject)).append("\r\n");
  out.append("Message-ID: ").append(m.message_id).append("\r\n");
  out.append("MIME-Version: 1.0\r\n");
  out.append("Content-Type: text/plain; charset=utf-8\r\n");
  out.append("Content-Transfer-Encoding: base64\r\n");
  // Vacation responders and ticket systems do not answer a mail the server wrote by itself.
  if (m.automatic) out.append("Auto-Submitted: auto-generated\r\n");
  out.append("\r\n");
  for (std::size_t i = 0; i < encoded.size(); i += body_line_chars) {
    out.append(encoded, i, body_line_chars).append("\r\n");
  }
  return out;
}

}  // namespace lc::core
