#pragma once
// Child processes for the platform, the broker/database launchers and integration tests.
// Every child runs in its own process group so that signals and the RAII cleanup reach the
// whole tree (a shell and what it started, a JVM and its helpers).
#include <sys/types.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"

namespace lf::process {

enum class Output {
  inherit,  // same stdout/stderr as this process
  file,     // stdout and stderr appended to log_path
  pipe,     // stdout and stderr readable from Process::output_fd()
  discard,  // /dev/null
};

// Another user to run the child as (this process must be root), e.g. PostgreSQL's `postgres`.
struct RunAs {
  uid_t uid = 0;
  gid_t gid = 0;
};

struct SpawnOptions {
  std::vector<std::string> argv;  // argv[0] is looked up on PATH when it has no '/'
  std::vector<std::pair<std::string, std::string>> env;  // added to (or replacing in) this process's environment
  std::string working_dir;                                // empty: inherit
  Output output = Output::inherit;
  std::string log_path;  // for Output::file
  // The child gets SIGKILL when this process dies, even by a crash that runs no destructor
  // (Linux PR_SET_PDEATHSIG). It is tied to the spawning *thread*: spawn from a long-lived one.
  bool die_with_parent = false;
  // Output files are opened before the switch, the working directory is entered after it.
  std::optional<RunAs> run_as;
};

struct ExitStatus {
  bool exited = false;  // normal exit with code; otherwise killed by signal
  int code = 0;
  int signal = 0;
  bool success() const { return exited && code == 0; }
  std::string describe() const;  // "exit code 3", "killed by SIGKILL"
};

class Process {
 public:
  static Result<Process> spawn(const SpawnOptions& options);

  Process(Process&& other) noexcept;
  Process& operator=(Process&& other) noexcept;
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  // Kills the whole process group and reaps the child: tests never leak processes.
  // Whenever the leader is found to have exited, what it left in its group is killed too.
  ~Process();

  pid_t pid() const { return pid_; }
  // Sends sig to the whole process group.
  Status signal(int sig);
  // Reaps without blocking; false once the child has exited.
  bool is_running();
  std::optional<ExitStatus> try_wait();
  // Blocks until exit or timeout (nullopt on timeout).
  std::optional<ExitStatus> wait_for(Duration timeout);
  ExitStatus wait();
  // SIGTERM to the group, then SIGKILL after grace if still alive; always returns the status.
  ExitStatus stop(Duration grace);
  // Read end of the output pipe (Output::pipe), -1 otherwise; owned by the Process.
  int output_fd() const { return output_fd_; }
  // Reads what the child wrote so far (non-blocking) from the pipe.
  std::string read_available_output();
  const std::optional<ExitStatus>& exit_status() const { return status_; }

 private:
  Process(pid_t pid, int output_fd) : pid_(pid), output_fd_(output_fd) {}
  void release();
  void reap();  // the leader has exited (not yet reaped): kill its group's leftovers, then reap

  pid_t pid_ = -1;
  int output_fd_ = -1;
  std::optional<ExitStatus> status_;
};

// A TCP port on 127.0.0.1 that was free a moment ago (bind to port 0, read it, release it).
Result<int> free_tcp_port();

// A port on 127.0.0.1 kept for a process that will listen on it later, possibly many times (a
// container and its restarts). It stays bound with SO_REUSEADDR and never listens: the kernel then
// hands it to no other bind(0) and no outgoing connection, while a listener that also sets
// SO_REUSEADDR (Asio's acceptor, Go, Node, nginx and Python's http.server all do) binds it
// normally. A port chosen by free_tcp_port() is unprotected until its listener binds it.
class ReservedPort {
 public:
  static Result<ReservedPort> reserve();
  ReservedPort(ReservedPort&& other) noexcept;
  ReservedPort& operator=(ReservedPort&& other) noexcept;
  ReservedPort(const ReservedPort&) = delete;
  ReservedPort& operator=(const ReservedPort&) = delete;
  ~ReservedPort();
  int port() const { return port_; }

 private:
  ReservedPort(int fd, int port) : fd_(fd), port_(port) {}
  int fd_ = -1;
  int port_ = 0;
};
// True once a TCP connect to host:port succeeds, false after timeout.
bool wait_for_tcp(const std::string& host, int port, Duration timeout);
// True when something accepts connections on host:port right now.
bool tcp_port_open(const std::string& host, int port);

}  // namespace lf::process
