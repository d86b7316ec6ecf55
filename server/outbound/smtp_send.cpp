#include "server/outbound/smtp_send.hpp"

#include <curl/curl.h>

#include <cstring>
#include <memory>
#include <mutex>
#include <string_view>

namespace lc::outbound {

namespace {

void init_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// libcurl pulls the message through this, a piece at a time.
struct upload {
  std::string_view rest;
};

std::size_t read_message(char* buffer, std::size_t size, std::size_t n, void* data) {
  auto& u = *static_cast<upload*>(data);
  const auto take = std::min(size * n, u.rest.size());
  std::memcpy(buffer, u.rest.data(), take);
  u.rest.remove_prefix(take);
  return take;
}

long use_ssl(const std::string& tls) {
  if (tls == "none") return CURLUSESSL_NONE;
  if (tls == "try") return CURLUSESSL_TRY;
  return CURLUSESSL_ALL;
}

}  // namespace

smtp_result smtp_send(const smtp_settings& settings, const std::string& to,
                      const std::string& message) {
  init_once();
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) return {false, false, "curl_easy_init failed"};
  const std::string rcpt = "<" + to + ">";
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> recipients(
      curl_slist_append(nullptr, rcpt.c_str()), curl_slist_free_all);
  const std::string from = "<" + settings.from + ">";
  upload body{message};
  char error[CURL_ERROR_SIZE] = {0};
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, settings.url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(settings.timeout.count()));
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(settings.timeout.count()));
  curl_easy_setopt(c, CURLOPT_USE_SSL, use_ssl(settings.tls));
  if (!settings.user.empty()) {
    curl_easy_setopt(c, CURLOPT_USERNAME, settings.user.c_str());
    curl_easy_setopt(c, CURLOPT_PASSWORD, settings.password.c_str());
  }
  curl_easy_setopt(c, CURLOPT_MAIL_FROM, from.c_str());
  curl_easy_setopt(c, CURLOPT_MAIL_RCPT, recipients.get());
  curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(c, CURLOPT_READFUNCTION, &read_message);
  curl_easy_setopt(c, CURLOPT_READDATA, &body);
  curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(message.size()));
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
  const CURLcode rc = curl_easy_perform(c);
  if (rc == CURLE_OK) return {true, false, ""};
  long code = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
  smtp_result out;
  out.error = error[0] != 0 ? error : curl_easy_strerror(rc);
  if (code != 0) out.error += " (SMTP " + std::to_string(code) + ")";
  out.permanent = code >= 500 && code < 600;
  return out;
}

}  // namespace lc::outbound
