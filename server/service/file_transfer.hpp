#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "server/record/files.hpp"
#include "server/record/record_pool.hpp"
#include "server/service/context.hpp"
#include "server/service/transport.hpp"

// The bodies of files in transit: an upload's sink (chunks into the system of record, the type
// checked on the first, clamd reading along) and a download's source (one chunk at a time).
namespace lc::service {

// Uploads in progress, per uploader, per address and in all: shared with the uploads
// themselves, which may outlive the desk (server/net holds them until their connection ends).
struct upload_counts {
  std::map<std::string, std::uint32_t, std::less<>> by_uploader, by_address;
  std::uint32_t total = 0;
};

// Holds one uploader's place among the uploads in progress while it lives.
class upload_slot {
 public:
  upload_slot(std::shared_ptr<upload_counts> counts, std::string uploader, std::string address)
      : counts_(std::move(counts)), uploader_(std::move(uploader)), address_(std::move(address)) {
    ++counts_->by_uploader[uploader_];
    ++counts_->by_address[address_];
    ++counts_->total;
  }
  upload_slot(const upload_slot&) = delete;
  upload_slot& operator=(const upload_slot&) = delete;
  ~upload_slot() {
    --counts_->total;
    release(counts_->by_uploader, uploader_);
    release(counts_->by_address, address_);
  }

  // The uploads in progress under `key` in `counts`.
  static std::uint32_t count(const std::map<std::string, std::uint32_t, std::less<>>& counts,
                             const std::string& key) {
    const auto it = counts.find(key);
    return it == counts.end() ? 0 : it->second;
  }

 private:
  static void release(std::map<std::string, std::uint32_t, std::less<>>& counts,
                      const std::string& key) {
    auto it = counts.find(key);
    if (it != counts.end() && --it->second == 0) counts.erase(it);
  }

  std::shared_ptr<upload_counts> counts_;
  std::string uploader_, address_;
};

// "10 MB": a size limit as an error message states it (MiB, rounded up).
std::string size_limit_text(std::uint64_t bytes);

// What one upload may be: at most `max_bytes` of the file, one of `types`; the body is
// multipart/form-data with `boundary` when set, else the file itself.
struct upload_shape {
  std::uint64_t max_bytes = 0;
  std::vector<std::string> types;
  std::optional<std::string> boundary;
};

// The sink of one upload into `row` (created already; an empty name: the form's file part
// names it).
std::shared_ptr<body_sink> make_upload_sink(const service_context& ctx, record::file_row row,
                                            upload_shape shape, std::unique_ptr<upload_slot> slot);
// The bytes of file `id`, for a download.
std::shared_ptr<body_source> make_file_source(boost::asio::io_context& io,
                                              record::record_pool& pool, std::string id);

}  // namespace lc::service
