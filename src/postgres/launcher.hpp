#pragma once
// Runs a real PostgreSQL server (Debian's postgresql-15) from a data directory of our own, for
// the integration tests and the one-machine platform.
//
// Layout under base_dir: data/ (PGDATA, created by initdb once and kept, so data survives
// restarts; its unix socket lives there too) and postgres.log (initdb and server output).
// PostgreSQL refuses to run as root: when this process is root, initdb and the server run as
// the Debian `postgres` system user (base_dir is chown'ed to it and the child calls
// setgid/setuid before exec), so base_dir's parent directories must be traversable by that user
// (/tmp is). The server listens on 127.0.0.1 only, with trust authentication for user postgres.
#include <sys/types.h>

#include <memory>
#include <string>

#include "core/clock.hpp"
#include "core/error.hpp"

namespace lf::postgres {

struct LaunchOptions {
  std::string base_dir;                            // required; created if missing
  std::string bin_dir = "/usr/lib/postgresql/15/bin";
  std::string database = "learnflow";             // created after start when missing; empty: none
  int port = 0;                                    // 0: a free port chosen at start
  Duration start_timeout = std::chrono::seconds(60);
  Duration stop_grace = std::chrono::seconds(10);
  // Off for tests: no fsync in initdb and the server. Committed data still survives a killed
  // server (WAL reaches the OS at commit), only not a crash of the machine.
  bool durable = true;
  // The server gets SIGKILL if the thread that started it dies (Linux PR_SET_PDEATHSIG follows
  // the forking *thread*), so a crashed test binary does not leave a server behind. Start it
  // from a long-lived thread (e.g. main), or turn this off for a platform that hands it over.
  bool die_with_parent = true;
};

class PostgresServer {
 public:
  // initdb (first time only), start, wait until it accepts connections, create the database.
  static Result<std::unique_ptr<PostgresServer>> start(LaunchOptions options);

  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;
  ~PostgresServer();  // stop()

  const std::string& host() const { return host_; }
  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  const std::string& data_dir() const { return data_dir_; }
  const std::string& log_path() const { return log_path_; }
  // libpq keyword/value connection string for a database (default: options.database).
  std::string connection_string(const std::string& database = "") const;
  // postgres://postgres@127.0.0.1:<port>/<database>
  std::string uri(const std::string& database = "") const;

  Status create_database(const std::string& name);
  bool running();
  // SIGTERM (smart shutdown) for up to 1 s, then SIGINT (fast), then SIGKILL to the group once
  // stop_grace has passed.
  Status stop();
  // SIGKILL to the server's process group, immediately.
  void kill();

 private:
  explicit PostgresServer(LaunchOptions options);
  Status launch_once();
  Status wait_until_ready();
  bool reap(bool block);

  LaunchOptions options_;
  std::string host_ = "127.0.0.1";
  std::string data_dir_;
  std::string log_path_;
  int port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace lf::postgres
