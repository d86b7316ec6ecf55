#pragma once

#include <string>
#include <string_view>

namespace lc::record {

// The PostgreSQL text search configuration for a BCP 47 language tag ("de-AT" → "german"):
// the stemmers Debian's PostgreSQL 15 ships, else "simple" (CJK and the rest, which search
// then finds by trigrams).
std::string text_search_config(std::string_view language_tag);

}  // namespace lc::record
