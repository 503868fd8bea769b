// The fork/exec path of Process::spawn, needed where posix_spawn cannot go: PR_SET_PDEATHSIG.
// Everything the child needs is prepared before fork; the child only makes async-signal-safe
// system calls and reports an exec failure through a close-on-exec pipe.
#include <fcntl.h>
#include <grp.h>
#include <linux/close_range.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>

#include "process/spawn_detail.hpp"

namespace lf::process::detail {
namespace {

[[noreturn]] void child_fail(int report_fd, int err) {
  ssize_t ignored = write(report_fd, &err, sizeof err);
  (void)ignored;
  _exit(127);
}

void close_fds_from_3_except(int keep) {
  if (keep > 3) syscall(SYS_close_range, 3u, static_cast<unsigned>(keep - 1), 0u);
  syscall(SYS_close_range, static_cast<unsigned>(keep + 1), ~0u, 0u);
}

}  // namespace

Result<ForkResult> fork_exec(const ChildPlan& plan) {
  int report[2];
  if (pipe2(report, O_CLOEXEC) != 0) return fail(std::string("cannot create a pipe: ") + std::strerror(errno));
  pid_t parent = getpid();
  sigset_t empty;
  sigemptyset(&empty);
  struct sigaction default_action {};
  default_action.sa_handler = SIG_DFL;

  pid_t pid = fork();
  if (pid < 0) {
    int err = errno;
    close(report[0]);
    close(report[1]);
    return fail(std::string("cannot fork: ") + std::strerror(err));
  }
  if (pid == 0) {
    setpgid(0, 0);
    for (int sig = 1; sig < NSIG; ++sig) sigaction(sig, &default_action, nullptr);
    sigprocmask(SIG_SETMASK, &empty, nullptr);
    if (plan.stdout_fd >= 0) {
      if (dup2(plan.stdout_fd, STDOUT_FILENO) < 0 || dup2(plan.stdout_fd, STDERR_FILENO) < 0)
        child_fail(report[1], errno);
    } else if (plan.stdout_path) {
      int fd = open(plan.stdout_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
      if (fd < 0) child_fail(report[1], errno);
      if (dup2(fd, STDOUT_FILENO) < 0 || dup2(fd, STDERR_FILENO) < 0) child_fail(report[1], errno);
      if (fd > STDERR_FILENO) close(fd);
    }
    if (plan.switch_user) {
      gid_t groups[1] = {plan.gid};
      if (setgroups(1, groups) != 0 || setgid(plan.gid) != 0 || setuid(plan.uid) != 0) child_fail(report[1], errno);
    }
    // After the user switch, which would clear it.
    if (plan.die_with_parent) {
      if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) child_fail(report[1], errno);
      if (getppid() != parent) _exit(127);  // the parent died before prctl took effect
    }
    if (plan.working_dir && chdir(plan.working_dir) != 0) child_fail(report[1], errno);
    close_fds_from_3_except(report[1]);
    execve(plan.program, plan.argv, plan.envp);
    child_fail(report[1], errno);
  }
  close(report[1]);
  setpgid(pid, pid);  // also from the parent, so the group exists before anyone signals it
  int child_errno = 0;
  ssize_t n;
  do {
    n = read(report[0], &child_errno, sizeof child_errno);
  } while (n < 0 && errno == EINTR);
  close(report[0]);
  if (n == static_cast<ssize_t>(sizeof child_errno)) {
    int ignored;
    waitpid(pid, &ignored, 0);
    return fail(std::strerror(child_errno));
  }
  return ForkResult{pid};  // end of file: exec closed the pipe
}

}  // namespace lf::process::detail
