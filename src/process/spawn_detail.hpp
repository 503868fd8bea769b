#pragma once
// Internal to lf_process: the fork/exec back end of Process::spawn.
#include <sys/types.h>

#include "core/error.hpp"

namespace lf::process::detail {

struct ChildPlan {
  const char* program = nullptr;  // resolved path
  char* const* argv = nullptr;
  char* const* envp = nullptr;
  const char* working_dir = nullptr;  // null: inherit
  int stdout_fd = -1;                 // pipe write end, or -1
  const char* stdout_path = nullptr;  // file (or /dev/null), or null to inherit
  bool die_with_parent = false;
  bool switch_user = false;
  uid_t uid = 0;
  gid_t gid = 0;
};

struct ForkResult {
  pid_t pid;
};

// Error message is strerror of what failed in the child (exec, chdir, open).
Result<ForkResult> fork_exec(const ChildPlan& plan);

}  // namespace lf::process::detail
