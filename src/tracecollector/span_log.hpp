#pragma once
// The collector's durable store: normalized spans appended as JSON lines to <dir>/spans.jsonl.
// When the file would pass max_bytes it becomes spans.1.jsonl (replacing the previous one), so
// the disk holds at most about twice max_bytes. A torn or foreign line is skipped on load.
#include <cstdint>
#include <fstream>
#include <functional>
#include <string>

#include "core/error.hpp"
#include "tracecollector/span_model.hpp"

namespace lf::tracecollector {

struct SpanLogOptions {
  std::string dir;                                  // e.g. <state>/traces
  std::uint64_t max_bytes = 64ull * 1024 * 1024;  // per file
};

struct LoadCounts {
  std::size_t spans = 0;
  std::size_t skipped_lines = 0;
};

class SpanLog {
 public:
  explicit SpanLog(SpanLogOptions options);

  // Creates the directory and reads spans.1.jsonl then spans.jsonl, oldest first.
  Result<LoadCounts> open(const std::function<void(StoredSpan)>& each);
  // Appends one line per span (flushed before returning).
  Status append(const std::vector<StoredSpan>& spans);

  std::string current_path() const { return options_.dir + "/spans.jsonl"; }
  std::string rotated_path() const { return options_.dir + "/spans.1.jsonl"; }

 private:
  Status rotate();
  SpanLogOptions options_;
  std::ofstream out_;
  std::uint64_t size_ = 0;
};

}  // namespace lf::tracecollector
