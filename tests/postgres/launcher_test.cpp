#include <gtest/gtest.h>
#include <signal.h>

#include <pthread.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "postgres/launcher.hpp"
#include "postgres/postgres_test_env.hpp"
#include "postgres/pq.hpp"

namespace lf::postgres {
namespace {

LF_POSTGRES_TEST_ENVIRONMENT;

PostgresServer& shared_server() {
  auto* server = testing::PostgresEnvironment::server();
  if (server == nullptr) ADD_FAILURE() << "the shared PostgreSQL server did not start";
  return *server;
}

TEST(PostgresLauncher, ServesQueriesOnLoopbackWithTheRequestedDatabase) {
  auto& server = shared_server();
  EXPECT_EQ(server.host(), "127.0.0.1");
  EXPECT_GT(server.port(), 0);
  auto connection = pq::Connection::connect(server.connection_string());
  ASSERT_TRUE(connection) << connection.error().message;
  auto result = connection->exec("SELECT current_database(), $1::int + 1", {std::string("41")});
  ASSERT_TRUE(result) << result.error().message;
  ASSERT_EQ(result->rows.size(), 1u);
  EXPECT_EQ(result->rows[0][0], "learnflow");
  EXPECT_EQ(result->rows[0][1], "42");
  auto by_uri = pq::Connection::connect(server.uri());
  EXPECT_TRUE(by_uri) << by_uri.error().message;
}

TEST(PostgresLauncher, ReportsSqlStateOfServerErrors) {
  auto connection = pq::Connection::connect(shared_server().connection_string());
  ASSERT_TRUE(connection);
  ASSERT_TRUE(connection->exec("CREATE TABLE IF NOT EXISTS uniq (k text PRIMARY KEY)"));
  ASSERT_TRUE(connection->exec("INSERT INTO uniq VALUES ('a')"));
  auto duplicate = connection->exec("INSERT INTO uniq VALUES ('a')");
  ASSERT_FALSE(duplicate);
  EXPECT_EQ(duplicate.error().sqlstate, "23505");
  EXPECT_FALSE(duplicate.error().connection_lost);
}

TEST(PostgresLauncher, CreateDatabaseIsIdempotentAndRejectsOddNames) {
  auto& server = shared_server();
  EXPECT_TRUE(server.create_database("second_db"));
  EXPECT_TRUE(server.create_database("second_db"));
  EXPECT_TRUE(pq::Connection::connect(server.connection_string("second_db")));
  auto odd = server.create_database("x\"; DROP");
  ASSERT_FALSE(odd);
  EXPECT_NE(odd.error().message.find("not allowed"), std::string::npos);
}

TEST(PostgresLauncher, DataSurvivesARestartAndACrashFromTheSameDirectory) {
  char pattern[] = "/tmp/lf-pg-restart-XXXXXX";
  const std::string base = mkdtemp(pattern);
  LaunchOptions options;
  options.base_dir = base;
  options.durable = false;
  {
    auto server = PostgresServer::start(options);
    ASSERT_TRUE(server) << server.error().message;
    auto connection = pq::Connection::connect((*server)->connection_string());
    ASSERT_TRUE(connection);
    ASSERT_TRUE(connection->exec("CREATE TABLE kept (v text)"));
    ASSERT_TRUE(connection->exec("INSERT INTO kept VALUES ('still here')"));
    const pid_t pid = (*server)->pid();
    const auto stop_started = std::chrono::steady_clock::now();
    EXPECT_TRUE((*server)->stop());
    // A connected client makes smart shutdown wait; stop() must switch to fast shutdown quickly.
    EXPECT_LT(std::chrono::steady_clock::now() - stop_started, std::chrono::seconds(5));
    EXPECT_FALSE((*server)->running());
    EXPECT_NE(::kill(pid, 0), 0) << "the server process must be gone after stop()";
  }
  {
    auto server = PostgresServer::start(options);
    ASSERT_TRUE(server) << server.error().message;
    auto connection = pq::Connection::connect((*server)->connection_string());
    ASSERT_TRUE(connection);
    auto rows = connection->exec("SELECT v FROM kept");
    ASSERT_TRUE(rows) << rows.error().message;
    ASSERT_EQ(rows->rows.size(), 1u);
    EXPECT_EQ(rows->rows[0][0], "still here");
    ASSERT_TRUE(connection->exec("INSERT INTO kept VALUES ('committed before the crash')"));
    (*server)->kill();
    EXPECT_FALSE((*server)->running());
  }
  {
    // After SIGKILL (stale postmaster.pid, no shutdown checkpoint) the server recovers.
    auto server = PostgresServer::start(options);
    ASSERT_TRUE(server) << server.error().message;
    auto connection = pq::Connection::connect((*server)->connection_string());
    ASSERT_TRUE(connection);
    auto rows = connection->exec("SELECT count(*) FROM kept");
    ASSERT_TRUE(rows) << rows.error().message;
    EXPECT_EQ(rows->rows[0][0], "2");
  }
  std::filesystem::remove_all(base);
}

TEST(PostgresLauncher, ServerDiesWithTheProcessThatStartedIt) {
  char pattern[] = "/tmp/lf-pg-orphan-XXXXXX";
  const std::string base = mkdtemp(pattern);
  int pipe_fds[2];
  ASSERT_EQ(pipe(pipe_fds), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // A process that starts a server and then dies without stopping it, as a crashed test would.
    LaunchOptions options;
    options.base_dir = base;
    options.durable = false;
    options.database = "";
    auto server = PostgresServer::start(options);
    pid_t pid = server ? (*server)->pid() : -1;
    (void)!write(pipe_fds[1], &pid, sizeof pid);
    _exit(0);
  }
  close(pipe_fds[1]);
  pid_t server_pid = -1;
  ASSERT_EQ(read(pipe_fds[0], &server_pid, sizeof server_pid), static_cast<ssize_t>(sizeof server_pid));
  close(pipe_fds[0]);
  int status = 0;
  waitpid(child, &status, 0);
  ASSERT_GT(server_pid, 0);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (::kill(server_pid, 0) == 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_NE(::kill(server_pid, 0), 0) << "the orphaned server must be killed with its parent";
  std::filesystem::remove_all(base);
}

TEST(PostgresLauncher, TheServerInheritsNoDescriptorsAndNoBlockedSignals) {
  char pattern[] = "/tmp/lf-pg-clean-XXXXXX";
  const std::string base = mkdtemp(pattern);
  int leaked[2];
  ASSERT_EQ(pipe(leaked), 0);  // not close-on-exec
  sigset_t term, previous;
  sigemptyset(&term);
  sigaddset(&term, SIGTERM);
  ASSERT_EQ(pthread_sigmask(SIG_BLOCK, &term, &previous), 0);
  LaunchOptions options;
  options.base_dir = base;
  options.durable = false;
  options.database = "";
  auto server = PostgresServer::start(options);
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  ASSERT_TRUE(server) << server.error().message;

  const std::string proc = "/proc/" + std::to_string((*server)->pid());
  std::ifstream status(proc + "/status");
  std::string line, blocked;
  while (std::getline(status, line))
    if (line.rfind("SigBlk:", 0) == 0) blocked = line;
  EXPECT_EQ(blocked.find_first_not_of("0", blocked.find_first_not_of("SigBlk:\t ")), std::string::npos) << blocked;
  struct stat pipe_stat {};
  ASSERT_EQ(fstat(leaked[0], &pipe_stat), 0);
  for (const auto& entry : std::filesystem::directory_iterator(proc + "/fd")) {
    struct stat fd_stat {};
    if (stat(entry.path().c_str(), &fd_stat) == 0) {
      EXPECT_NE(fd_stat.st_ino, pipe_stat.st_ino) << "inherited our pipe";
    }
  }
  const auto started = std::chrono::steady_clock::now();
  EXPECT_TRUE((*server)->stop());
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(3)) << "SIGTERM must reach the server";
  close(leaked[0]);
  close(leaked[1]);
  std::filesystem::remove_all(base);
}

TEST(PostgresLauncher, MissingBinariesGiveAPlainSentence) {
  LaunchOptions options;
  options.base_dir = "/tmp/lf-pg-never-created";
  options.bin_dir = "/nonexistent/bin";
  auto server = PostgresServer::start(options);
  ASSERT_FALSE(server);
  EXPECT_NE(server.error().message.find("install the Debian package postgresql-15"), std::string::npos);
}

}  // namespace
}  // namespace lf::postgres
