#include "tracecollector/span_log.hpp"

#include <filesystem>

namespace lf::tracecollector {
namespace fs = std::filesystem;

SpanLog::SpanLog(SpanLogOptions options) : options_(std::move(options)) {}

namespace {
void load_file(const std::string& path, const std::function<void(StoredSpan)>& each, LoadCounts& counts) {
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    auto parsed = nlohmann::json::parse(line, nullptr, false);
    auto span = parsed.is_discarded() ? Result<StoredSpan>(fail("not JSON")) : span_from_json(parsed);
    if (!span) {
      ++counts.skipped_lines;
      continue;
    }
    ++counts.spans;
    each(std::move(*span));
  }
}
}  // namespace

Result<LoadCounts> SpanLog::open(const std::function<void(StoredSpan)>& each) {
  std::error_code ec;
  fs::create_directories(options_.dir, ec);
  if (ec) return fail("cannot create " + options_.dir + " (" + ec.message() + ")");
  LoadCounts counts;
  load_file(rotated_path(), each, counts);
  load_file(current_path(), each, counts);
  out_.open(current_path(), std::ios::app | std::ios::binary);
  if (!out_) return fail("cannot open " + current_path() + " for appending");
  auto size = fs::file_size(current_path(), ec);
  size_ = ec ? 0 : size;
  return counts;
}

Status SpanLog::rotate() {
  out_.close();
  std::error_code ec;
  fs::rename(current_path(), rotated_path(), ec);
  if (ec) return fail("cannot rotate " + current_path() + ": " + ec.message());
  out_.open(current_path(), std::ios::trunc | std::ios::binary);
  if (!out_) return fail("cannot open " + current_path() + " after rotating it");
  size_ = 0;
  return {};
}

Status SpanLog::append(const std::vector<StoredSpan>& spans) {
  if (!out_.is_open()) return fail("the span log is not open");
  for (const auto& span : spans) {
    std::string line = span.json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    if (size_ > 0 && size_ + line.size() > options_.max_bytes)
      if (auto s = rotate(); !s) return s;
    out_ << line;
    size_ += line.size();
  }
  out_.flush();
  if (!out_) return fail("cannot write " + current_path() + " (disk full?)");
  return {};
}

}  // namespace lf::tracecollector
