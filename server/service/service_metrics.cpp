#include "server/service/service_metrics.hpp"

namespace lc::service {

void declare_metrics(core::metrics_registry& m) {
  // Seconds a person waits: sub-second up to an hour.
  const std::vector<double> human{0.1, 0.25, 0.5, 1,   2.5, 5,    10,  15,
                                  30,  60,   120, 300, 600, 1800, 3600};
  // Seconds the system takes: a fraction of a millisecond up to seconds.
  const std::vector<double> system{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                   0.1,    0.25,  0.5,    1,     2.5,  5};
  m.declare_gauge("livechat_queue_depth", "Conversations waiting in the department's queue.");
  m.declare_gauge("livechat_queue_oldest_wait_seconds",
                  "How long the longest-waiting conversation of the department has waited.");
  m.declare_gauge("livechat_agents_online", "Agents online (and connected) per department.");
  m.declare_gauge("livechat_connected_visitors", "Visitors connected to this node.");
  m.declare_gauge("livechat_connected_agents", "Agents connected to this node.");
  m.declare_gauge("livechat_redis_up", "1 when this node's Redis connections are ready.");
  m.declare_histogram("livechat_queue_wait_seconds", "Enqueue to assignment, per assignment.",
                      human);
  m.declare_histogram("livechat_first_response_seconds",
                      "Assignment to the first agent message (recorded at close).", human);
  m.declare_histogram("livechat_response_seconds",
                      "First unanswered visitor message to the next agent message.", human);
  m.declare_histogram("livechat_resolution_seconds", "Join to close.", human);
  m.declare_histogram("livechat_delivery_latency_seconds",
                      "Message persisted to the other side's delivered receipt.", system);
  m.declare_histogram("livechat_redis_command_seconds", "Redis round trip per command.", system);
  m.declare_counter("livechat_messages_total", "Chat messages persisted and relayed.");
  m.declare_counter("livechat_errors_total", "Error frames sent to clients, by code.");
  m.declare_counter("livechat_conversations_joined_total", "Conversations started.");
  m.declare_counter("livechat_conversations_closed_total", "Conversations closed.");
  m.declare_counter("livechat_missed_conversations_total",
                    "Conversations closed before any agent message.");
  m.declare_counter("livechat_notes_total", "Internal notes (whispers included) written.");
  m.declare_counter("livechat_reassigned_total",
                    "Chats handed to another agent because theirs did not answer in time, by "
                    "department.");
  m.declare_counter("livechat_idle_closed_total",
                    "Conversations closed because the visitor stopped replying (idle), by "
                    "department; not missed ones.");
  m.declare_counter("livechat_matches_total", "Assignments made by this node's matching.");
  m.declare_counter("livechat_transfers_total", "Transfers, by kind.");
  m.declare_counter("livechat_offline_messages_total", "Offline messages left.");
  m.declare_counter("livechat_files_uploaded_total", "Files uploaded to conversations.");
  m.declare_counter("livechat_page_views_total",
                    "Pages visitors opened (PageView), for the live visitor list.");
  m.declare_counter("livechat_file_bytes_uploaded_total", "Bytes of the files uploaded.");
  m.declare_counter("livechat_invitations_total",
                    "Invitations to chat shown to visitors on the site, by agent or rule.");
  m.declare_counter("livechat_invitations_accepted_total",
                    "Chats started from an invitation, by department.");
  m.declare_counter("livechat_invitations_declined_total", "Invitations visitors declined.");
  m.declare_counter("livechat_uploads_refused_total",
                    "Uploads refused, by reason (type, size, rate, busy).");
  m.declare_counter(
      "livechat_mail_queued_total",
      "Mails queued: visitors' transcripts and answers to offline messages, by kind.");
  m.declare_counter("livechat_mail_sent_total",
                    "Mails this node's sender handed to the mail server.");
  m.declare_counter("livechat_mail_failed_attempts_total",
                    "Attempts to send a mail that failed (each is retried until given up).");
  m.declare_counter("livechat_webhook_deliveries_total",
                    "Webhook deliveries this node's sender posted and got a 2xx for.");
  m.declare_counter("livechat_webhook_events_dropped_total",
                    "Webhook events dropped: PostgreSQL was down so long that more than 10,000 "
                    "waited on this node.");
  m.declare_counter("livechat_webhook_failed_attempts_total",
                    "Webhook posts that failed (each is retried until given up).");
  m.declare_counter("livechat_bans_total", "Bans made (one per identifier banned).");
  m.declare_counter("livechat_banned_requests_total",
                    "Joins and offline messages refused because a ban was in force.");
  m.declare_gauge("livechat_archive_up", "1 when this node reaches the system of record.");
  m.declare_gauge("livechat_archive_backlog",
                  "Closed conversations not yet in the system of record (all nodes).");
  m.declare_gauge("livechat_archive_oldest_seconds",
                  "How long the oldest closed conversation has waited to be archived.");
  m.declare_counter("livechat_archived_total", "Conversations this node archived.");
  m.declare_counter("livechat_archive_failures_total",
                    "Archive attempts that failed (PostgreSQL down or refusing); retried.");
}

}  // namespace lc::service
