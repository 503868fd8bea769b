// Several processes opening one fresh SQLite file at the same moment, as sidecars started together
// do with the name-resolution registry. Processes, not threads: SQLite's file locks behave
// differently between connections of one process.
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "state/sqlite_db.hpp"
#include "temp_dir.hpp"

namespace lf::sqlite {
namespace {

// Child: waits for the start signal, opens the file in WAL mode and creates a table.
[[noreturn]] void open_and_create(const std::string& path, int start_signal) {
  char go;
  if (read(start_signal, &go, 1) != 0) _exit(3);
  auto db = Database::open(path, {std::chrono::seconds(2), true});
  if (!db) _exit(1);
  auto transaction = Transaction::begin(*db);
  if (!transaction) _exit(2);
  if (!db->exec_script("CREATE TABLE IF NOT EXISTS t (k TEXT PRIMARY KEY)") || !transaction->commit()) _exit(2);
  _exit(0);
}

TEST(SqliteDatabase, ProcessesOpeningOneFreshFileTogetherAllSucceed) {
  constexpr int rounds = 10, processes = 4;
  state::testing::TempDir dir;
  for (int round = 0; round < rounds; ++round) {
    const std::string path = dir.file("fresh-" + std::to_string(round) + ".db");
    int start[2];
    ASSERT_EQ(pipe(start), 0);
    std::vector<pid_t> children;
    for (int i = 0; i < processes; ++i) {
      const pid_t pid = fork();
      ASSERT_GE(pid, 0);
      if (pid == 0) {
        close(start[1]);
        open_and_create(path, start[0]);
      }
      children.push_back(pid);
    }
    close(start[0]);
    close(start[1]);  // end-of-file on the pipe releases every child at once
    for (pid_t pid : children) {
      int status = 0;
      ASSERT_EQ(waitpid(pid, &status, 0), pid);
      EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
          << "round " << round << ": a process failed to open the fresh database (exit " << WEXITSTATUS(status) << ")";
    }
  }
}

}  // namespace
}  // namespace lf::sqlite
