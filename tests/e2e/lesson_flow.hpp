// Steps the end-to-end tests share on a running platform: generate lessons through the frontend,
// read progress, sum app metrics over a deployment's pods.
#pragma once

#include <cstdlib>
#include <sstream>
#include <string>

#include "support/platform_harness.hpp"

namespace lf::e2e {

using namespace lf::testing::platform;

struct Generated {
  int status = 0;
  json lesson;  // the 201 body, null otherwise
  std::string error;
};

inline Generated generate_lesson(const std::string& frontend, const std::string& user_id, const std::string& topic,
                                 const std::string& difficulty = "beginner") {
  auto r = post_json(frontend + "/api/lessons", {{"user_id", user_id}, {"topic", topic}, {"difficulty", difficulty}});
  if (!r) return {0, json(), r.error().message};
  Generated g{r->status, json(), r->body};
  if (r->status == 201) g.lesson = json::parse(r->body, nullptr, false);
  return g;
}

// GET /api/progress (user-progress's view through the frontend); null on any failure.
inline json progress_of(const std::string& frontend, const std::string& user_id) {
  return get_json(frontend + "/api/progress?user_id=" + user_id);
}

inline int lessons_received(const std::string& frontend, const std::string& user_id) {
  auto doc = progress_of(frontend, user_id);
  return doc.is_object() && doc["lessons_received"].is_number() ? doc["lessons_received"].get<int>() : -1;
}

// Sum over every pod of `deployment` of the samples of `name` whose label text contains `labels`
// (e.g. `outcome="SUCCESS"`); -1 when a pod's /metrics cannot be read.
inline double deployment_metric(const json& status, const std::string& deployment, const std::string& name,
                                const std::string& labels = "") {
  double total = 0;
  for (const auto& pod : status["pods"]) {
    if (pod["deployment"] != deployment) continue;
    auto r = get("http://127.0.0.1:" + std::to_string(pod["app_port"].get<int>()) + "/metrics");
    if (!r || r->status != 200) return -1;
    std::istringstream lines(r->body);
    for (std::string line; std::getline(lines, line);) {
      if (line.rfind(name, 0) != 0) continue;
      const char next = line.size() > name.size() ? line[name.size()] : '\0';
      if (next != ' ' && next != '{') continue;
      if (!labels.empty() && line.find(labels) == std::string::npos) continue;
      total += std::strtod(line.c_str() + line.rfind(' ') + 1, nullptr);
    }
  }
  return total;
}

}  // namespace lf::e2e
