#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "livechat/v1/livechat.pb.h"
#include "server/record/pg_connection.hpp"

namespace lc::record {

// One response-time record of a conversation, as the core clock measured it.
struct archived_measurement {
  std::string measure;  // queue_wait first_response response resolution missed rating
  std::uint32_t index = 0;
  std::string department, agent_id;
  std::int64_t value = 0, at_ms = 0;
};

// A closed conversation's whole record: what the system of record keeps of it.
struct conversation_archive {
  std::string id, visitor_id, visitor_name, email, department, page_url;
  std::string agent_id, agent_name;  // the agent who had it last
  std::vector<std::string> agents;   // every agent it was assigned to
  std::vector<std::string> tags;
  std::int64_t joined_ms = 0, assigned_ms = 0, closed_ms = 0;
  std::string first_message;
  std::uint32_t rating = 0;        // 0: not rated
  std::uint32_t rating_scale = 5;  // the department's survey scale the rating was given on
  std::string comment;
  std::vector<livechat::v1::FormAnswer> form;            // the pre-chat form's answers
  std::vector<livechat::v1::FormAnswer> survey_answers;  // the survey's questions
  bool missed = false;
  std::uint32_t visitor_messages = 0, agent_messages = 0;
  std::map<std::string, std::string> metadata;
  std::vector<livechat::v1::ChatEvent> events;
  std::vector<archived_measurement> measurements;
  std::int64_t archived_ms = 0;
  std::int64_t anonymised_ms = 0;  // 0: not anonymised
};

// Writes the record in one transaction. Idempotent: a retry, or another node archiving the same
// conversation at the same moment, leaves one copy (the primary keys decide; the loser waits for
// the winner's commit and then finds the row). A later call may only add what a closed
// conversation can still gain: its rating (with the survey). Returns true when this call created
// the record.
bool write_archive(pg_connection& db, const conversation_archive& c);

// The archived record, events in seq order; false when there is none.
bool read_archive(pg_connection& db, const std::string& id, conversation_archive& out);

// Text PostgreSQL can hold: a NUL byte (valid UTF-8, legal in a chat message) becomes U+FFFD.
std::string storable(std::string_view text);

}  // namespace lc::record
