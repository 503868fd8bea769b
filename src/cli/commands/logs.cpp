// `learnflow logs NAME [-c CONTAINER] [-f]`: NAME is a pod, deployment/NAME (its newest pod), or
// kafka, prometheus, postgresql, supervisor. Logs live in the state directory and survive down/up.
#include <signal.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <thread>

#include "cli/command.hpp"
#include "cli/commands/platform_state.hpp"
#include "platform/platform.hpp"

namespace lf::cli {
namespace {
namespace fs = std::filesystem;

struct LogsOptions {
  std::string name;
  std::string container;
  bool follow = false;
  std::string state_dir;
};

std::atomic<bool> g_interrupted{false};

// The newest pod directory whose name is "<deployment>-<hash>-<suffix>".
std::string newest_pod_of(const platform::StateLayout& layout, const std::string& deployment) {
  std::string best;
  fs::file_time_type best_time{};
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(layout.pods_log_dir(), ec)) {
    const std::string pod = entry.path().filename().string();
    if (pod.rfind(deployment + "-", 0) != 0) continue;
    const std::string rest = pod.substr(deployment.size() + 1);
    if (std::count(rest.begin(), rest.end(), '-') != 1) continue;  // exactly "<hash>-<suffix>"
    auto t = fs::last_write_time(entry.path(), ec);
    if (best.empty() || t > best_time) {
      best = pod;
      best_time = t;
    }
  }
  return best;
}

std::string resolve_log(const LogsOptions& o, const platform::StateLayout& layout) {
  if (o.name == "kafka") return layout.kafka_dir() + "/broker.log";
  if (o.name == "prometheus") return layout.prometheus_log();
  if (o.name == "postgresql" || o.name == "postgres") return layout.postgres_dir() + "/postgres.log";
  if (o.name == "supervisor" || o.name == "platform") return layout.supervisor_log();
  std::string pod = o.name;
  for (const char* prefix : {"pod/", "pods/"})
    if (pod.rfind(prefix, 0) == 0) pod = pod.substr(std::string(prefix).size());
  bool deployment = false;
  for (const char* prefix : {"deployment/", "deploy/"})
    if (pod.rfind(prefix, 0) == 0) {
      pod = pod.substr(std::string(prefix).size());
      deployment = true;
    }
  if (deployment || !fs::is_directory(layout.pods_log_dir() + "/" + pod)) pod = newest_pod_of(layout, pod);
  if (pod.empty()) return {};
  const std::string dir = layout.pods_log_dir() + "/" + pod;
  if (!o.container.empty()) return dir + "/" + o.container + ".log";
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec))  // the app container: any log but daprd's
    if (entry.path().filename() != "daprd.log") return entry.path().string();
  return dir + "/daprd.log";
}

int run_logs(const LogsOptions& o) {
  platform::StateLayout layout{platform::absolute_path(o.state_dir)};
  const std::string path = resolve_log(o, layout);
  std::ifstream in(path);
  if (path.empty() || !in) {
    std::cerr << "learnflow logs: no log for " << o.name << " in " << o.state_dir
              << " (names: a pod, deployment/NAME, kafka, prometheus, postgresql, supervisor)\n";
    return kExitFailure;
  }
  std::string line;
  while (std::getline(in, line)) std::cout << line << "\n";
  if (!o.follow) return kExitOk;
  ::signal(SIGINT, [](int) { g_interrupted = true; });
  while (!g_interrupted) {
    in.clear();
    while (std::getline(in, line)) std::cout << line << "\n" << std::flush;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return kExitOk;
}

RegisterCommand reg{"logs", "Print the logs of a pod, a deployment or the infrastructure", [](CLI::App& cmd) {
  auto o = std::make_shared<LogsOptions>();
  cmd.add_option("NAME", o->name, "pod, deployment/NAME, kafka, prometheus, postgresql or supervisor")->required();
  cmd.add_option("-c,--container", o->container, "Container of the pod (the app by default; daprd for the sidecar)");
  cmd.add_flag("-f,--follow", o->follow, "Keep printing new lines until Ctrl-C");
  add_state_dir_option(cmd, o->state_dir);
  return [o] { return run_logs(*o); };
}};

}  // namespace
}  // namespace lf::cli
