#pragma once
// state.postgresql (v1) on libpq with Dapr's table layout (reference §5.3):
//   <tableName>(key text NOT NULL PRIMARY KEY, value jsonb NOT NULL, isbinary boolean NOT NULL,
//               insertdate timestamptz NOT NULL DEFAULT now(), updatedate timestamptz NULL,
//               expiredate timestamptz NULL, row_id bigint GENERATED ALWAYS AS IDENTITY)
//   unique index <table>_row_id_uidx; metadata table dapr_metadata(key text PK, value text)
//   with migrations = 3.
// ETag = the row's xmin as decimal; a non-numeric etag is invalid_etag (400). Binary values are
// stored as a JSON string holding their base64 with isbinary = true, as Dapr does. Following
// Dapr's source, first-write without an etag on a live key fails with "no item was updated"
// (internal → 500), not 409.
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "postgres/pq.hpp"
#include "state/state_store.hpp"
#include "state/store_util.hpp"

namespace lf::state {

struct PostgresStoreOptions {
  std::string connection_string;  // libpq keyword/value or postgres:// URI
  std::string table_name = "state";  // may be schema.table
  std::string metadata_table_name = "dapr_metadata";
  Duration timeout = std::chrono::seconds(20);  // per statement (statement_timeout) and pool wait
  Duration cleanup_interval = std::chrono::hours(1);  // zero or negative: off
  int max_connections = 8;
};

// From component metadata: connectionString (or host/port/database/user/password), tableName,
// metadataTableName, timeout, cleanupInterval, maxConns.
Result<PostgresStoreOptions> parse_postgres_options(const std::map<std::string, std::string>& metadata);

class PostgresStateStore final : public StateStore {
 public:
  static Result<std::unique_ptr<PostgresStateStore>> open(PostgresStoreOptions options);
  ~PostgresStateStore() override;

  StateResult<std::optional<Item>> get(const std::string& key) override;
  StateStatus set(const SetRequest& request) override;
  StateStatus remove(const DeleteRequest& request) override;
  StateStatus transact(const std::vector<TransactionOperation>& operations) override;

  Result<long long> delete_expired();

 private:
  class Lease;
  explicit PostgresStateStore(PostgresStoreOptions options);
  Result<Lease> acquire();
  void release(pq::Connection connection, bool healthy);
  void discard_idle();
  Status create_schema();
  // Runs op on a pooled connection. A connection taken from the idle pool may have died while
  // idle (server restart): when op fails and the connection turns out broken, op runs once more
  // on a fresh connection (a dead socket fails at send time, so the first attempt never ran).
  template <typename Op>
  auto with_connection(Op&& op) -> decltype(op(std::declval<pq::Connection&>()));
  StateResult<std::optional<Item>> get_on(pq::Connection& connection, const std::string& key);
  StateStatus set_on(pq::Connection& connection, const SetRequest& request);
  StateStatus transact_on(pq::Connection& connection, const std::vector<TransactionOperation>& operations);
  StateStatus remove_on(pq::Connection& connection, const DeleteRequest& request);

  PostgresStoreOptions options_;
  struct Queries;
  std::unique_ptr<Queries> queries_;
  std::mutex pool_mutex_;
  std::condition_variable pool_released_;
  std::vector<pq::Connection> idle_;
  int open_connections_ = 0;
  std::unique_ptr<PeriodicTask> cleanup_;
};

}  // namespace lf::state
