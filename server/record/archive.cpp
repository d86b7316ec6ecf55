#include "server/record/archive.hpp"

#include "server/core/json.hpp"
#include "server/core/json_value.hpp"
#include "server/record/files.hpp"
#include "server/record/search_language.hpp"

namespace lc::record {

namespace pb = livechat::v1;

std::string storable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    if (ch == '\0') {
      out += "\xEF\xBF\xBD";
    } else {
      out += ch;
    }
  }
  return out;
}

namespace {

std::string metadata_json(const std::map<std::string, std::string>& metadata) {
  core::json_writer j;
  j.begin_object();
  for (const auto& [k, v] : metadata) j.key(storable(k)).value(storable(v));
  j.end_object();
  return j.str();
}

// As core::write_answers_json, with NULs made storable (jsonb refuses \u0000).
std::string answers_json(const std::vector<pb::FormAnswer>& answers) {
  core::json_writer j;
  j.begin_array();
  for (const auto& a : answers) {
    j.begin_object();
    j.key("field_id").value(a.field_id());
    j.key("label").value(storable(a.label()));
    j.key("value").value(storable(a.value()));
    j.end_object();
  }
  j.end_array();
  return j.str();
}

std::vector<pb::FormAnswer> answers_from_json(std::string_view text) {
  std::vector<pb::FormAnswer> out;
  auto doc = core::parse_json(text);
  if (!doc) return out;
  for (const auto& item : doc->items()) {
    const auto* id = item.find("field_id");
    const auto* label = item.find("label");
    const auto* value = item.find("value");
    if (id == nullptr || label == nullptr || value == nullptr) continue;
    auto& a = out.emplace_back();
    a.set_field_id(id->as_string());
    a.set_label(label->as_string());
    a.set_value(value->as_string());
  }
  return out;
}

std::string events_json(const std::vector<pb::ChatEvent>& events) {
  core::json_writer j;
  j.begin_array();
  for (const auto& e : events) {
    j.begin_object();
    j.key("seq").value(e.seq());
    j.key("kind").value(static_cast<int>(e.kind()));
    j.key("role").value(static_cast<int>(e.sender_role()));
    j.key("sender_id").value(storable(e.sender_id()));
    j.key("sender_name").value(storable(e.sender_name()));
    j.key("body").value(storable(e.text()));
    j.key("client_msg_id").value(storable(e.client_msg_id()));
    j.key("agent_id").value(storable(e.agent_id()));
    j.key("department").value(storable(e.department()));
    j.key("at_ms").value(e.at_ms());
    j.key("attachment_id").value(e.attachment().id());
    j.key("page_title").value(storable(e.page_title()));
    j.end_object();
  }
  j.end_array();
  return j.str();
}

std::string measurements_json(const std::vector<archived_measurement>& rows) {
  core::json_writer j;
  j.begin_array();
  for (const auto& m : rows) {
    j.begin_object();
    j.key("measure").value(m.measure);
    j.key("idx").value(m.index);
    j.key("department").value(storable(m.department));
    j.key("agent_id").value(storable(m.agent_id));
    j.key("value").value(m.value);
    j.key("at_ms").value(m.at_ms);
    j.end_object();
  }
  j.end_array();
  return j.str();
}

// What search looks through: the text of every message, one per line.
std::string search_text(const std::vector<pb::ChatEvent>& events) {
  std::string out;
  for (const auto& e : events) {
    if (e.kind() != pb::EVENT_KIND_MESSAGE) continue;
    if (!out.empty()) out += '\n';
    out += storable(e.text());
  }
  return out;
}

std::optional<std::string> number_or_null(std::uint32_t v) {
  if (v == 0) return std::nullopt;
  return std::to_string(v);
}

}  // namespace

bool write_archive(pg_connection& db, const conversation_archive& c) {
  return in_transaction(db, [&] {
    // Redis lets the conversation go once this commits: the commit must be durable whatever
    // the server's synchronous_commit (with it off, a crash loses commits already reported).
    db.exec("SET LOCAL synchronous_commit TO on");
    // Serialised with an erasure of the same visitor (erase_visitor takes the same lock).
    db.exec("SELECT pg_advisory_xact_lock(hashtext($1))", {c.visitor_id});
    auto erased = db.exec("SELECT 1 FROM erasures WHERE visitor_id = $1 AND erased_ms >= $2",
                          {c.visitor_id, std::to_string(c.joined_ms)});
    if (!erased.empty()) return false;
    auto language = c.metadata.find("language");
    const auto config =
        text_search_config(language == c.metadata.end() ? std::string_view() : language->second);
    auto inserted = db.exec(
        "INSERT INTO conversations (id, visitor_id, visitor_name, email, department, page_url, "
        "agent_id, agent_name, agents, tags, joined_ms, assigned_ms, closed_ms, first_message, "
        "rating, comment, missed, visitor_messages, agent_messages, metadata, language, "
        "search_text, archived_ms, form, rating_scale, survey_answers) VALUES ($1, $2, $3, $4, $5, "
        "$6, $7, $8, $9::text[], $10::text[], $11, $12, $13, $14, $15, $16, $17, $18, $19, "
        "$20::jsonb, $21::regconfig, $22, $23, $24::jsonb, $25, $26::jsonb) ON CONFLICT (id) DO "
        "NOTHING RETURNING 1",
        {c.id,
         c.visitor_id,
         storable(c.visitor_name),
         storable(c.email),
         c.department,
         storable(c.page_url),
         c.agent_id,
         storable(c.agent_name),
         text_array(c.agents),
         text_array(c.tags),
         std::to_string(c.joined_ms),
         std::to_string(c.assigned_ms),
         std::to_string(c.closed_ms),
         storable(c.first_message),
         number_or_null(c.rating),
         storable(c.comment),
         c.missed ? "true" : "false",
         std::to_string(c.visitor_messages),
         std::to_string(c.agent_messages),
         metadata_json(c.metadata),
         config,
         search_text(c.events),
         std::to_string(c.archived_ms),
         answers_json(c.form),
         std::to_string(c.rating_scale),
         answers_json(c.survey_answers)});
    const bool created = !inserted.empty();
    if (created) {
      db.exec(
          "INSERT INTO events (conversation_id, seq, kind, role, sender_id, sender_name, body, "
          "client_msg_id, agent_id, department, at_ms, attachment_id, page_title) SELECT $1, e.* "
          "FROM jsonb_to_recordset($2::jsonb) AS e(seq bigint, kind smallint, role smallint, "
          "sender_id text, sender_name text, body text, client_msg_id text, agent_id text, "
          "department text, at_ms bigint, attachment_id text, page_title text) ON CONFLICT DO "
          "NOTHING",
          {c.id, events_json(c.events)});
    } else if (c.rating != 0) {
      // Rated after it was archived: the only change a closed conversation still takes.
      db.exec(
          "UPDATE conversations SET rating = $2, comment = $3, rating_scale = $4, "
          "survey_answers = $5::jsonb WHERE id = $1 AND rating IS NULL AND anonymised_ms IS NULL",
          {c.id, std::to_string(c.rating), storable(c.comment), std::to_string(c.rating_scale),
           answers_json(c.survey_answers)});
    }
    db.exec(
        "INSERT INTO measurements (conversation_id, measure, idx, department, agent_id, value, "
        "at_ms) SELECT $1, m.* FROM jsonb_to_recordset($2::jsonb) AS m(measure text, idx integer, "
        "department text, agent_id text, value bigint, at_ms bigint) "
        "WHERE EXISTS (SELECT 1 FROM conversations WHERE id = $1) ON CONFLICT DO NOTHING",
        {c.id, measurements_json(c.measurements)});
    return created;
  });
}

namespace {

std::vector<std::string> parse_text_array(std::string_view literal) {
  // PostgreSQL's text[] output: {a,"b c","d\"e"}; our ids never need quoting, names may.
  std::vector<std::string> out;
  if (literal.size() < 2) return out;
  literal = literal.substr(1, literal.size() - 2);
  std::string cur;
  bool quoted = false, any = false;
  for (std::size_t i = 0; i < literal.size(); ++i) {
    char ch = literal[i];
    if (quoted) {
      if (ch == '\\' && i + 1 < literal.size()) {
        cur += literal[++i];
      } else if (ch == '"') {
        quoted = false;
      } else {
        cur += ch;
      }
    } else if (ch == '"') {
      quoted = any = true;
    } else if (ch == ',') {
      out.push_back(cur);
      cur.clear();
      any = false;
    } else {
      cur += ch;
      any = true;
    }
  }
  if (any || !cur.empty()) out.push_back(cur);
  return out;
}

}  // namespace

bool read_archive(pg_connection& db, const std::string& id, conversation_archive& c) {
  auto rows = db.exec(
      "SELECT id, visitor_id, visitor_name, email, department, page_url, agent_id, agent_name, "
      "agents, tags, joined_ms, assigned_ms, closed_ms, first_message, coalesce(rating, 0), "
      "comment, missed, visitor_messages, agent_messages, archived_ms, "
      "coalesce(anonymised_ms, 0), form::text, rating_scale, survey_answers::text FROM "
      "conversations WHERE id = $1",
      {id});
  if (rows.empty()) return false;
  c = {};
  c.id = rows.text(0, 0);
  c.visitor_id = rows.text(0, 1);
  c.visitor_name = rows.text(0, 2);
  c.email = rows.text(0, 3);
  c.department = rows.text(0, 4);
  c.page_url = rows.text(0, 5);
  c.agent_id = rows.text(0, 6);
  c.agent_name = rows.text(0, 7);
  c.agents = parse_text_array(rows.text(0, 8));
  c.tags = parse_text_array(rows.text(0, 9));
  c.joined_ms = rows.integer(0, 10);
  c.assigned_ms = rows.integer(0, 11);
  c.closed_ms = rows.integer(0, 12);
  c.first_message = rows.text(0, 13);
  c.rating = static_cast<std::uint32_t>(rows.integer(0, 14));
  c.comment = rows.text(0, 15);
  c.missed = rows.text(0, 16) == "t";
  c.visitor_messages = static_cast<std::uint32_t>(rows.integer(0, 17));
  c.agent_messages = static_cast<std::uint32_t>(rows.integer(0, 18));
  c.archived_ms = rows.integer(0, 19);
  c.anonymised_ms = rows.integer(0, 20);
  c.form = answers_from_json(rows.text(0, 21));
  c.rating_scale = static_cast<std::uint32_t>(rows.integer(0, 22));
  c.survey_answers = answers_from_json(rows.text(0, 23));
  auto meta = db.exec(
      "SELECT key, value FROM jsonb_each_text((SELECT metadata FROM conversations "
      "WHERE id = $1))",
      {id});
  for (std::size_t i = 0; i < meta.size(); ++i) {
    c.metadata[std::string(meta.text(i, 0))] = std::string(meta.text(i, 1));
  }
  auto events = db.exec(
      "SELECT e.seq, e.kind, e.role, e.sender_id, e.sender_name, e.body, e.client_msg_id, "
      "e.agent_id, e.department, e.at_ms, e.page_title, f.id, f.name, f.content_type, f.size, "
      "f.width, f.height, f.preview FROM events e LEFT JOIN files f ON e.attachment_id <> '' AND "
      "f.id = e.attachment_id WHERE e.conversation_id = $1 ORDER BY e.seq",
      {id});
  for (std::size_t i = 0; i < events.size(); ++i) {
    auto& e = c.events.emplace_back();
    e.set_conversation_id(id);
    e.set_seq(static_cast<std::uint64_t>(events.integer(i, 0)));
    e.set_kind(static_cast<pb::EventKind>(events.integer(i, 1)));
    e.set_sender_role(static_cast<pb::Role>(events.integer(i, 2)));
    e.set_sender_id(std::string(events.text(i, 3)));
    e.set_sender_name(std::string(events.text(i, 4)));
    e.set_text(std::string(events.text(i, 5)));
    e.set_client_msg_id(std::string(events.text(i, 6)));
    e.set_agent_id(std::string(events.text(i, 7)));
    e.set_department(std::string(events.text(i, 8)));
    e.set_at_ms(events.integer(i, 9));
    e.set_page_title(std::string(events.text(i, 10)));
    if (!events.is_null(i, 11)) read_attachment(events, i, 11, *e.mutable_attachment());
  }
  auto measures = db.exec(
      "SELECT measure, idx, department, agent_id, value, at_ms FROM measurements WHERE "
      "conversation_id = $1 ORDER BY at_ms, measure, idx",
      {id});
  for (std::size_t i = 0; i < measures.size(); ++i) {
    c.measurements.push_back({std::string(measures.text(i, 0)),
                              static_cast<std::uint32_t>(measures.integer(i, 1)),
                              std::string(measures.text(i, 2)), std::string(measures.text(i, 3)),
                              measures.integer(i, 4), measures.integer(i, 5)});
  }
  return true;
}

}  // namespace lc::record
