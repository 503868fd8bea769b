#pragma once
// daprd-style log lines:
//   time=2026-11-26T23:40:01.123456789Z level=info msg="..." app_id=course-agent instance=host scope=dapr.runtime type=log ver=1.0.0-learnflow
// or the same fields as one JSON object per line (--log-as-json).
#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace lf::log {

enum class Level { debug = 0, info = 1, warn = 2, error = 3, fatal = 4 };
const char* level_name(Level level);
bool parse_level(std::string_view text, Level& out);  // "debug|info|warn|warning|error|fatal"

struct Field {
  std::string key;
  std::string value;
};

// Where formatted lines go; stderr by default, a capture in tests.
using Sink = std::function<void(std::string_view line)>;

struct Options {
  std::string app_id;
  std::string instance;  // host name by default
  std::string version = "1.0.0-learnflow";
  Level level = Level::info;
  bool json = false;
};

// Process-wide configuration (set once at start-up, before threads start).
void configure(Options options);
const Options& options();
void set_sink(Sink sink);  // nullptr restores stderr
bool enabled(Level level);

// Formats one line (exposed for tests).
std::string format_line(Level level, std::string_view scope, std::string_view msg, const std::vector<Field>& fields,
                        std::string_view timestamp);

// A named scope such as "dapr.runtime" or "dapr.contrib"; cheap to copy.
class Logger {
 public:
  explicit Logger(std::string scope) : scope_(std::move(scope)) {}
  void log(Level level, std::string_view msg, const std::vector<Field>& fields = {}) const;
  void debug(std::string_view msg, const std::vector<Field>& fields = {}) const { log(Level::debug, msg, fields); }
  void info(std::string_view msg, const std::vector<Field>& fields = {}) const { log(Level::info, msg, fields); }
  void warn(std::string_view msg, const std::vector<Field>& fields = {}) const { log(Level::warn, msg, fields); }
  void error(std::string_view msg, const std::vector<Field>& fields = {}) const { log(Level::error, msg, fields); }
  const std::string& scope() const { return scope_; }

 private:
  std::string scope_;
};

// Collects lines for assertions; installs itself as the sink while alive.
class CaptureSink {
 public:
  CaptureSink();
  ~CaptureSink();
  std::vector<std::string> lines() const;
  bool contains(std::string_view needle) const;
  std::size_t count(std::string_view needle) const;

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> lines_;
};

}  // namespace lf::log
