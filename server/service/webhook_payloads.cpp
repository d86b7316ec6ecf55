#include "server/service/webhook_payloads.hpp"

#include "server/core/chat_form.hpp"
#include "server/core/json.hpp"
#include "server/service/rest_replies.hpp"

namespace lc::service::webhook_payloads {

payload created(const std::string& conv, const std::string& department,
                const std::string& visitor_id, const std::string& name, const std::string& email,
                const std::string& page_url, const std::string& first_message,
                std::int64_t joined_ms, const std::vector<livechat::v1::FormAnswer>& form) {
  core::json_writer j;
  j.begin_object();
  j.key("conversation_id").value(conv);
  j.key("department").value(department);
  j.key("visitor").begin_object();
  j.key("id").value(visitor_id).key("name").value(name).key("email").value(email);
  j.end_object();
  j.key("page_url").value(page_url);
  j.key("first_message").value(first_message);
  j.key("joined_ms").value(joined_ms);
  j.key("form");
  core::write_answers_json(j, form);
  j.end_object();
  return {"conversation.created", conv + ":created", j.str()};
}

payload assigned(const std::string& conv, const std::string& agent, const std::string& department,
                 std::int64_t wait_ms, std::int64_t at_ms) {
  core::json_writer j;
  j.begin_object();
  j.key("conversation_id").value(conv);
  j.key("agent_id").value(agent);
  j.key("department").value(department);
  j.key("waited_ms").value(wait_ms);
  j.key("at_ms").value(at_ms);
  j.end_object();
  return {"conversation.assigned", conv + ":assigned:" + agent + ":" + std::to_string(at_ms),
          j.str()};
}

payload message(const livechat::v1::ChatEvent& e) {
  core::json_writer j;
  j.begin_object();
  j.key("conversation_id").value(e.conversation_id());
  j.key("seq").value(e.seq());
  j.key("role").value(rest::role_name(e.sender_role()));
  j.key("sender_id").value(e.sender_id());
  j.key("sender_name").value(e.sender_name());
  j.key("text").value(e.text());
  rest::write_attachment(j, e);
  j.key("at_ms").value(e.at_ms());
  j.end_object();
  return {"conversation.message", e.conversation_id() + ":" + std::to_string(e.seq()), j.str()};
}

payload transferred(const std::string& conv, const std::string& by, bool to_agent,
                    const std::string& target, std::int64_t at_ms) {
  core::json_writer j;
  j.begin_object();
  j.key("conversation_id").value(conv);
  j.key("by").value(by);
  j.key(to_agent ? "to_agent_id" : "to_department").value(target);
  j.key("at_ms").value(at_ms);
  j.end_object();
  return {"conversation.transferred", conv + ":transferred:" + std::to_string(at_ms), j.str()};
}

payload closed(const record::conversation_archive& a) {
  core::json_writer j;
  j.begin_object();
  j.key("conversation_id").value(a.id);
  j.key("department").value(a.department);
  j.key("visitor").begin_object();
  j.key("id").value(a.visitor_id).key("name").value(a.visitor_name).key("email").value(a.email);
  j.end_object();
  j.key("agent_id").value(a.agent_id);
  j.key("agents").begin_array();
  for (const auto& x : a.agents) j.value(x);
  j.end_array();
  j.key("tags").begin_array();
  for (const auto& t : a.tags) j.value(t);
  j.end_array();
  j.key("joined_ms").value(a.joined_ms);
  j.key("closed_ms").value(a.closed_ms);
  j.key("missed").value(a.missed);
  j.key("visitor_messages").value(static_cast<std::uint64_t>(a.visitor_messages));
  j.key("agent_messages").value(static_cast<std::uint64_t>(a.agent_messages));
  j.key("rating").value(static_cast<std::uint64_t>(a.rating));
  j.end_object();
  return {"conversation.closed", a.id + ":closed", j.str()};
}

payload rated(const std::string& conv, std::uint32_t rating, std::uint32_t scale,
              const std::string& comment, const std::vector<livechat::v1::FormAnswer>& answers) {
  core::json_writer j;
  j.begin_object();
  j.key("conversation_id").value(conv);
  j.key("rating").value(static_cast<std::uint64_t>(rating));
  j.key("scale").value(static_cast<std::uint64_t>(scale));
  j.key("comment").value(comment);
  j.key("answers");
  core::write_answers_json(j, answers);
  j.end_object();
  return {"conversation.rated", conv + ":rated", j.str()};
}

}  // namespace lc::service::webhook_payloads
