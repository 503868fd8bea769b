#include "verify/scenario_support.hpp"

#include <signal.h>

namespace lf::verify {
using nlohmann::json;

double seconds_of(Duration d) { return std::chrono::duration<double>(d).count(); }

std::string lesson_id_of(const std::string& body) {
  auto doc = json::parse(body, nullptr, false);
  if (!doc.is_object()) return {};
  if (doc["lesson_id"].is_string()) return doc["lesson_id"];
  if (doc["lesson"].is_object() && doc["lesson"]["lesson_id"].is_string()) return doc["lesson"]["lesson_id"];
  return {};
}

std::string first_topic(PlatformSession& s, const std::string& frontend_url) {
  auto curriculum = json::parse(s.get(frontend_url + "/api/curriculum").body, nullptr, false);
  if (!curriculum.is_object() || !curriculum["topics"].is_array() || curriculum["topics"].empty()) return {};
  return curriculum["topics"][0].value("id", "");
}

Frozen::Frozen(int pid) : pid_(pid), ok_(pid > 0 && ::kill(pid, SIGSTOP) == 0) {}
Frozen::~Frozen() { thaw(); }
void Frozen::thaw() {
  if (ok_) ::kill(pid_, SIGCONT);
  ok_ = false;
}

std::size_t log_size(const PlatformSession& s, const std::string& pod) { return s.log_lines(pod, "daprd").size(); }

std::vector<LogLine> matching_lines(const std::vector<std::string>& lines, std::size_t from, const std::string& needle) {
  std::vector<LogLine> out;
  for (std::size_t i = from; i < lines.size(); ++i)
    if (lines[i].find(needle) != std::string::npos)
      if (auto parsed = parse_daprd_line(lines[i])) out.push_back(*parsed);
  return out;
}

int ready_count(const PlatformSession& s, const std::string& deployment) {
  int ready = 0;
  for (const auto& p : s.pods_of(deployment)) ready += p.value("ready", false) ? 1 : 0;
  return ready;
}

}  // namespace lf::verify
