#include "log/log.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>

#include "core/strings.hpp"

namespace lf::log {
namespace {

struct State {
  Options options;
  Sink sink;
  std::mutex sink_mutex;
  std::atomic<int> level{static_cast<int>(Level::info)};
};

State& state() {
  static State s;
  return s;
}

std::string host_name() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return "localhost";
  return buf;
}

// RFC 3339 with nanoseconds in UTC, as daprd's logrus formatter prints.
std::string now_rfc3339() {
  auto now = std::chrono::system_clock::now();
  auto secs = std::chrono::time_point_cast<std::chrono::seconds>(now);
  auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(now - secs).count();
  std::time_t t = std::chrono::system_clock::to_time_t(secs);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%09lldZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<long long>(nanos));
  return buf;
}

bool needs_quotes(std::string_view v) {
  if (v.empty()) return false;
  for (unsigned char c : v)
    if (c <= ' ' || c == '"' || c == '=' || c == '\\' || c >= 0x7f) return true;
  return false;
}

void append_text_field(std::string& out, std::string_view key, std::string_view value, bool always_quote = false) {
  out += ' ';
  out += key;
  out += '=';
  if (always_quote || needs_quotes(value)) {
    out += '"';
    out += escape_quoted(value);
    out += '"';
  } else {
    out += value;
  }
}

void append_json_field(std::string& out, std::string_view key, std::string_view value) {
  if (out.size() > 1) out += ',';
  out += '"';
  out += escape_quoted(key);
  out += "\":\"";
  out += escape_quoted(value);
  out += '"';
}

}  // namespace

const char* level_name(Level level) {
  switch (level) {
    case Level::debug: return "debug";
    case Level::info: return "info";
    case Level::warn: return "warning";
    case Level::error: return "error";
    case Level::fatal: return "fatal";
  }
  return "info";
}

bool parse_level(std::string_view text, Level& out) {
  std::string t = to_lower(text);
  if (t == "debug") out = Level::debug;
  else if (t == "info") out = Level::info;
  else if (t == "warn" || t == "warning") out = Level::warn;
  else if (t == "error") out = Level::error;
  else if (t == "fatal") out = Level::fatal;
  else return false;
  return true;
}

void configure(Options options) {
  if (options.instance.empty()) options.instance = host_name();
  state().level = static_cast<int>(options.level);
  state().options = std::move(options);
}

const Options& options() { return state().options; }

void set_sink(Sink sink) {
  std::lock_guard lock(state().sink_mutex);
  state().sink = std::move(sink);
}

bool enabled(Level level) { return static_cast<int>(level) >= state().level.load(std::memory_order_relaxed); }

std::string format_line(Level level, std::string_view scope, std::string_view msg, const std::vector<Field>& fields,
                        std::string_view timestamp) {
  const auto& o = state().options;
  std::string out;
  out.reserve(160 + msg.size());
  if (o.json) {
    out += '{';
    append_json_field(out, "app_id", o.app_id);
    append_json_field(out, "instance", o.instance);
    append_json_field(out, "level", level_name(level));
    append_json_field(out, "msg", msg);
    append_json_field(out, "scope", scope);
    append_json_field(out, "time", timestamp);
    append_json_field(out, "type", "log");
    append_json_field(out, "ver", o.version);
    for (const auto& f : fields) append_json_field(out, f.key, f.value);
    out += '}';
  } else {
    out += "time=";
    out += timestamp;
    append_text_field(out, "level", level_name(level));
    append_text_field(out, "msg", msg, true);
    append_text_field(out, "app_id", o.app_id);
    append_text_field(out, "instance", o.instance);
    append_text_field(out, "scope", scope);
    append_text_field(out, "type", "log");
    append_text_field(out, "ver", o.version);
    for (const auto& f : fields) append_text_field(out, f.key, f.value);
  }
  return out;
}

void Logger::log(Level level, std::string_view msg, const std::vector<Field>& fields) const {
  if (!enabled(level)) return;
  std::string line = format_line(level, scope_, msg, fields, now_rfc3339());
  std::lock_guard lock(state().sink_mutex);
  if (state().sink) {
    state().sink(line);
  } else {
    line += '\n';
    std::fwrite(line.data(), 1, line.size(), stderr);
  }
}

CaptureSink::CaptureSink() {
  set_sink([this](std::string_view line) {
    std::lock_guard lock(mutex_);
    lines_.emplace_back(line);
  });
}

CaptureSink::~CaptureSink() { set_sink(nullptr); }

std::vector<std::string> CaptureSink::lines() const {
  std::lock_guard lock(mutex_);
  return lines_;
}

bool CaptureSink::contains(std::string_view needle) const { return count(needle) > 0; }

std::size_t CaptureSink::count(std::string_view needle) const {
  std::lock_guard lock(mutex_);
  std::size_t n = 0;
  for (const auto& l : lines_)
    if (l.find(needle) != std::string::npos) ++n;
  return n;
}

}  // namespace lf::log
