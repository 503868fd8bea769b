#pragma once
// state.sqlite with Dapr's table layout (reference §5.2):
//   <tableName>(key TEXT NOT NULL PRIMARY KEY, value TEXT NOT NULL, is_binary BOOLEAN NOT NULL,
//               etag TEXT NOT NULL, expiration_time TIMESTAMP DEFAULT NULL,
//               update_time TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP)
//   <metadataTableName>(key TEXT NOT NULL PRIMARY KEY, value TEXT NOT NULL)
// Timestamps are UTC "YYYY-MM-DD HH:MM:SS" (SQLite's CURRENT_TIMESTAMP format) taken from the
// injected Clock instead of CURRENT_TIMESTAMP, so TTL expiry is unit-tested with a fake clock.
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "core/clock.hpp"
#include "state/sqlite_db.hpp"
#include "state/state_store.hpp"
#include "state/store_util.hpp"

namespace lf::state {

struct SqliteStoreOptions {
  std::string connection_string;  // path, "file:" URI or ":memory:"
  std::string table_name = "state";
  std::string metadata_table_name = "metadata";
  Duration busy_timeout = std::chrono::seconds(2);
  bool disable_wal = false;
  Duration cleanup_interval = Duration::zero();  // zero: expired rows are only hidden, never deleted
};

// From component metadata: connectionString (required), tableName, metadataTableName,
// busyTimeout, disableWAL, cleanupInterval (Dapr durations).
Result<SqliteStoreOptions> parse_sqlite_options(const std::map<std::string, std::string>& metadata);

class SqliteStateStore final : public StateStore {
 public:
  static Result<std::unique_ptr<SqliteStateStore>> open(SqliteStoreOptions options,
                                                         const Clock& clock = SystemClock::instance());
  ~SqliteStateStore() override;

  StateResult<std::optional<Item>> get(const std::string& key) override;
  StateStatus set(const SetRequest& request) override;
  StateStatus remove(const DeleteRequest& request) override;
  StateStatus transact(const std::vector<TransactionOperation>& operations) override;

  // Deletes expired rows now; returns how many (the periodic cleanup calls this).
  Result<long long> delete_expired();

 private:
  SqliteStateStore(SqliteStoreOptions options, sqlite::Database db, const Clock& clock);
  Status create_schema();
  StateStatus set_locked(const SetRequest& request, const std::string& now);
  StateStatus remove_locked(const DeleteRequest& request);
  std::string now_text() const;

  SqliteStoreOptions options_;
  const Clock& clock_;
  std::mutex mutex_;
  sqlite::Database db_;
  struct Queries;
  std::unique_ptr<Queries> queries_;
  std::unique_ptr<PeriodicTask> cleanup_;
};

// UTC "YYYY-MM-DD HH:MM:SS".
std::string sqlite_timestamp(WallTime time);

}  // namespace lf::state
