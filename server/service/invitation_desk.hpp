#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <boost/asio/steady_timer.hpp>

#include "livechat/v1/livechat.pb.h"
#include "server/core/error.hpp"
#include "server/service/connections.hpp"
#include "server/service/context.hpp"

namespace lc::service {

// Proactive invitations: staff invite a visitor on the site by hand (Invite), and the
// departments' rules invite the visitors connected to this node, tried every two seconds, in
// the name of an agent free to take the chat. Each invitation is pushed to the visitor's tabs on
// the node they are connected to (woken by Pub/Sub when another node made it), and again on
// each page while it is pending.
class invitation_desk {
 public:
  invitation_desk(const service_context& ctx, connections& conns);

  void start();
  void stop();  // draining: no more rules tried

  // Staff: invite the visitor. What to answer instead of an Ack, if anything.
  boost::asio::awaitable<std::optional<core::error>> invite(session_ptr staff,
                                                            livechat::v1::Invite m);
  // The visitor: no thanks. What to answer instead of an Ack, if anything.
  boost::asio::awaitable<std::optional<core::error>> decline(session_ptr visitor,
                                                             std::string invitation_id);
  // A visitor's PageView was stored: their page for the rules, and their pending invitation
  // shown again (a new page of a site without a single-page app is a new widget).
  void on_page_view(session& s, const std::string& url, const store::page_view_result& r);
  // Another node invited a visitor connected here.
  void on_wakeup(const std::string& visitor);

 private:
  // Pushes the invitation to the visitor's sessions here that have not shown it yet.
  void show(const std::string& visitor, const livechat::v1::Invitation& inv);
  task show_pending(std::string visitor);
  void schedule();
  task apply_rules();

  const service_context& ctx_;
  connections& conns_;
  boost::asio::steady_timer timer_;
  bool stopped_ = false;
};

}  // namespace lc::service
