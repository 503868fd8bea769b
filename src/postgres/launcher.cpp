#include "postgres/launcher.hpp"

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <thread>

#include "core/strings.hpp"
#include "core/text_file.hpp"
#include "postgres/pq.hpp"
#include "postgres/run_as.hpp"

namespace lf::postgres {
namespace fs = std::filesystem;

namespace {

Result<int> pick_free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return fail("could not create a socket to find a free port; check the process's file descriptor limit");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  int port = -1;
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0)
    port = ntohs(address.sin_port);
  close(fd);
  if (port <= 0) return fail("could not find a free TCP port on 127.0.0.1; check that the loopback interface is up");
  return port;
}

Status hand_to(const std::string& path, const std::optional<SystemUser>& user) {
  if (!user) return {};
  if (chown(path.c_str(), user->uid, user->gid) != 0)
    return fail("could not give " + path + " to user " + user->name + "; run on a file system that supports ownership");
  return {};
}

bool valid_database_name(const std::string& name) {
  if (name.empty() || name.size() > 63) return false;
  for (char c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-')) return false;
  return true;
}

}  // namespace

PostgresServer::PostgresServer(LaunchOptions options) : options_(std::move(options)) {
  data_dir_ = (fs::path(options_.base_dir) / "data").string();
  log_path_ = (fs::path(options_.base_dir) / "postgres.log").string();
}

PostgresServer::~PostgresServer() { (void)stop(); }

std::string PostgresServer::connection_string(const std::string& database) const {
  return "host=" + host_ + " port=" + std::to_string(port_) + " user=postgres dbname=" +
         (database.empty() ? (options_.database.empty() ? std::string("postgres") : options_.database) : database) +
         " connect_timeout=5";
}

std::string PostgresServer::uri(const std::string& database) const {
  return "postgres://postgres@" + host_ + ":" + std::to_string(port_) + "/" +
         (database.empty() ? (options_.database.empty() ? std::string("postgres") : options_.database) : database);
}

Result<std::unique_ptr<PostgresServer>> PostgresServer::start(LaunchOptions options) {
  if (options.base_dir.empty()) return fail("no base directory was given for PostgreSQL; set LaunchOptions::base_dir");
  const std::string postgres_binary = (fs::path(options.bin_dir) / "postgres").string();
  if (access(postgres_binary.c_str(), X_OK) != 0)
    return fail("PostgreSQL was not found at " + postgres_binary +
                "; install the Debian package postgresql-15 or point bin_dir at its bin directory");
  std::unique_ptr<PostgresServer> server(new PostgresServer(std::move(options)));
  auto user = user_to_drop_to("postgres");
  if (!user) return unexpected(user.error());
  std::error_code ec;
  fs::create_directories(server->options_.base_dir, ec);
  if (ec)
    return fail("could not create " + server->options_.base_dir + " (" + ec.message() +
                "); choose a writable base directory");
  chmod(server->options_.base_dir.c_str(), 0700);
  if (auto handed = hand_to(server->options_.base_dir, *user); !handed) return unexpected(handed.error());

  if (!fs::exists(fs::path(server->data_dir_) / "PG_VERSION")) {
    fs::remove_all(server->data_dir_, ec);  // a half-initialised directory from an interrupted initdb
    std::vector<std::string> argv{(fs::path(server->options_.bin_dir) / "initdb").string(), "-D", server->data_dir_,
                                  "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C"};
    if (!server->options_.durable) argv.push_back("--no-sync");
    auto child = spawn_child({argv, server->options_.base_dir, server->log_path_, *user, true});
    if (!child) return unexpected(child.error());
    const auto status = wait_child(*child, std::chrono::minutes(2));
    if (!status) {
      ::kill(-*child, SIGKILL);
      (void)wait_child(*child, std::chrono::seconds(5));
      return fail("initdb did not finish within 2 minutes; check the disk and " + server->log_path_);
    }
    if (!WIFEXITED(*status) || WEXITSTATUS(*status) != 0)
      return fail("initdb failed with " + describe_wait_status(*status) + " (" + join(last_lines(server->log_path_, 8), " | ") +
                  "); check " + server->log_path_ + " and that base_dir is writable by the postgres user");
  }

  // A port picked as free can be taken before the server binds it; try a few times.
  constexpr int attempts = 3;
  Status launched;
  for (int attempt = 0; attempt < attempts; ++attempt) {
    launched = server->launch_once();
    if (launched) break;
  }
  if (!launched) return unexpected(launched.error());
  if (!server->options_.database.empty())
    if (auto created = server->create_database(server->options_.database); !created) return unexpected(created.error());
  return server;
}

Status PostgresServer::launch_once() {
  if (options_.port != 0) {
    port_ = options_.port;
  } else {
    auto port = pick_free_port();
    if (!port) return unexpected(port.error());
    port_ = *port;
  }
  auto user = user_to_drop_to("postgres");
  if (!user) return unexpected(user.error());
  std::vector<std::string> argv{(fs::path(options_.bin_dir) / "postgres").string(),
                                "-D", data_dir_, "-h", host_, "-p", std::to_string(port_), "-k", data_dir_};
  if (!options_.durable) {
    for (const char* setting : {"fsync=off", "full_page_writes=off"}) {
      argv.push_back("-c");
      argv.push_back(setting);
    }
  }
  auto child = spawn_child({argv, options_.base_dir, log_path_, *user, options_.die_with_parent});
  if (!child) return unexpected(child.error());
  pid_ = *child;
  return wait_until_ready();
}

Status PostgresServer::wait_until_ready() {
  const auto deadline = std::chrono::steady_clock::now() + options_.start_timeout;
  const std::string conninfo = connection_string("postgres");
  while (true) {
    if (!running())
      return fail("PostgreSQL exited during start-up (" + join(last_lines(log_path_, 8), " | ") + "); check " + log_path_);
    if (auto connection = pq::Connection::connect(conninfo)) return {};
    if (std::chrono::steady_clock::now() >= deadline) {
      kill();
      return fail("PostgreSQL did not accept connections on " + host_ + ":" + std::to_string(port_) +
                  " in time; check " + log_path_ + " or raise start_timeout");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

Status PostgresServer::create_database(const std::string& name) {
  if (!valid_database_name(name))
    return fail("the database name '" + name + "' is not allowed; use letters, digits, '_' and '-' only");
  auto connection = pq::Connection::connect(connection_string("postgres"));
  if (!connection)
    return fail("could not connect to PostgreSQL to create database " + name + ": " + connection.error().message);
  auto exists = connection->exec("SELECT 1 FROM pg_database WHERE datname = $1", {name});
  if (!exists) return fail("could not look up database " + name + ": " + exists.error().message);
  if (!exists->rows.empty()) return {};
  auto created = connection->exec("CREATE DATABASE \"" + name + "\"");
  // 42P04: created concurrently by someone else, which is what we wanted.
  if (!created && created.error().sqlstate != "42P04")
    return fail("could not create database " + name + ": " + created.error().message);
  return {};
}

bool PostgresServer::reap(bool block) {
  if (pid_ <= 0) return true;
  const auto status = wait_child(pid_, block ? std::chrono::hours(1) : Duration::zero());
  if (!status) return false;
  pid_ = -1;
  return true;
}

bool PostgresServer::running() { return pid_ > 0 && !reap(false); }

Status PostgresServer::stop() {
  if (pid_ <= 0) return {};
  const pid_t group = pid_;
  // Smart shutdown waits for clients to disconnect; give them a moment, then switch to fast
  // shutdown (what pg_ctl stop does by default), which still checkpoints.
  const Duration smart_window = std::min<Duration>(std::chrono::seconds(1), options_.stop_grace / 4);
  ::kill(group, SIGTERM);
  if (wait_child(group, smart_window)) {
    pid_ = -1;
    return {};
  }
  ::kill(group, SIGINT);
  if (wait_child(group, options_.stop_grace - smart_window)) {
    pid_ = -1;
    return {};
  }
  kill();
  return fail("PostgreSQL did not shut down within the grace period and was killed; check " + log_path_ +
              " for clients that kept it busy");
}

void PostgresServer::kill() {
  if (pid_ <= 0) return;
  ::kill(-pid_, SIGKILL);
  reap(true);
}

}  // namespace lf::postgres
