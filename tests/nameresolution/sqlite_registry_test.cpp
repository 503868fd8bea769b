#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <set>

#include "nameresolution/registry_resolver.hpp"
#include "state/sqlite_db.hpp"
#include "support/fake_scheduler.hpp"

namespace lf::nameresolution {
namespace {

using namespace std::chrono_literals;

class SqliteNameResolution : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/lf-nr-XXXXXX";
    dir_ = mkdtemp(pattern);
    path_ = dir_ + "/nr.db";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::unique_ptr<RegistryResolver> open(std::map<std::string, std::string> extra = {}) {
    std::map<std::string, std::string> metadata{{"connectionString", path_}};
    metadata.insert(extra.begin(), extra.end());
    auto resolver = make_sqlite_resolver(metadata, scheduler_);
    EXPECT_TRUE(resolver) << (resolver ? "" : resolver.error().message);
    return resolver ? std::move(*resolver) : nullptr;
  }
  std::vector<sqlite::Row> raw(const std::string& sql) {
    auto db = sqlite::Database::open(path_, {2s, false});
    EXPECT_TRUE(db);
    auto rows = db->query(sql);
    EXPECT_TRUE(rows) << (rows ? "" : rows.error().message);
    return rows ? *rows : std::vector<sqlite::Row>{};
  }

  std::string dir_, path_;
  lf::testing::FakeScheduler scheduler_;
};

TEST_F(SqliteNameResolution, TwoResolversSharingOneFileFindEachOther) {
  auto orders = open();
  auto checkout = open();
  ASSERT_TRUE(orders->register_self({"orders", "", Address{"127.0.0.1", 50002}}));
  ASSERT_TRUE(checkout->register_self({"checkout", "", Address{"127.0.0.1", 50003}}));
  EXPECT_EQ(checkout->resolve("orders")->to_string(), "127.0.0.1:50002");
  EXPECT_EQ(orders->resolve("checkout")->to_string(), "127.0.0.1:50003");
}

TEST_F(SqliteNameResolution, UsesDaprsHostsTable) {
  auto orders = open();
  ASSERT_TRUE(orders->register_self({"orders", "ns1", Address{"127.0.0.1", 50002}}));
  const auto columns = raw("SELECT name, type, \"notnull\", pk FROM pragma_table_info('hosts')");
  ASSERT_EQ(columns.size(), 5u);
  const std::vector<std::vector<std::string>> expected{{"registration_id", "TEXT", "1", "1"},
                                                       {"address", "TEXT", "1", "0"},
                                                       {"app_id", "TEXT", "1", "0"},
                                                       {"namespace", "TEXT", "1", "0"},
                                                       {"last_update", "INTEGER", "1", "0"}};
  for (std::size_t i = 0; i < expected.size(); ++i)
    for (std::size_t c = 0; c < 4; ++c) EXPECT_EQ(columns[i][c].value_or(""), expected[i][c]);
  const auto rows = raw("SELECT address, app_id, namespace, last_update FROM hosts");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0][0], "127.0.0.1:50002");
  EXPECT_EQ(rows[0][1], "orders");
  EXPECT_EQ(rows[0][2], "ns1");
  const auto expected_now =
      std::chrono::duration_cast<std::chrono::seconds>(scheduler_.wall_now().time_since_epoch()).count();
  EXPECT_EQ(rows[0][3], std::to_string(expected_now));
  EXPECT_EQ(raw("PRAGMA journal_mode")[0][0], "wal");
}

TEST_F(SqliteNameResolution, RoundRobinExpiryAndDeregistrationThroughTheFile) {
  auto caller = open({{"updateInterval", "2s"}});
  auto first = open({{"updateInterval", "2s"}});
  auto second = open({{"updateInterval", "2s"}});
  ASSERT_TRUE(first->register_self({"orders", "", Address{"127.0.0.1", 5001}}));
  ASSERT_TRUE(second->register_self({"orders", "", Address{"127.0.0.1", 5002}}));
  EXPECT_EQ(caller->resolve("orders")->port, 5001);
  EXPECT_EQ(caller->resolve("orders")->port, 5002);
  EXPECT_EQ(caller->resolve("orders")->port, 5001);

  // A hung sidecar's row: written once, never refreshed. Ignored after 3 × updateInterval.
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(scheduler_.wall_now().time_since_epoch()).count();
  raw("INSERT INTO hosts VALUES ('hung', '127.0.0.1:5003', 'orders', '', " + std::to_string(now) + ")");
  scheduler_.advance(1s);
  std::set<int> seen;
  for (int i = 0; i < 3; ++i) seen.insert(caller->resolve("orders")->port);
  EXPECT_EQ(seen, (std::set<int>{5001, 5002, 5003}));
  scheduler_.advance(6s);
  seen.clear();
  for (int i = 0; i < 4; ++i) seen.insert(caller->resolve("orders")->port);
  EXPECT_EQ(seen, (std::set<int>{5001, 5002})) << "live instances kept heartbeating through the file";

  ASSERT_TRUE(second->deregister());
  scheduler_.advance(1s);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(caller->resolve("orders")->port, 5001);
  first.reset();
  scheduler_.advance(1s);
  EXPECT_FALSE(caller->resolve("orders"));
  const auto left = raw("SELECT registration_id FROM hosts");
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0][0], "hung") << "only the hung row is left until the hourly cleanup";
}

TEST_F(SqliteNameResolution, ConfigurationErrorsAreReported) {
  EXPECT_FALSE(make_sqlite_resolver({}, scheduler_));
  EXPECT_FALSE(make_sqlite_resolver({{"connectionString", path_}, {"updateInterval", "100ms"}}, scheduler_));
  // updateInterval must exceed timeout (bare integers are seconds) by at least 1 s.
  EXPECT_FALSE(make_sqlite_resolver({{"connectionString", path_}, {"updateInterval", "3s"}, {"timeout", "3"}}, scheduler_));
  EXPECT_TRUE(make_sqlite_resolver({{"connectionString", path_}, {"updateInterval", "4s"}, {"timeout", "3"}}, scheduler_));
  EXPECT_FALSE(make_sqlite_resolver({{"connectionString", path_}, {"timeout", "500ms"}}, scheduler_));
  EXPECT_FALSE(make_sqlite_resolver({{"connectionString", path_}, {"tableName", "x;y"}}, scheduler_));
  auto unwritable = make_sqlite_resolver({{"connectionString", "/nonexistent/dir/nr.db"}}, scheduler_);
  ASSERT_FALSE(unwritable);
  EXPECT_NE(unwritable.error().message.find("/nonexistent/dir/nr.db"), std::string::npos);
}

}  // namespace
}  // namespace lf::nameresolution
