// `learnflow status [-o json]`: pods, deployments, services and infrastructure of the running
// platform, from the supervisor's status.json. The JSON form is a stable contract (issue 5).
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>

#include "cli/command.hpp"
#include "cli/commands/platform_state.hpp"

namespace lf::cli {
namespace {

struct StatusOptions {
  std::string state_dir;
  std::string output = "text";
};

std::string age(double start_seconds) {
  const double now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  const long long s = static_cast<long long>(now - start_seconds);
  if (s < 120) return std::to_string(s) + "s";
  if (s < 7200) return std::to_string(s / 60) + "m";
  return std::to_string(s / 3600) + "h";
}

int run_status(const StatusOptions& o) {
  auto supervisor = running_supervisor(o.state_dir);
  auto status = read_status(o.state_dir);
  if (!supervisor || !status) {
    if (o.output == "json")
      std::cout << R"({"services":[],"pods":[],"deployments":[],"infrastructure":[]})" << "\n";
    else
      std::cout << "the platform is not running for " << o.state_dir << " (start it with `learnflow up`)\n";
    return kExitFailure;
  }
  const auto& s = *status;
  if (o.output == "json") {
    std::cout << s.dump(2) << "\n";
    return kExitOk;
  }
  std::printf("%-48s %-6s %-9s %-6s %-8s\n", "POD", "READY", "RESTARTS", "AGE", "CPU");
  for (const auto& p : s["pods"])
    std::printf("%-48s %-6s %-9d %-6s %-8s\n", p.value("name", "").c_str(), p.value("ready", false) ? "1/1" : "0/1",
                p.value("restarts", 0), age(p.value("start_time", 0.0)).c_str(),
                (std::to_string(static_cast<long long>(p.value("cpu_millicores", 0.0))) + "m").c_str());
  std::printf("\n%-32s %-9s\n", "DEPLOYMENT", "READY");
  for (const auto& d : s["deployments"])
    std::printf("%-32s %d/%d\n", d.value("name", "").c_str(), d.value("ready_replicas", 0), d.value("replicas", 0));
  std::printf("\n%-32s %s\n", "SERVICE", "URL");
  for (const auto& svc : s["services"]) std::printf("%-32s %s\n", svc.value("name", "").c_str(), svc.value("url", "").c_str());
  std::printf("\n%-16s %-8s %-7s %s\n", "INFRASTRUCTURE", "PID", "READY", "ADDRESS");
  for (const auto& i : s["infrastructure"])
    std::printf("%-16s %-8d %-7s %s\n", i.value("name", "").c_str(), i.value("pid", 0), i.value("ready", false) ? "yes" : "no",
                i.contains("url") ? i.value("url", "").c_str() : i.value("address", "").c_str());
  if (s.contains("hpas") && !s["hpas"].empty()) {
    std::printf("\n%-24s %-24s %-8s %-8s %s\n", "HPA", "TARGET", "CURRENT", "DESIRED", "CPU%");
    for (const auto& h : s["hpas"])
      std::printf("%-24s %-24s %-8d %-8d %s\n", h.value("name", "").c_str(), h.value("target", "").c_str(),
                  h.value("current_replicas", 0), h.value("desired_replicas", 0),
                  h.contains("current_utilization") ? std::to_string(h.value("current_utilization", 0)).c_str() : "-");
  }
  return kExitOk;
}

RegisterCommand reg{"status", "Pods, deployments, services and infrastructure of the running platform", [](CLI::App& cmd) {
  auto o = std::make_shared<StatusOptions>();
  add_state_dir_option(cmd, o->state_dir);
  cmd.add_option("-o,--output", o->output, "text or json")->check(CLI::IsMember({"text", "json"}));
  return [o] { return run_status(*o); };
}};

}  // namespace
}  // namespace lf::cli
