#pragma once

#include <cstdlib>
#include <string>
#include <utility>

#include "server/core/json_value.hpp"
#include "tests/e2e/e2e_env.hpp"
#include "tests/support/http_client.hpp"

namespace lc::test {

inline constexpr const char* admin_password = "correct horse battery staple";

// A node with a system of record and its first admin, made on the command line, and REST calls.
class team_suite : public e2e {
 protected:
  void SetUp() override {
    e2e::SetUp();
    // The first admin, as the README says: before the server starts, password on stdin.
    ASSERT_EQ(create_account_on_command_line("root@example.org", "Root", admin_password), 0);
    node_ = start_node("n1");
  }

  int create_account_on_command_line(const std::string& email, const std::string& name,
                                     const std::string& password) {
    const std::string cmd = "printf '%s\\n' '" + password + "' | " + LIVECHAT_BINARY +
                            " admin create --postgres '" + postgres().url() + "' --email '" +
                            email + "' --name '" + name + "' >/dev/null 2>&1";
    const int rc = std::system(cmd.c_str());
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  }

  http_response call(const std::string& method, const std::string& target,
                     const std::string& body = {}, const std::string& token = {}) {
    http_headers h{{"Content-Type", "application/json"}};
    if (!token.empty()) h.emplace_back("Authorization", "Bearer " + token);
    return http_request(method, node_->host(), node_->port(), target, h, body);
  }

  static core::json_value json(const http_response& r) {
    auto v = core::parse_json(r.body);
    EXPECT_TRUE(v) << r.body;
    return v.value_or(core::json_value{});
  }

  static std::string field(const core::json_value& v, const char* key) {
    const auto* f = v.find(key);
    return f != nullptr && f->is_string() ? f->as_string() : std::string();
  }

  // Signs in; the token and the refresh token.
  std::pair<std::string, std::string> sign_in(const std::string& email,
                                              const std::string& password) {
    auto r = call("POST", "/api/login",
                  R"({"email":")" + email + R"(","password":")" + password + R"("})");
    EXPECT_EQ(r.status, 200) << r.body;
    auto v = json(r);
    return {field(v, "token"), field(v, "refresh_token")};
  }

  std::unique_ptr<server_process> node_;
};

}  // namespace lc::test
