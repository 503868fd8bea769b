// `learnflow scale deployment/NAME --replicas=N`: like kubectl, it sets spec.replicas (an HPA that
// targets the Deployment takes the count back at its next sync, as in a cluster).
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

struct ScaleOptions {
  std::string target;
  int replicas = -1;
  std::string state_dir;
};

int run_scale(const ScaleOptions& o) {
  std::string name = o.target;
  for (const char* prefix : {"deployment/", "deployments/", "deploy/", "deployment.apps/"})
    if (name.rfind(prefix, 0) == 0) name = name.substr(std::string(prefix).size());
  if (name.empty() || name.find('/') != std::string::npos) {
    std::cerr << "learnflow scale: give deployment/NAME, not " << o.target << "\n";
    return kExitUsage;
  }
  if (!running_supervisor(o.state_dir)) {
    std::cerr << "learnflow scale: the platform is not running (learnflow up)\n";
    return kExitFailure;
  }
  auto status = read_status(o.state_dir);
  bool known = false;
  if (status)
    for (const auto& d : (*status)["deployments"]) known = known || d.value("name", "") == name;
  if (!known) {
    std::cerr << "learnflow scale: deployment " << name << " not found\n";
    return kExitFailure;
  }
  platform::StateLayout layout{platform::absolute_path(o.state_dir)};
  std::filesystem::create_directories(layout.scale_requests_dir());
  if (auto s = platform::write_file_atomically(layout.scale_requests_dir() + "/" + name, std::to_string(o.replicas) + "\n");
      !s) {
    std::cerr << "learnflow scale: " << s.error().message << "\n";
    return kExitFailure;
  }
  // The supervisor picks the request up within a second; confirm from its status.
  for (int i = 0; i < 50; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (auto now = read_status(o.state_dir))
      for (const auto& d : (*now)["deployments"])
        if (d.value("name", "") == name && d.value("replicas", -1) == o.replicas) {
          std::cout << "deployment.apps/" << name << " scaled\n";
          return kExitOk;
        }
  }
  std::cerr << "learnflow scale: the supervisor did not confirm the new count within 5s\n";
  return kExitFailure;
}

RegisterCommand reg{"scale", "Set a Deployment's replica count", [](CLI::App& cmd) {
  auto o = std::make_shared<ScaleOptions>();
  cmd.add_option("TARGET", o->target, "deployment/NAME")->required();
  cmd.add_option("--replicas", o->replicas, "New replica count")->required()->check(CLI::NonNegativeNumber);
  add_state_dir_option(cmd, o->state_dir);
  return [o] { return run_scale(*o); };
}};

}  // namespace
}  // namespace lf::cli
