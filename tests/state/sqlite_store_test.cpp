#include <gtest/gtest.h>

#include <cstdint>
#include <regex>
#include <thread>

#include "state/in_memory_store.hpp"
#include "state/sqlite_db.hpp"
#include "state/sqlite_store.hpp"
#include "state/store_behaviour.hpp"
#include "state/temp_dir.hpp"
#include "support/fake_scheduler.hpp"

namespace lf::state::testing {
namespace {

struct SqliteTraits {
  static constexpr StateErrorKind first_write_conflict = StateErrorKind::etag_mismatch;
  TempDir dir;
  std::unique_ptr<StateStore> open_at() {
    SqliteStoreOptions options;
    options.connection_string = dir.file("state.db");
    auto store = SqliteStateStore::open(options);
    EXPECT_TRUE(store) << (store ? "" : store.error().message);
    return store ? std::move(*store) : nullptr;
  }
  std::unique_ptr<StateStore> open() { return open_at(); }
  std::unique_ptr<StateStore> reopen() { return open_at(); }
};

using Stores = ::testing::Types<SqliteTraits>;
INSTANTIATE_TYPED_TEST_SUITE_P(Sqlite, StoreBehaviour, Stores);

class SqliteStore : public ::testing::Test {
 protected:
  std::unique_ptr<SqliteStateStore> open(SqliteStoreOptions options = {}) {
    if (options.connection_string.empty()) options.connection_string = dir_.file("state.db");
    auto store = SqliteStateStore::open(options, clock_);
    EXPECT_TRUE(store) << (store ? "" : store.error().message);
    return store ? std::move(*store) : nullptr;
  }
  std::vector<sqlite::Row> raw_query(const std::string& sql) {
    auto db = sqlite::Database::open(dir_.file("state.db"), {std::chrono::seconds(2), false});
    EXPECT_TRUE(db);
    auto rows = db->query(sql);
    EXPECT_TRUE(rows) << (rows ? "" : rows.error().message);
    return rows ? *rows : std::vector<sqlite::Row>{};
  }

  TempDir dir_;
  lf::testing::FakeScheduler clock_;
};

TEST_F(SqliteStore, EtagsAreFreshUuidV4s) {
  auto store = open();
  ASSERT_TRUE(store->set(set_request("k", "1")));
  const std::string etag = (*store->get("k"))->etag;
  EXPECT_TRUE(std::regex_match(etag, std::regex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")))
      << etag;
  // Any text is a valid etag for SQLite: a non-UUID simply does not match.
  SetRequest request = set_request("k", "2");
  request.etag = "not-a-uuid";
  auto rejected = store->set(request);
  ASSERT_FALSE(rejected);
  EXPECT_EQ(rejected.error().kind, StateErrorKind::etag_mismatch);
}

TEST_F(SqliteStore, UsesDaprsTableLayoutAndMetadataTable) {
  auto store = open();
  ASSERT_TRUE(store->set(set_request("app||k", "\"v\"")));
  const auto columns = raw_query("SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info('state')");
  ASSERT_EQ(columns.size(), 6u);
  const std::vector<std::vector<std::string>> expected{
      {"key", "TEXT", "1", "", "1"},          {"value", "TEXT", "1", "", "0"},
      {"is_binary", "BOOLEAN", "1", "", "0"}, {"etag", "TEXT", "1", "", "0"},
      {"expiration_time", "TIMESTAMP", "0", "NULL", "0"},
      {"update_time", "TIMESTAMP", "1", "CURRENT_TIMESTAMP", "0"}};
  for (std::size_t i = 0; i < expected.size(); ++i)
    for (std::size_t c = 0; c < expected[i].size(); ++c)
      EXPECT_EQ(columns[i][c].value_or(""), expected[i][c]) << "column " << i << " field " << c;
  const auto rows = raw_query("SELECT key, value, is_binary FROM state");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0][0], "app||k");
  EXPECT_EQ(rows[0][1], "\"v\"");
  EXPECT_EQ(rows[0][2], "0");
  EXPECT_EQ(raw_query("SELECT value FROM metadata WHERE key = 'migrations'").size(), 1u);
  EXPECT_EQ(raw_query("PRAGMA journal_mode")[0][0], "wal");
}

TEST_F(SqliteStore, BinaryValuesAreStoredAsBase64) {
  auto store = open();
  SetRequest request = set_request("bin", std::string("\x01\x02\x03", 3));
  request.is_binary = true;
  ASSERT_TRUE(store->set(request));
  const auto rows = raw_query("SELECT value, is_binary FROM state WHERE key = 'bin'");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0][0], "AQID");
  EXPECT_EQ(rows[0][1], "1");
}

TEST_F(SqliteStore, HonoursTableNameAndDisableWal) {
  SqliteStoreOptions options;
  options.table_name = "custom_state";
  options.metadata_table_name = "custom_meta";
  options.disable_wal = true;
  auto store = open(options);
  ASSERT_TRUE(store->set(set_request("k", "1")));
  EXPECT_EQ(raw_query("SELECT key FROM custom_state").size(), 1u);
  EXPECT_EQ(raw_query("SELECT key FROM custom_meta").size(), 1u);
  EXPECT_EQ(raw_query("PRAGMA journal_mode")[0][0], "delete");
}

TEST_F(SqliteStore, TtlHidesTheRowOnceItExpires) {
  auto store = open();
  SetRequest request = set_request("short", "1");
  request.ttl_seconds = 10;
  ASSERT_TRUE(store->set(request));
  SetRequest forever = set_request("forever", "1");
  forever.ttl_seconds = -1;
  ASSERT_TRUE(store->set(forever));

  clock_.advance(std::chrono::seconds(9));
  EXPECT_TRUE(store->get("short").value().has_value());
  clock_.advance(std::chrono::seconds(1));
  EXPECT_FALSE(store->get("short").value().has_value()) << "expired exactly at its TTL";
  EXPECT_FALSE(store->bulk_get({"short"})[0].item);
  EXPECT_TRUE(store->get("forever").value().has_value());
  // The expired row is still in the table until a cleanup.
  EXPECT_EQ(raw_query("SELECT key FROM state WHERE key = 'short'").size(), 1u);
  EXPECT_EQ(store->delete_expired().value(), 1);
  EXPECT_TRUE(raw_query("SELECT key FROM state WHERE key = 'short'").empty());
}

TEST_F(SqliteStore, ExpiredRowsBehaveAsDeletedForEtagsAndFirstWrite) {
  auto store = open();
  SetRequest request = set_request("k", "1");
  request.ttl_seconds = 1;
  ASSERT_TRUE(store->set(request));
  const std::string etag = (*store->get("k"))->etag;
  clock_.advance(std::chrono::seconds(2));

  SetRequest with_old_etag = set_request("k", "2");
  with_old_etag.etag = etag;
  auto rejected = store->set(with_old_etag);
  ASSERT_FALSE(rejected);
  EXPECT_EQ(rejected.error().kind, StateErrorKind::etag_mismatch);

  SetRequest first_write = set_request("k", "3");
  first_write.concurrency = Concurrency::first_write;
  ASSERT_TRUE(store->set(first_write)) << "an expired row must not block first-write";
  EXPECT_EQ((*store->get("k"))->value, "3");
  clock_.advance(std::chrono::hours(1));
  EXPECT_TRUE(store->get("k").value().has_value()) << "the rewrite carries no TTL";
}

TEST_F(SqliteStore, ACleanupIntervalDoesNotDelayShutdown) {
  SqliteStoreOptions options;
  options.cleanup_interval = std::chrono::hours(1);
  const auto started = std::chrono::steady_clock::now();
  {
    auto store = open(options);
    ASSERT_TRUE(store->set(set_request("k", "1")));
  }
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(1));
}

TEST_F(SqliteStore, TwoStoresOnOneFileWriteConcurrentlyWithoutLockErrors) {
  // Two sidecars configured with the same file.
  auto first = open();
  auto second = open();
  std::vector<std::thread> workers;
  for (auto* store : {first.get(), second.get()})
    for (int t = 0; t < 2; ++t)
      workers.emplace_back([store, t] {
        for (int i = 0; i < 20; ++i) {
          const std::string key = std::to_string(reinterpret_cast<std::uintptr_t>(store)) + "-" + std::to_string(t) +
                                  "-" + std::to_string(i);
          EXPECT_TRUE(store->transact({set_request(key, "1"), set_request(key + "-b", "2")}));
        }
      });
  for (auto& worker : workers) worker.join();
  EXPECT_EQ(raw_query("SELECT count(*) FROM state")[0][0], "160");
}

TEST_F(SqliteStore, InMemoryConnectionStringsWork) {
  for (const std::string connection : {":memory:", "file::memory:"}) {
    SqliteStoreOptions options;
    options.connection_string = connection;
    auto store = open(options);
    ASSERT_NE(store, nullptr) << connection;
    EXPECT_TRUE(store->set(set_request("k", "1"))) << connection;
    EXPECT_EQ((*store->get("k"))->value, "1") << connection;
  }
}

TEST_F(SqliteStore, FileUriConnectionStringsShareTheFile) {
  SqliteStoreOptions options;
  options.connection_string = "file:" + dir_.file("uri.db") + "?cache=private";
  auto writer = open(options);
  ASSERT_TRUE(writer->set(set_request("k", "\"uri\"")));
  auto reader = open(options);
  EXPECT_EQ((*reader->get("k"))->value, "\"uri\"");
}

TEST(SqliteStoreOptions, ParsedFromComponentMetadataCaseInsensitively) {
  auto options = parse_sqlite_options({{"connectionString", "/tmp/x.db"},
                                       {"tablename", "t1"},
                                       {"busyTimeout", "5s"},
                                       {"disableWAL", "true"},
                                       {"cleanupInterval", "1m"}});
  ASSERT_TRUE(options) << options.error().message;
  EXPECT_EQ(options->connection_string, "/tmp/x.db");
  EXPECT_EQ(options->table_name, "t1");
  EXPECT_EQ(options->metadata_table_name, "metadata");
  EXPECT_EQ(options->busy_timeout, std::chrono::seconds(5));
  EXPECT_TRUE(options->disable_wal);
  EXPECT_EQ(options->cleanup_interval, std::chrono::minutes(1));

  EXPECT_FALSE(parse_sqlite_options({}));
  EXPECT_FALSE(parse_sqlite_options({{"connectionString", "x.db"}, {"tableName", "state; DROP TABLE x"}}));
  EXPECT_FALSE(parse_sqlite_options({{"connectionString", "x.db"}, {"busyTimeout", "soon"}}));
  EXPECT_FALSE(parse_sqlite_options({{"connectionString", "x.db"}, {"disableWAL", "maybe"}}));
}

TEST(StateStoreFactory, BuildsSqliteAndRejectsUnknownTypes) {
  TempDir dir;
  auto store = make_state_store("state.sqlite", {{"connectionString", dir.file("f.db")}});
  ASSERT_TRUE(store) << store.error().message;
  EXPECT_TRUE((*store)->set(set_request("k", "1")));
  auto unknown = make_state_store("state.redis", {});
  ASSERT_FALSE(unknown);
  EXPECT_NE(unknown.error().message.find("state.redis"), std::string::npos);
  EXPECT_FALSE(make_state_store("state.sqlite", {}));
}

TEST(StateStoreHelpers, TtlMetadataAndStatusCodes) {
  EXPECT_FALSE(parse_ttl({}).value().has_value());
  EXPECT_EQ(parse_ttl({{"ttlInSeconds", "30"}}).value(), 30);
  EXPECT_EQ(parse_ttl({{"ttlInSeconds", "-1"}}).value(), -1);
  auto bad = parse_ttl({{"ttlInSeconds", "soon"}});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().kind, StateErrorKind::invalid_request);
  EXPECT_EQ(http_status(StateErrorKind::etag_mismatch), 409);
  EXPECT_EQ(http_status(StateErrorKind::invalid_etag), 400);
  EXPECT_EQ(http_status(StateErrorKind::invalid_request), 400);
  EXPECT_EQ(http_status(StateErrorKind::internal), 500);
}

TEST(InMemoryStateStore, HasSqliteSemanticsAndInjectsFailures) {
  lf::testing::FakeScheduler clock;
  InMemoryStateStore store(clock);
  SetRequest create = set_request("k", "1");
  create.concurrency = Concurrency::first_write;
  create.ttl_seconds = 5;
  ASSERT_TRUE(store.set(create));
  auto conflict = store.set(create);
  ASSERT_FALSE(conflict);
  EXPECT_EQ(conflict.error().kind, StateErrorKind::etag_mismatch);

  store.fail_next({StateErrorKind::internal, "disk on fire"});
  auto failed = store.get("k");
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().message, "disk on fire");
  EXPECT_TRUE(store.get("k").value().has_value());
  clock.advance(std::chrono::seconds(5));
  EXPECT_FALSE(store.get("k").value().has_value());
  EXPECT_EQ(store.calls(), 5u);
}

}  // namespace
}  // namespace lf::state::testing
