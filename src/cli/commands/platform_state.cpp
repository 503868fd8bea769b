#include "cli/commands/platform_state.hpp"

#include "platform/workloads.hpp"

#include <dirent.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>

#include "platform/platform.hpp"

namespace lf::cli {

void add_state_dir_option(CLI::App& cmd, std::string& state_dir) {
  const char* env = std::getenv("LEARNFLOW_STATE_DIR");
  state_dir = env && *env ? env : ".learnflow";
  cmd.add_option("--state-dir", state_dir, "State directory (data, logs, status); default $LEARNFLOW_STATE_DIR or .learnflow");
}

namespace {

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

}  // namespace

std::optional<pid_t> running_supervisor(const std::string& state_dir) {
  platform::StateLayout layout{platform::absolute_path(state_dir)};
  std::ifstream in(layout.pid_file());
  pid_t pid = 0;
  if (!(in >> pid) || pid <= 0) return std::nullopt;
  if (::kill(pid, 0) != 0) return std::nullopt;
  // A recycled pid belongs to another program: the supervisor's command line names `learnflow`.
  std::string cmdline = read_all("/proc/" + std::to_string(pid) + "/cmdline");
  if (cmdline.find("learnflow") == std::string::npos) return std::nullopt;
  return pid;
}

std::optional<nlohmann::json> read_status(const std::string& state_dir) {
  platform::StateLayout layout{platform::absolute_path(state_dir)};
  const std::string text = read_all(layout.status_file());
  if (text.empty()) return std::nullopt;
  auto parsed = nlohmann::json::parse(text, nullptr, false);
  if (parsed.is_discarded()) return std::nullopt;
  return parsed;
}

std::vector<pid_t> processes_using(const std::string& state_dir) {
  const std::string needle = platform::absolute_path(state_dir);
  const std::string marker = std::string(platform::kStateDirEnv) + "=" + needle;
  std::vector<pid_t> pids;
  DIR* proc = ::opendir("/proc");
  if (!proc) return pids;
  while (dirent* entry = ::readdir(proc)) {
    const pid_t pid = static_cast<pid_t>(std::atoi(entry->d_name));
    if (pid <= 0 || pid == ::getpid()) continue;
    const std::string dir = "/proc/" + std::to_string(pid);
    // Pods carry the marker in their environment (a whole NUL-separated entry).
    std::string environ = '\0' + read_all(dir + "/environ") + '\0';
    if (environ.find('\0' + marker + '\0') != std::string::npos) {
      pids.push_back(pid);
      continue;
    }
    // Infrastructure names the state directory on its command line. Only what the platform
    // starts: a pager or an editor showing a log file is left alone.
    std::string cmdline = read_all(dir + "/cmdline");
    std::string program = cmdline.substr(0, cmdline.find('\0'));
    program = program.substr(program.rfind('/') + 1);
    static const std::vector<std::string> ours{"learnflow", "learnflow-sidecar", "java", "prometheus", "postgres"};
    if (std::find(ours.begin(), ours.end(), program) == ours.end()) continue;
    for (auto& c : cmdline)
      if (c == '\0') c = ' ';
    if (cmdline.find(needle) != std::string::npos) pids.push_back(pid);
  }
  ::closedir(proc);
  return pids;
}

}  // namespace lf::cli
