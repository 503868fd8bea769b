#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "postgres/postgres_test_env.hpp"
#include "postgres/pq.hpp"
#include "state/postgres_store.hpp"
#include "state/store_behaviour.hpp"

namespace lf::state::testing {
namespace {

LF_POSTGRES_TEST_ENVIRONMENT;

std::string connection_string() {
  auto* server = lf::testing::PostgresEnvironment::server();
  return server ? server->connection_string() : "host=/nonexistent";
}

pq::Connection raw_connection() {
  auto connection = pq::Connection::connect(connection_string());
  if (!connection) ADD_FAILURE() << connection.error().message;
  return std::move(*connection);
}

std::string unique_table() {
  static std::atomic<int> counter{0};
  return "state_t" + std::to_string(++counter);
}

struct PostgresTraits {
  static constexpr StateErrorKind first_write_conflict = StateErrorKind::internal;  // Dapr: "no item was updated"
  std::string table = unique_table();
  std::unique_ptr<StateStore> open() {
    PostgresStoreOptions options;
    options.connection_string = connection_string();
    options.table_name = table;
    auto store = PostgresStateStore::open(options);
    EXPECT_TRUE(store) << (store ? "" : store.error().message);
    return store ? std::move(*store) : nullptr;
  }
  std::unique_ptr<StateStore> reopen() { return open(); }
};

using Stores = ::testing::Types<PostgresTraits>;
INSTANTIATE_TYPED_TEST_SUITE_P(Postgres, StoreBehaviour, Stores);

class PostgresStore : public ::testing::Test {
 protected:
  std::unique_ptr<PostgresStateStore> open(const std::map<std::string, std::string>& extra = {}) {
    std::map<std::string, std::string> metadata{{"connectionString", connection_string()}, {"tableName", table_}};
    for (const auto& [k, v] : extra) metadata[k] = v;
    auto options = parse_postgres_options(metadata);
    EXPECT_TRUE(options) << (options ? "" : options.error().message);
    auto store = PostgresStateStore::open(*options);
    EXPECT_TRUE(store) << (store ? "" : store.error().message);
    return store ? std::move(*store) : nullptr;
  }
  std::vector<pq::Row> query(const std::string& sql, const std::vector<pq::Param>& params = {}) {
    auto connection = raw_connection();
    auto result = connection.exec(sql, params);
    EXPECT_TRUE(result) << (result ? "" : result.error().message);
    return result ? result->rows : std::vector<pq::Row>{};
  }
  std::string table_ = unique_table();
};

TEST_F(PostgresStore, EtagIsTheRowsXminAsADecimalNumber) {
  auto store = open();
  ASSERT_TRUE(store->set(set_request("k", "1")));
  const std::string etag = (*store->get("k"))->etag;
  ASSERT_FALSE(etag.empty());
  EXPECT_EQ(etag.find_first_not_of("0123456789"), std::string::npos) << etag;
  const auto xmin = query("SELECT xmin::text FROM " + table_ + " WHERE key = 'k'");
  ASSERT_EQ(xmin.size(), 1u);
  EXPECT_EQ(xmin[0][0], etag);
}

TEST_F(PostgresStore, NonNumericEtagIsInvalidNotAMismatch) {
  auto store = open();
  ASSERT_TRUE(store->set(set_request("k", "1")));
  for (const std::string etag : {"abc", "12a", "-1", "4294967296", "3b6c1c2e-1b1e-4a57-9d5e-000000000000"}) {
    SetRequest request = set_request("k", "2");
    request.etag = etag;
    auto rejected = store->set(request);
    ASSERT_FALSE(rejected) << etag;
    EXPECT_EQ(rejected.error().kind, StateErrorKind::invalid_etag) << etag;
    EXPECT_EQ(http_status(rejected.error().kind), 400);
    auto removal = store->remove({"k", etag, Concurrency::first_write});
    ASSERT_FALSE(removal) << etag;
    EXPECT_EQ(removal.error().kind, StateErrorKind::invalid_etag) << etag;
  }
  EXPECT_EQ((*store->get("k"))->value, "1");
}

TEST_F(PostgresStore, FirstWriteWithoutEtagOnALiveKeyIsNoItemWasUpdated) {
  auto store = open();
  SetRequest request = set_request("k", "1");
  request.concurrency = Concurrency::first_write;
  ASSERT_TRUE(store->set(request));
  auto rejected = store->set(request);
  ASSERT_FALSE(rejected);
  EXPECT_EQ(rejected.error().kind, StateErrorKind::internal);
  EXPECT_EQ(rejected.error().message, "no item was updated");
  EXPECT_EQ(http_status(rejected.error().kind), 500);
}

TEST_F(PostgresStore, UsesDaprsTableLayoutWithJsonbValues) {
  auto store = open();
  ASSERT_TRUE(store->set(set_request("app||k", R"({"b":1,"a":"x"})")));
  const auto columns = query(
      "SELECT column_name, data_type, is_nullable FROM information_schema.columns WHERE table_name = $1 "
      "ORDER BY ordinal_position",
      {table_});
  const std::vector<std::vector<std::string>> expected{
      {"key", "text", "NO"},
      {"value", "jsonb", "NO"},
      {"isbinary", "boolean", "NO"},
      {"insertdate", "timestamp with time zone", "NO"},
      {"updatedate", "timestamp with time zone", "YES"},
      {"expiredate", "timestamp with time zone", "YES"},
      {"row_id", "bigint", "NO"}};
  ASSERT_EQ(columns.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i)
    for (std::size_t c = 0; c < 3; ++c) EXPECT_EQ(columns[i][c].value_or(""), expected[i][c]) << i << "/" << c;
  EXPECT_EQ(query("SELECT 1 FROM pg_indexes WHERE indexname = $1", {table_ + "_row_id_uidx"}).size(), 1u);
  const auto migrations = query("SELECT value FROM dapr_metadata WHERE key = 'migrations'");
  ASSERT_EQ(migrations.size(), 1u);
  EXPECT_EQ(migrations[0][0], "3");
  const auto stored = query("SELECT value->>'a', isbinary::text FROM " + table_ + " WHERE key = 'app||k'");
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0][0], "x");
  EXPECT_EQ(stored[0][1], "false");
}

TEST_F(PostgresStore, BinaryValuesAreAJsonStringOfBase64) {
  auto store = open();
  SetRequest request = set_request("bin", std::string("\x01\x02\x03", 3));
  request.is_binary = true;
  ASSERT_TRUE(store->set(request));
  const auto stored = query("SELECT value::text, isbinary::text FROM " + table_ + " WHERE key = 'bin'");
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0][0], "\"AQID\"");
  EXPECT_EQ(stored[0][1], "true");
}

TEST_F(PostgresStore, TtlSetsExpiredateAndExpiredRowsAreInvisible) {
  auto store = open();
  SetRequest request = set_request("short", "1");
  request.ttl_seconds = 1;
  ASSERT_TRUE(store->set(request));
  SetRequest forever = set_request("forever", "1");
  forever.ttl_seconds = -1;
  ASSERT_TRUE(store->set(forever));
  const auto dates = query("SELECT key, expiredate IS NULL FROM " + table_ + " ORDER BY key");
  ASSERT_EQ(dates.size(), 2u);
  EXPECT_EQ(dates[0][1], "t");  // forever
  EXPECT_EQ(dates[1][1], "f");  // short
  // Real server time: the row must vanish within 1 s TTL + 2 s tolerance.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  while (store->get("short").value().has_value() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_FALSE(store->get("short").value().has_value());
  EXPECT_TRUE(store->get("forever").value().has_value());

  SetRequest first_write = set_request("short", "2");
  first_write.concurrency = Concurrency::first_write;
  EXPECT_TRUE(store->set(first_write)) << "an expired row must not block first-write";
  EXPECT_EQ(store->delete_expired().value(), 0);
}

TEST_F(PostgresStore, DeleteExpiredRemovesOnlyExpiredRows) {
  auto store = open();
  ASSERT_TRUE(store->set(set_request("live", "1")));
  ASSERT_TRUE(store->set(set_request("old", "1")));
  query("UPDATE " + table_ + " SET expiredate = now() - interval '1 minute' WHERE key = 'old'");
  EXPECT_EQ(store->delete_expired().value(), 1);
  EXPECT_EQ(query("SELECT key FROM " + table_).size(), 1u);
}

TEST_F(PostgresStore, SchemaQualifiedTableNameAndFactory) {
  query("CREATE SCHEMA IF NOT EXISTS lfschema");
  auto store = make_state_store("state.postgresql",
                                {{"connectionString", connection_string()}, {"tableName", "lfschema.mystate"}});
  ASSERT_TRUE(store) << store.error().message;
  ASSERT_TRUE((*store)->set(set_request("k", "\"v\"")));
  auto by_uri = make_state_store("state.postgresql", {{"connectionString", lf::testing::PostgresEnvironment::server()->uri()},
                                                      {"tableName", "lfschema.mystate"}});
  ASSERT_TRUE(by_uri) << by_uri.error().message;
  EXPECT_EQ((*by_uri)->get("k").value()->value, "\"v\"");
  EXPECT_EQ(query("SELECT value::text FROM lfschema.mystate WHERE key = 'k'")[0][0], "\"v\"");
}

TEST_F(PostgresStore, PeriodicCleanupDeletesExpiredRowsInTheBackground) {
  auto store = open({{"cleanupInterval", "50ms"}});
  ASSERT_TRUE(store->set(set_request("live", "1")));
  ASSERT_TRUE(store->set(set_request("old", "1")));
  query("UPDATE " + table_ + " SET expiredate = now() - interval '1 minute' WHERE key = 'old'");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  while (query("SELECT key FROM " + table_).size() > 1 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  const auto left = query("SELECT key FROM " + table_);
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0][0], "live");
}

TEST_F(PostgresStore, RecoversWhenPooledConnectionsAreKilled) {
  auto store = open({{"cleanupInterval", "0"}});
  // Several pooled connections, then the server drops every one of them (as a restart would).
  std::vector<std::thread> workers;
  for (int t = 0; t < 4; ++t)
    workers.emplace_back([&store, t] { (void)store->set(set_request("w" + std::to_string(t), "1")); });
  for (auto& worker : workers) worker.join();
  query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() "
        "AND pid <> pg_backend_pid() AND backend_type = 'client backend'");
  EXPECT_TRUE(store->set(set_request("after", "2")));
  auto found = store->get("after");
  ASSERT_TRUE(found) << found.error().message;
  ASSERT_TRUE(*found);
  EXPECT_EQ((*found)->value, "2");
}

TEST_F(PostgresStore, AStatementBlockedLongerThanTimeoutFailsAsInternal) {
  auto store = open({{"timeout", "1"}});  // bare integers are seconds, as in Dapr
  ASSERT_TRUE(store->set(set_request("locked", "1")));
  auto holder = raw_connection();
  ASSERT_TRUE(holder.exec("BEGIN"));
  ASSERT_TRUE(holder.exec("SELECT * FROM " + table_ + " WHERE key = 'locked' FOR UPDATE"));
  const auto started = std::chrono::steady_clock::now();
  auto blocked = store->set(set_request("locked", "2"));
  const auto waited = std::chrono::steady_clock::now() - started;
  ASSERT_TRUE(holder.exec("ROLLBACK"));
  ASSERT_FALSE(blocked);
  EXPECT_EQ(blocked.error().kind, StateErrorKind::internal);
  EXPECT_NE(blocked.error().message.find("statement timeout"), std::string::npos) << blocked.error().message;
  EXPECT_GE(waited, std::chrono::milliseconds(900));
  EXPECT_LT(waited, std::chrono::seconds(5));
  EXPECT_TRUE(store->set(set_request("locked", "3"))) << "the connection is usable after the timeout";
}

TEST(PostgresStoreOptions, ParsedFromMetadata) {
  auto options = parse_postgres_options({{"host", "127.0.0.1"}, {"port", "5433"}, {"database", "db"},
                                         {"user", "u"}, {"password", "p'w"}, {"cleanupInterval", "0"},
                                         {"maxConns", "3"}});
  ASSERT_TRUE(options) << options.error().message;
  EXPECT_EQ(options->connection_string, "dbname='db' host='127.0.0.1' password='p\\'w' port='5433' user='u'");
  EXPECT_EQ(options->table_name, "state");
  EXPECT_EQ(options->metadata_table_name, "dapr_metadata");
  EXPECT_EQ(options->cleanup_interval, Duration::zero());
  EXPECT_EQ(options->max_connections, 3);
  EXPECT_EQ(options->timeout, std::chrono::seconds(20));
  EXPECT_EQ(parse_postgres_options({{"connectionString", "x"}, {"timeout", "30"}})->timeout, std::chrono::seconds(30));
  EXPECT_EQ(parse_postgres_options({{"connectionString", "x"}, {"timeout", "1500ms"}})->timeout,
            std::chrono::milliseconds(1500));
  EXPECT_FALSE(parse_postgres_options({}));
  EXPECT_FALSE(parse_postgres_options({{"connectionString", "x"}, {"tableName", "a;b"}}));
  EXPECT_FALSE(parse_postgres_options({{"connectionString", "x"}, {"maxConns", "0"}}));
}

TEST(PostgresStoreConnection, AnUnreachableServerFailsOpenWithAPlainMessage) {
  PostgresStoreOptions options;
  options.connection_string = "host=127.0.0.1 port=1 connect_timeout=2";
  auto store = PostgresStateStore::open(options);
  ASSERT_FALSE(store);
  EXPECT_NE(store.error().message.find("could not connect to PostgreSQL"), std::string::npos) << store.error().message;
}

}  // namespace
}  // namespace lf::state::testing
