#pragma once
// Starting a child as another user. src/process has no user switching, and PostgreSQL must not
// run as root, so this small helper forks, drops to the target user and execs.
#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"

namespace lf::postgres {

struct SystemUser {
  std::string name;
  uid_t uid = 0;
  gid_t gid = 0;
};

// The unprivileged user to run as when this process is root; nullopt when not root.
Result<std::optional<SystemUser>> user_to_drop_to(const std::string& name);

struct ChildOptions {
  std::vector<std::string> argv;  // argv[0] is an absolute path
  std::string working_dir;
  std::string log_path;  // stdout and stderr are appended here
  std::optional<SystemUser> run_as;
  bool die_with_parent = false;
};

// The child leads its own process group, so kill(-pid, ...) reaches everything it starts.
Result<pid_t> spawn_child(const ChildOptions& options);

// Waits for the child; nullopt after timeout. The int is the raw waitpid status.
std::optional<int> wait_child(pid_t pid, Duration timeout);
std::string describe_wait_status(int status);

}  // namespace lf::postgres
