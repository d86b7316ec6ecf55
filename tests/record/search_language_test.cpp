#include "server/record/search_language.hpp"

#include <gtest/gtest.h>

#include "tests/record/record_env.hpp"

namespace lc::record {
namespace {

TEST(SearchLanguage, TagsMapToTheirStemmerAndTheRestToSimple) {
  EXPECT_EQ(text_search_config("en"), "english");
  EXPECT_EQ(text_search_config("de-AT"), "german");
  EXPECT_EQ(text_search_config("PT_br"), "portuguese");
  EXPECT_EQ(text_search_config("nb-NO"), "norwegian");
  EXPECT_EQ(text_search_config("ja-JP"), "simple");
  EXPECT_EQ(text_search_config("zh-Hans-CN"), "simple");
  EXPECT_EQ(text_search_config(""), "simple");
  EXPECT_EQ(text_search_config("e1"), "simple");
  EXPECT_EQ(text_search_config("english"), "simple");  // not a language tag
}

// Every configuration the mapping can name exists in the PostgreSQL we run on.
TEST(SearchLanguage, EveryConfigurationNamedExists) {
  test::record_env env;
  for (const char* tag :
       {"ar", "hy", "eu", "ca", "da", "nl", "en", "fi", "fr", "de", "el", "hi", "hu", "id", "ga",
        "it", "lt", "ne", "no", "pt", "ro", "ru", "sr", "es", "sv", "ta", "tr", "yi", "ja"}) {
    const auto config = text_search_config(tag);
    EXPECT_NO_THROW(env.db().exec("SELECT to_tsvector($1::regconfig, 'word')", {config}))
        << tag << " -> " << config;
  }
}

}  // namespace
}  // namespace lc::record
