#include "server/service/file_transfer.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>

#include "server/core/file_type.hpp"
#include "server/core/json.hpp"
#include "server/core/multipart.hpp"
#include "server/outbound/clamd_scan.hpp"
#include "server/service/record_call.hpp"
#include "server/service/rest_replies.hpp"

namespace lc::service {

namespace asio = boost::asio;
using rest::error_reply;
using rest::json_reply;

namespace {

constexpr std::size_t chunk_bytes = 256UL * 1024;
constexpr auto scan_timeout = std::chrono::seconds(30);

// The answer to an upload that was read whole and still is not taken (a scan's verdict).
struct upload_refused {
  http_response reply;
};

// One upload as the sink of its body: pieces gather into chunks, each stored before the next
// piece is read (so one chunk at most is in memory); the type is checked on the first chunk,
// before the rest is read. A multipart/form-data body is unwrapped on the way: only its file
// part's bytes are the file.
class file_upload final : public body_sink, public std::enable_shared_from_this<file_upload> {
 public:
  file_upload(const service_context& ctx, record::file_row row, upload_shape shape,
              std::unique_ptr<upload_slot> slot)
      : io_(ctx.io),
        pool_(*ctx.record),
        metrics_(ctx.metrics),
        types_(std::move(shape.types)),
        scan_(ctx.options.clamd_socket.empty()
                  ? nullptr
                  : std::make_shared<outbound::clamd_scan>(ctx.options.clamd_socket, scan_timeout)),
        row_(std::move(row)),
        max_bytes_(shape.max_bytes),
        slot_(std::move(slot)),
        named_(!row_.name.empty()) {
    if (shape.boundary) form_.emplace(*shape.boundary);
    if (!named_) row_.name = "file";
  }

  void write(std::string piece, std::function<void(bool)> done) override {
    if (form_) {
      std::string file;
      if (!form_->feed(piece, file)) {
        refusal_ = error_reply(400, "bad_request", "the multipart/form-data body is malformed");
        done(false);
        return;
      }
      if (!named_ && form_->file_started()) {
        row_.name = core::clean_file_name(form_->filename());
        named_ = true;
      }
      piece = std::move(file);
    }
    received_ += piece.size();
    if (received_ > max_bytes_) {
      too_large_ = true;
      done(false);
      return;
    }
    chunk_ += piece;
    if (!checked_ && n_ == 0 && chunk_.size() >= core::file_sniff_bytes && !check_type()) {
      done(false);
      return;
    }
    if (chunk_.size() < chunk_bytes) {
      done(true);
      return;
    }
    asio::co_spawn(io_, store_chunk(),
                   [self = shared_from_this(), done](const std::exception_ptr& e, bool ok) {
                     if (e) ok = false;
                     done(ok);
                   });
  }

  void finish(bool complete, bool too_large, std::function<void(http_response)> done) override {
    asio::co_spawn(
        io_, complete_upload(complete, too_large),
        [self = shared_from_this(), done](const std::exception_ptr& e, http_response res) {
          if (e) res = error_reply(500, "internal", "internal error");
          done(std::move(res));
        });
  }

 private:
  bool check_type() {
    checked_ = true;
    row_.content_type = core::sniff_file_type(chunk_, row_.name);
    if (auto size = core::image_size(chunk_)) {
      row_.width = size->width;
      row_.height = size->height;
    }
    if (core::file_type_allowed(row_.content_type, types_)) return true;
    metrics_.add("livechat_uploads_refused_total", 1, {{"reason", "type"}});
    refusal_ = error_reply(415, "unsupported_type",
                           "files of type " + row_.content_type + " cannot be sent here");
    return false;
  }

  asio::awaitable<bool> store_chunk() {
    const auto id = row_.id;
    const auto n = n_++;
    // The scanner reads along on the same thread, so it never waits on the loop either.
    record_work<bool> put = [id, n, bytes = std::move(chunk_),
                             scan = scan_](record::pg_connection& db) {
      record::put_file_chunk(db, id, n, bytes);
      if (scan) scan->send(bytes);
      return true;
    };
    chunk_.clear();
    try {
      co_return co_await on_record(io_, pool_, std::move(put));
    } catch (const record::pg_error& e) {
      spdlog::warn("files: storing a chunk of {}: {}", id, e.what());
      refusal_ = error_reply(503, "unavailable", "files cannot be stored now; try again");
      co_return false;
    }
  }

  asio::awaitable<http_response> complete_upload(bool complete, bool too_large) {
    std::optional<http_response> refused;
    too_large = too_large || too_large_;
    if (complete && form_ && !form_->complete()) {
      refused = error_reply(400, "bad_request",
                            "the multipart/form-data body holds no complete file part");
    } else if (too_large) {
      metrics_.add("livechat_uploads_refused_total", 1, {{"reason", "size"}});
      refused = error_reply(413, "too_large", "the file is over " + size_limit_text(max_bytes_));
    } else if (!complete) {
      refused = refusal_ ? *refusal_ : error_reply(400, "bad_request", "the upload was cut short");
    } else if (received_ == 0) {
      refused = error_reply(400, "bad_request", "the file is empty");
    } else if (!checked_ && !check_type()) {
      refused = *refusal_;
    }
    if (!refused) {
      try {
        co_return co_await store_rest();
      } catch (const upload_refused& r) {
        refused = r.reply;
      } catch (const record::pg_error& e) {
        spdlog::warn("files: finishing {}: {}", row_.id, e.what());
        refused = error_reply(503, "unavailable", "files cannot be stored now; try again");
      }
    }
    // What was stored of it goes (if the database is down, the sweep of unsent files does it).
    record_work<bool> drop = [id = row_.id](record::pg_connection& db) {
      record::delete_file(db, id);
      return true;
    };
    try {
      co_await on_record(io_, pool_, std::move(drop));
    } catch (const record::pg_error&) {
    }
    co_return *refused;
  }

  asio::awaitable<http_response> store_rest() {
    if (!chunk_.empty() && !co_await store_chunk())
      throw record::pg_error("chunk not stored", "", true);
    row_.size = static_cast<std::int64_t>(received_);
    // Released (ready) only after a clean scan, when there is a scanner.
    record_work<outbound::scan_result> finish = [row = row_,
                                                 scan = scan_](record::pg_connection& db) {
      outbound::scan_result verdict{outbound::scan_result::verdict::clean, {}};
      if (scan) verdict = scan->finish();
      if (verdict.what == outbound::scan_result::verdict::clean) record::finish_file(db, row);
      return verdict;
    };
    const auto verdict = co_await on_record(io_, pool_, std::move(finish));
    if (verdict.what == outbound::scan_result::verdict::infected) {
      spdlog::warn("files: {} from {} is infected ({})", row_.id, row_.uploader_id, verdict.detail);
      metrics_.add("livechat_uploads_refused_total", 1, {{"reason", "infected"}});
      throw upload_refused{error_reply(422, "infected", "the file did not pass the virus scan")};
    }
    if (verdict.what == outbound::scan_result::verdict::error) {
      spdlog::warn("files: the scan of {} failed: {}", row_.id, verdict.detail);
      metrics_.add("livechat_uploads_refused_total", 1, {{"reason", "scan"}});
      throw upload_refused{
          error_reply(503, "scan_unavailable", "the virus scanner cannot be reached; try again")};
    }
    metrics_.add("livechat_files_uploaded_total", 1);
    metrics_.add("livechat_file_bytes_uploaded_total", static_cast<double>(received_));
    core::json_writer j;
    j.begin_object();
    j.key("id").value(row_.id);
    j.key("name").value(row_.name);
    j.key("type").value(row_.content_type);
    j.key("size").value(static_cast<std::uint64_t>(received_));
    j.key("width").value(static_cast<std::uint64_t>(row_.width));
    j.key("height").value(static_cast<std::uint64_t>(row_.height));
    j.end_object();
    co_return json_reply(201, j.str());
  }

  asio::io_context& io_;
  record::record_pool& pool_;
  core::metrics_registry& metrics_;
  std::vector<std::string> types_;
  std::shared_ptr<outbound::clamd_scan> scan_;  // null without --clamd-socket
  record::file_row row_;
  std::uint64_t max_bytes_;
  std::unique_ptr<upload_slot> slot_;
  bool named_;  // the name is the uploader's (from the query, or the form's file part)
  std::optional<core::multipart_reader> form_;
  bool too_large_ = false;
  std::string chunk_;
  std::int32_t n_ = 0;
  std::uint64_t received_ = 0;
  bool checked_ = false;
  std::optional<http_response> refusal_;
};

// A file's bytes for a download, one chunk read at a time.
class file_source final : public body_source, public std::enable_shared_from_this<file_source> {
 public:
  file_source(asio::io_context& io, record::record_pool& pool, std::string id)
      : io_(io), pool_(pool), id_(std::move(id)) {}

  void next(std::function<void(std::string, bool)> done) override {
    record_work<std::optional<std::string>> read = [id = id_, n = n_++](record::pg_connection& db) {
      return record::file_chunk(db, id, n);
    };
    asio::co_spawn(io_, on_record(io_, pool_, std::move(read)),
                   [self = shared_from_this(), done](const std::exception_ptr& e,
                                                     std::optional<std::string> bytes) {
                     if (e || !bytes) {
                       done({}, false);
                       return;
                     }
                     done(std::move(*bytes), true);
                   });
  }

 private:
  asio::io_context& io_;
  record::record_pool& pool_;
  std::string id_;
  std::int32_t n_ = 0;
};

}  // namespace

std::string size_limit_text(std::uint64_t bytes) {
  constexpr std::uint64_t one = 1024ULL * 1024;
  return std::to_string((bytes + one - 1) / one) + " MB";
}

std::shared_ptr<body_sink> make_upload_sink(const service_context& ctx, record::file_row row,
                                            upload_shape shape, std::unique_ptr<upload_slot> slot) {
  return std::make_shared<file_upload>(ctx, std::move(row), std::move(shape), std::move(slot));
}

std::shared_ptr<body_source> make_file_source(asio::io_context& io, record::record_pool& pool,
                                              std::string id) {
  return std::make_shared<file_source>(io, pool, std::move(id));
}

}  // namespace lc::service
