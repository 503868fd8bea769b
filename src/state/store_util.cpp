#include "state/store_util.hpp"

#include <nlohmann/json.hpp>

#include "core/duration.hpp"
#include "core/strings.hpp"

namespace lf::state {

std::optional<std::string> metadata_value(const std::map<std::string, std::string>& metadata, std::string_view name) {
  for (const auto& [key, value] : metadata)
    if (iequals(key, name)) return value;
  return std::nullopt;
}

std::string metadata_or(const std::map<std::string, std::string>& metadata, std::string_view name,
                        std::string fallback) {
  auto value = metadata_value(metadata, name);
  return value && !trim(*value).empty() ? std::string(trim(*value)) : std::move(fallback);
}

Result<bool> metadata_bool(const std::map<std::string, std::string>& metadata, std::string_view name, bool fallback) {
  auto value = metadata_value(metadata, name);
  if (!value || trim(*value).empty()) return fallback;
  const std::string text = to_lower(trim(*value));
  if (text == "true" || text == "1" || text == "yes" || text == "on" || text == "y") return true;
  if (text == "false" || text == "0" || text == "no" || text == "off" || text == "n") return false;
  return fail("metadata '" + std::string(name) + "' must be true or false, got '" + *value + "'");
}

Result<Duration> metadata_duration(const std::map<std::string, std::string>& metadata, std::string_view name,
                                   Duration fallback) {
  auto value = metadata_value(metadata, name);
  if (!value || trim(*value).empty()) return fallback;
  auto parsed = parse_dapr_duration(trim(*value));
  if (!parsed) return fail("metadata '" + std::string(name) + "' is not a duration: " + parsed.error().message);
  return *parsed;
}

Result<Duration> metadata_timeout(const std::map<std::string, std::string>& metadata, std::string_view name,
                                  Duration fallback) {
  auto value = metadata_value(metadata, name);
  if (!value || trim(*value).empty()) return fallback;
  long long seconds = 0;
  if (parse_int64(trim(*value), seconds)) {
    if (seconds < 0) return fail("metadata '" + std::string(name) + "' must not be negative");
    return Duration(std::chrono::seconds(seconds));
  }
  auto parsed = parse_go_duration(trim(*value));
  if (!parsed) return fail("metadata '" + std::string(name) + "' is not a duration: " + parsed.error().message);
  return *parsed;
}

namespace {
constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int decode_char(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}
}  // namespace

std::string base64_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(bytes[i]) << 16) | (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                       static_cast<unsigned char>(bytes[i + 2]);
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    out += alphabet[(v >> 6) & 63];
    out += alphabet[v & 63];
  }
  if (const std::size_t rest = bytes.size() - i; rest > 0) {
    unsigned v = static_cast<unsigned char>(bytes[i]) << 16;
    if (rest == 2) v |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    out += rest == 2 ? alphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (std::size_t i = 0; i < text.size(); i += 4) {
    int values[4];
    int padding = 0;
    for (int j = 0; j < 4; ++j) {
      const char c = text[i + j];
      if (c == '=' && i + 4 == text.size() && j >= 2) {
        values[j] = 0;
        ++padding;
        continue;
      }
      if (padding > 0) return std::nullopt;
      values[j] = decode_char(c);
      if (values[j] < 0) return std::nullopt;
    }
    const unsigned v = (values[0] << 18) | (values[1] << 12) | (values[2] << 6) | values[3];
    out += static_cast<char>((v >> 16) & 0xFF);
    if (padding < 2) out += static_cast<char>((v >> 8) & 0xFF);
    if (padding < 1) out += static_cast<char>(v & 0xFF);
  }
  return out;
}

bool is_json(std::string_view text) { return nlohmann::json::accept(text.begin(), text.end()); }

}  // namespace lf::state

namespace lf::state {

PeriodicTask::PeriodicTask(Duration interval, std::function<void()> work) {
  thread_ = std::thread([this, interval, work = std::move(work)] {
    std::unique_lock lock(mutex_);
    while (!wake_.wait_for(lock, interval, [this] { return stopping_; })) {
      lock.unlock();
      work();
      lock.lock();
    }
  });
}

PeriodicTask::~PeriodicTask() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

}  // namespace lf::state
