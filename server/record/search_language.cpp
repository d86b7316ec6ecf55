#include "server/record/search_language.hpp"

#include <cctype>
#include <utility>

namespace lc::record {

std::string text_search_config(std::string_view tag) {
  static const std::pair<const char*, const char*> known[] = {
      {"ar", "arabic"},     {"hy", "armenian"},   {"eu", "basque"},    {"ca", "catalan"},
      {"da", "danish"},     {"nl", "dutch"},      {"en", "english"},   {"fi", "finnish"},
      {"fr", "french"},     {"de", "german"},     {"el", "greek"},     {"hi", "hindi"},
      {"hu", "hungarian"},  {"id", "indonesian"}, {"ga", "irish"},     {"it", "italian"},
      {"lt", "lithuanian"}, {"ne", "nepali"},     {"no", "norwegian"}, {"nb", "norwegian"},
      {"nn", "norwegian"},  {"pt", "portuguese"}, {"ro", "romanian"},  {"ru", "russian"},
      {"sr", "serbian"},    {"es", "spanish"},    {"sv", "swedish"},   {"ta", "tamil"},
      {"tr", "turkish"},    {"yi", "yiddish"}};
  std::string primary;
  for (char ch : tag) {
    if (ch == '-' || ch == '_' || primary.size() > 3) break;
    if (!std::isalpha(static_cast<unsigned char>(ch))) return "simple";
    primary += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  }
  for (const auto& [code, config] : known) {
    if (primary == code) return config;
  }
  return "simple";
}

}  // namespace lc::record
