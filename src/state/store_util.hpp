#pragma once
// Helpers shared by the state stores: component metadata lookup, base64 for binary values.
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/error.hpp"

namespace lf::state {

// Component metadata names are case-insensitive in Dapr.
std::optional<std::string> metadata_value(const std::map<std::string, std::string>& metadata, std::string_view name);
std::string metadata_or(const std::map<std::string, std::string>& metadata, std::string_view name,
                        std::string fallback);
// "true"/"1"/"yes"/"on" (any case) → true; unset → fallback; anything else → error.
Result<bool> metadata_bool(const std::map<std::string, std::string>& metadata, std::string_view name, bool fallback);
// Dapr duration (Go syntax or bare milliseconds); unset → fallback.
Result<Duration> metadata_duration(const std::map<std::string, std::string>& metadata, std::string_view name,
                                   Duration fallback);

// Dapr's `timeout` fields: a Go duration, or a bare integer meaning seconds; unset → fallback.
Result<Duration> metadata_timeout(const std::map<std::string, std::string>& metadata, std::string_view name,
                                  Duration fallback);

std::string base64_encode(std::string_view bytes);
std::optional<std::string> base64_decode(std::string_view text);

// True when text is one well-formed JSON value (what jsonb accepts).
bool is_json(std::string_view text);

}  // namespace lf::state

#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

namespace lf::state {

// Runs work every interval on its own thread (expired-row cleanup), until destroyed.
class PeriodicTask {
 public:
  PeriodicTask(Duration interval, std::function<void()> work);
  ~PeriodicTask();
  PeriodicTask(const PeriodicTask&) = delete;
  PeriodicTask& operator=(const PeriodicTask&) = delete;

 private:
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace lf::state
