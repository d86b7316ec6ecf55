#include "server/service/file_desk.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include "server/core/ban.hpp"
#include "server/core/file_type.hpp"
#include "server/core/ids.hpp"
#include "server/core/json.hpp"
#include "server/core/multipart.hpp"
#include "server/core/query.hpp"
#include "server/record/files.hpp"
#include "server/service/envelopes.hpp"
#include "server/service/file_transfer.hpp"
#include "server/service/record_call.hpp"
#include "server/service/rest_replies.hpp"

namespace lc::service {

namespace asio = boost::asio;
namespace pb = livechat::v1;
using rest::error_reply;
using rest::json_reply;

namespace {

constexpr std::uint32_t uploads_per_uploader = 3;
// Slow uploads hold their places: one address (many visitor ids are cheap) cannot take them all.
constexpr std::uint32_t uploads_per_address = 8;
constexpr std::uint32_t uploads_per_node = 64;
// A conversation holds at most this many of the largest files.
constexpr std::uint64_t files_per_conversation = 10;
// What a multipart body may hold besides its file: other fields, part heads, boundaries.
constexpr std::uint64_t form_overhead = 64ULL * 1024;
constexpr auto sweep_every = std::chrono::minutes(10);
constexpr std::int64_t unsent_kept_ms = 24LL * 3600 * 1000;

bool in(const std::vector<std::string>& list, const std::string& item) {
  return std::find(list.begin(), list.end(), item) != list.end();
}

}  // namespace

file_desk::file_desk(const service_context& ctx)
    : ctx_(ctx),
      uploads_by_visitor_(static_cast<double>(ctx.options.uploads_per_hour) / 3600,
                          static_cast<double>(ctx.options.uploads_per_hour)),
      uploads_by_address_(static_cast<double>(ctx.options.uploads_per_hour) * 2 / 3600,
                          static_cast<double>(ctx.options.uploads_per_hour) * 2),
      sweep_timer_(ctx.io) {}

file_desk::~file_desk() {
  stop();
}

bool file_desk::enabled() const {
  return ctx_.record != nullptr && ctx_.options.max_file_bytes > 0;
}

file_desk::file_limits file_desk::limits_for(const std::string& department) const {
  file_limits out;
  if (!enabled()) return out;
  out.max_bytes = ctx_.options.max_file_bytes;
  out.types = ctx_.options.file_types;
  const auto* d = ctx_.departments.find(department);
  if (d == nullptr) return out;
  if (d->settings.max_file_mb) {
    out.max_bytes = static_cast<std::uint64_t>(*d->settings.max_file_mb) * 1024 * 1024;
  }
  if (auto types = core::parse_media_type_list(d->settings.file_types); types && !types->empty()) {
    out.types = std::move(*types);
  }
  return out;
}

bool file_desk::streams(std::string_view method, std::string_view path) {
  return method == "POST" && path == "/api/files";
}

void file_desk::start() {
  if (!enabled()) return;
  stopped_ = false;
  do_schedule_sweep();
}

void file_desk::stop() {
  stopped_ = true;
  sweep_timer_.cancel();
}

void file_desk::do_schedule_sweep() {
  sweep_timer_.expires_after(sweep_every);
  sweep_timer_.async_wait([this](boost::system::error_code ec) {
    if (ec || stopped_) return;
    ctx_.spawn(sweep_unsent(), "deleting files never sent");
    do_schedule_sweep();
  });
}

asio::awaitable<void> file_desk::sweep_unsent() {
  record_work<std::size_t> sweep = [](record::pg_connection& db) {
    return record::delete_unsent_files(db, wall_clock_ms() - unsent_kept_ms, 500);
  };
  std::size_t n = 0;
  try {
    n = co_await on_record(ctx_.io, *ctx_.record, std::move(sweep));
  } catch (const record::pg_error& e) {
    spdlog::warn("files: the sweep of files never sent: {}", e.what());  // next time, then
  }
  if (n > 0) spdlog::info("files: deleted {} never sent", n);
}

asio::awaitable<std::optional<file_desk::caller>> file_desk::authenticate(
    const http_request& request) {
  const auto token = rest::bearer_token(request.authorization);
  if (!token) co_return std::nullopt;
  const auto now_s = wall_clock_ms() / 1000;
  if (auto v = core::verify_visitor_token(*token, ctx_.options.secret, now_s)) {
    co_return caller{pb::ROLE_VISITOR, v->visitor_id, {}};
  }
  auto staff = core::verify_agent_token(*token, ctx_.options.secret, now_s);
  if (!staff || staff->issued_at_ms < co_await ctx_.reads.agent_not_before(staff->agent_id)) {
    co_return std::nullopt;
  }
  co_return caller{pb::ROLE_AGENT, staff->agent_id, *staff};
}

void file_desk::open_upload(http_request head, std::function<void(upload_start)> ready) {
  asio::co_spawn(ctx_.io, begin_upload(std::move(head)),
                 [ready = std::move(ready)](const std::exception_ptr& e, upload_start start) {
                   if (e) {
                     try {
                       std::rethrow_exception(e);
                     } catch (const std::exception& err) {
                       spdlog::warn("files: an upload could not start: {}", err.what());
                     }
                     start = {};
                     start.refusal = error_reply(503, "unavailable", "try again");
                   }
                   ready(std::move(start));
                 });
}

asio::awaitable<upload_start> file_desk::begin_upload(http_request head) {
  upload_start out;
  const auto refuse = [&](unsigned status, std::string_view code, std::string_view text) {
    out.refusal = error_reply(status, code, text);
    return out;
  };
  if (!enabled()) co_return refuse(404, "files_off", "files cannot be sent on this server");
  auto target = core::parse_target(head.target);
  if (!target) co_return refuse(400, "bad_request", "malformed request target");
  const auto& params = target->params;
  const auto conv_it = params.find("conversation");
  const auto name_it = params.find("name");
  if (conv_it == params.end() || !core::is_issued_id('c', conv_it->second)) {
    co_return refuse(400, "bad_request", "'conversation' must be a conversation id");
  }
  // A multipart/form-data body (curl -F, a browser's FormData) names its file in the file part.
  const auto boundary = core::multipart_reader::boundary_of(head.content_type);
  if (!boundary && head.content_type.find("multipart/") != std::string::npos) {
    co_return refuse(400, "bad_request",
                     "a multipart body must be multipart/form-data with a valid boundary");
  }
  const bool named = name_it != params.end() && !name_it->second.empty();
  if ((!named && !boundary) || (named && name_it->second.size() > 1000)) {
    co_return refuse(400, "bad_request",
                     "'name' is required (at most 1000 bytes) unless the body is a form");
  }
  const auto who = co_await authenticate(head);
  if (!who) {
    co_return refuse(401, "unauthenticated",
                     "send the visitor's or an agent's token as 'Authorization: Bearer <token>'");
  }
  const auto& conv = conv_it->second;
  const auto rec = co_await ctx_.reads.conversation(conv);
  const bool visitor = who->role == pb::ROLE_VISITOR;
  const bool member =
      rec && (visitor ? rec->visitor_id == who->id
                      : (rec->agent_id == who->id || who->staff.admin() ||
                         (who->staff.supervises() && in(who->staff.departments, rec->department))));
  if (!member) co_return refuse(404, "not_found", "no such conversation");
  if (rec->state == pb::CONVERSATION_STATE_CLOSED) {
    co_return refuse(409, "conflict", "the conversation is closed");
  }
  const auto now = wall_clock_ms();
  if (visitor) {
    std::vector<std::string> keys;
    for (const auto& [kind, value] :
         {std::pair{core::ban_kind::visitor, std::string_view(who->id)},
          std::pair{core::ban_kind::address, std::string_view(head.address)}}) {
      if (auto subject = core::make_ban_subject(kind, value)) keys.push_back(subject->key_part);
    }
    if (co_await ctx_.bans.find(std::move(keys)) != 0) {
      co_return refuse(403, "forbidden", "chat is not available");
    }
    if (!uploads_by_visitor_.allow(who->id, now) || !uploads_by_address_.allow(head.address, now)) {
      ctx_.metrics.add("livechat_uploads_refused_total", 1, {{"reason", "rate"}});
      co_return refuse(429, "rate_limited", "too many files; try again later");
    }
  }
  if (upload_slot::count(uploads_->by_uploader, who->id) >= uploads_per_uploader ||
      upload_slot::count(uploads_->by_address, head.address) >= uploads_per_address ||
      uploads_->total >= uploads_per_node) {
    ctx_.metrics.add("livechat_uploads_refused_total", 1, {{"reason", "busy"}});
    co_return refuse(429, "too_many_uploads", "wait for the files being sent to finish");
  }
  auto limits = limits_for(rec->department);
  const std::uint64_t max = limits.max_bytes;
  if (max == 0) co_return refuse(403, "files_off", "files cannot be sent in this department");
  // A form's own lines (boundaries, part heads) come on top of the file.
  const std::uint64_t overhead = boundary ? form_overhead : 0;
  if (head.content_length && *head.content_length > max + overhead) {
    ctx_.metrics.add("livechat_uploads_refused_total", 1, {{"reason", "size"}});
    co_return refuse(413, "too_large", "the file is over " + size_limit_text(max));
  }
  // Counted before the first await that could let a second upload of this uploader in.
  auto slot = std::make_unique<upload_slot>(uploads_, who->id, head.address);
  record::file_row row;
  row.id = core::issued_id('f');
  row.conversation_id = conv;
  row.visitor_id = rec->visitor_id;
  row.uploader_id = who->id;
  row.uploader_role = visitor ? pb::ROLE_VISITOR : pb::ROLE_AGENT;
  row.name = named ? core::clean_file_name(name_it->second) : std::string();
  row.created_ms = now;
  const std::uint64_t quota = max * files_per_conversation;
  record_work<std::int64_t> create = [row, quota](record::pg_connection& db) -> std::int64_t {
    const auto used = record::conversation_file_bytes(db, row.conversation_id);
    if (static_cast<std::uint64_t>(used) >= quota) return -1;
    record::create_file(db, row);
    return used;
  };
  std::int64_t used = 0;
  try {
    used = co_await on_record(ctx_.io, *ctx_.record, std::move(create));
  } catch (const record::pg_error& e) {
    spdlog::warn("files: {}", e.what());
    co_return refuse(503, "unavailable", "files cannot be stored now; try again");
  }
  if (used < 0) {
    co_return refuse(413, "too_large",
                     "this conversation holds " + size_limit_text(quota) + " of files already");
  }
  upload_shape shape{std::min(max, quota - static_cast<std::uint64_t>(used)),
                     std::move(limits.types), boundary};
  out.max_bytes = shape.max_bytes + overhead;
  out.sink = make_upload_sink(ctx_, std::move(row), std::move(shape), std::move(slot));
  co_return out;
}

asio::awaitable<std::optional<http_response>> file_desk::route(const http_request& request,
                                                               const std::string& path) {
  constexpr std::string_view prefix = "/api/files/";
  if (path.rfind(prefix, 0) != 0 && path != "/api/files") co_return std::nullopt;
  if (request.method != "GET" && request.method != "HEAD") {
    co_return error_reply(405, "method_not_allowed", "files are uploaded with POST /api/files");
  }
  if (!enabled()) co_return error_reply(404, "files_off", "files cannot be sent on this server");
  const std::string id = path.size() > prefix.size() ? path.substr(prefix.size()) : "";
  if (!core::is_issued_id('f', id)) co_return error_reply(404, "not_found", "no such file");
  auto target = core::parse_target(request.target);
  const bool as_attachment = target && target->params.count("download") != 0;
  co_return co_await download(request, id, as_attachment);
}

asio::awaitable<http_response> file_desk::download(const http_request& request, std::string id,
                                                   bool as_attachment) {
  const auto who = co_await authenticate(request);
  if (!who) {
    co_return error_reply(
        401, "unauthenticated",
        "send the visitor's or an agent's token as 'Authorization: Bearer <token>'");
  }
  record_work<std::optional<record::file_row>> find = [id](record::pg_connection& db) {
    return record::find_file(db, id);
  };
  std::optional<record::file_row> f;
  try {
    f = co_await on_record(ctx_.io, *ctx_.record, std::move(find));
  } catch (const record::pg_error&) {
    co_return error_reply(503, "unavailable", "files cannot be read now; try again");
  }
  const auto not_found = error_reply(404, "not_found", "no such file");
  // A file not sent yet is its uploader's alone.
  if (!f || !f->ready || (f->sent_msg.empty() && f->uploader_id != who->id)) co_return not_found;
  if (who->role == pb::ROLE_VISITOR) {
    if (f->visitor_id != who->id) co_return not_found;
  } else if (!who->staff.admin() && f->uploader_id != who->id) {
    bool may = false;
    if (auto rec = co_await ctx_.reads.conversation(f->conversation_id)) {
      may = rec->agent_id == who->id || in(who->staff.departments, rec->department);
    } else {
      record_work<bool> check = [conv = f->conversation_id,
                                 staff = who->staff](record::pg_connection& db) {
        return record::staff_may_read_archived(db, conv, staff.agent_id, staff.departments);
      };
      try {
        may = co_await on_record(ctx_.io, *ctx_.record, std::move(check));
      } catch (const record::pg_error&) {
        co_return error_reply(503, "unavailable", "files cannot be read now; try again");
      }
    }
    if (!may) co_return not_found;
  }
  http_response res;
  const bool shown = core::shown_inline(f->content_type) && !as_attachment;
  // A type a browser would run is never labelled as such: it can only be saved.
  res.content_type = core::file_type_allowed(f->content_type, {"*/*"}) ? f->content_type
                                                                       : "application/octet-stream";
  res.headers.emplace_back("Content-Disposition", core::content_disposition(f->name, shown));
  res.headers.emplace_back("Content-Security-Policy", "default-src 'none'; sandbox");
  res.headers.emplace_back("Cache-Control", "private, max-age=3600");
  res.source = make_file_source(ctx_.io, *ctx_.record, f->id);
  res.source_length = static_cast<std::uint64_t>(f->size);
  co_return res;
}

asio::awaitable<file_desk::attached> file_desk::attach(std::string conv, std::string sender,
                                                       std::string file_id,
                                                       std::string client_msg_id,
                                                       std::string preview) {
  attached out;
  if (!enabled()) {
    out.code = pb::ERROR_CODE_FORBIDDEN;
    out.text = "files cannot be sent on this server";
    co_return out;
  }
  enum class outcome { ok, missing, uploading, taken };
  struct found {
    outcome what = outcome::missing;
    record::file_row row;
  };
  record_work<found> claim = [=](record::pg_connection& db) {
    found r;
    auto f = record::find_file(db, file_id);
    if (!f || f->conversation_id != conv || f->uploader_id != sender) return r;
    if (!f->ready) {
      r.what = outcome::uploading;
      return r;
    }
    // Only an image keeps a preview.
    const bool image = f->content_type.rfind("image/", 0) == 0;
    r.row = std::move(*f);
    r.row.preview = image ? preview : std::string();
    r.what = record::mark_file_sent(db, file_id, client_msg_id, r.row.preview) ? outcome::ok
                                                                               : outcome::taken;
    return r;
  };
  found r;
  try {
    r = co_await on_record(ctx_.io, *ctx_.record, std::move(claim));
  } catch (const record::pg_error&) {
    out.code = pb::ERROR_CODE_UNAVAILABLE;
    out.text = "files cannot be sent now; try again";
    co_return out;
  }
  switch (r.what) {
    case outcome::missing:
      out.code = pb::ERROR_CODE_NOT_FOUND;
      out.text = "no such file";
      break;
    case outcome::uploading:
      out.code = pb::ERROR_CODE_CONFLICT;
      out.text = "the file is still uploading";
      break;
    case outcome::taken:
      out.code = pb::ERROR_CODE_CONFLICT;
      out.text = "that file was sent with another message";
      break;
    case outcome::ok: {
      auto& a = out.attachment.emplace();
      a.set_id(r.row.id);
      a.set_name(r.row.name);
      a.set_type(r.row.content_type);
      a.set_size(static_cast<std::uint64_t>(r.row.size));
      a.set_width(r.row.width);
      a.set_height(r.row.height);
      a.set_preview(r.row.preview);
      break;
    }
  }
  co_return out;
}

}  // namespace lc::service
