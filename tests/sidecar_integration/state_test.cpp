// Dapr's state API through a real sidecar on state.sqlite and on a real PostgreSQL server:
// ETag conflicts (409), first-write, conditional delete.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "postgres/postgres_test_env.hpp"
#include "sidecar_integration/harness.hpp"

LF_POSTGRES_TEST_ENVIRONMENT;

namespace lf::sidecar::testing {
namespace {

// jsonb may reorder keys and change spacing.
std::string normalized(const std::string& json) {
  auto parsed = nlohmann::json::parse(json, nullptr, false);
  return parsed.is_discarded() ? json : parsed.dump();
}

std::string etag_of(const http::Response& r) { return std::string(r.headers.get_or("ETag", "")); }

std::string save_body(const std::string& key, const std::string& value_json, const std::string& etag = "",
                      const std::string& concurrency = "") {
  std::string item = R"({"key":")" + key + R"(","value":)" + value_json;
  if (!etag.empty()) item += R"(,"etag":")" + etag + "\"";
  if (!concurrency.empty()) item += R"(,"options":{"concurrency":")" + concurrency + "\"}";
  return "[" + item + "}]";
}

// The same ETag story on any store. `stale_etag` must be well-formed for the store but match no
// row; `first_write_conflict` is the status of a first-write without etag on a live key.
void check_etag_semantics(Sidecar& sidecar, const std::string& store, const std::string& stale_etag,
                          int first_write_conflict) {
  const std::string base = "/v1.0/state/" + store;
  auto created = sidecar.request("POST", base, save_body("order", R"({"n":1})"));
  ASSERT_EQ(created.status, 204) << created.body;
  auto first = sidecar.request("GET", base + "/order");
  ASSERT_EQ(first.status, 200);
  EXPECT_EQ(normalized(first.body), R"({"n":1})");
  std::string etag1 = etag_of(first);
  ASSERT_FALSE(etag1.empty());

  // A stale etag: 409, nothing stored.
  auto stale = sidecar.request("POST", base, save_body("order", R"({"n":99})", stale_etag));
  EXPECT_EQ(stale.status, 409) << stale.body;
  EXPECT_EQ(error_code(stale), "ERR_STATE_SAVE");
  // The current etag: saved, and the etag changes.
  EXPECT_EQ(sidecar.request("POST", base, save_body("order", R"({"n":2})", etag1)).status, 204);
  auto second = sidecar.request("GET", base + "/order");
  EXPECT_EQ(normalized(second.body), R"({"n":2})");
  std::string etag2 = etag_of(second);
  EXPECT_NE(etag2, etag1);
  // The old etag is now stale.
  auto reused = sidecar.request("POST", base, save_body("order", R"({"n":3})", etag1));
  EXPECT_EQ(reused.status, 409) << reused.body;
  EXPECT_EQ(normalized(sidecar.request("GET", base + "/order").body), R"({"n":2})");

  // first-write: a new key is written once; a second first-write without etag conflicts.
  EXPECT_EQ(sidecar.request("POST", base, save_body("fresh", "1", "", "first-write")).status, 204);
  auto again = sidecar.request("POST", base, save_body("fresh", "2", "", "first-write"));
  EXPECT_EQ(again.status, first_write_conflict) << again.body;
  EXPECT_EQ(error_code(again), "ERR_STATE_SAVE");
  EXPECT_EQ(sidecar.request("GET", base + "/fresh").body, "1");

  // Conditional delete: a stale If-Match is 409 and keeps the row; the current one deletes it.
  auto stale_delete = sidecar.request("DELETE", base + "/order", "", {{"If-Match", etag1}});
  EXPECT_EQ(stale_delete.status, 409) << stale_delete.body;
  EXPECT_EQ(error_code(stale_delete), "ERR_STATE_DELETE");
  EXPECT_EQ(sidecar.request("DELETE", base + "/order", "", {{"If-Match", etag2}}).status, 204);
  EXPECT_EQ(sidecar.request("GET", base + "/order").status, 204);
}

// Transactions (atomic, etag-checked), bulk get and TTL on any store.
void check_transactions_bulk_and_ttl(Sidecar& sidecar, const std::string& store, const std::string& stale_etag) {
  const std::string base = "/v1.0/state/" + store;
  auto tx = sidecar.request("POST", base + "/transaction", R"({"operations":[
      {"operation":"upsert","request":{"key":"a","value":{"v":1}}},
      {"operation":"upsert","request":{"key":"b","value":"two"}}]})");
  ASSERT_EQ(tx.status, 204) << tx.body;
  // One stale etag fails the whole transaction: "a" keeps its value.
  auto stale_tx = sidecar.request("POST", base + "/transaction", R"({"operations":[
      {"operation":"upsert","request":{"key":"a","value":{"v":100}}},
      {"operation":"delete","request":{"key":"b","etag":")" + stale_etag + R"("}}]})");
  EXPECT_EQ(stale_tx.status, 409) << stale_tx.body;
  EXPECT_EQ(error_code(stale_tx), "ERR_STATE_TRANSACTION");
  EXPECT_EQ(normalized(sidecar.request("GET", base + "/a").body), R"({"v":1})");

  auto bulk = sidecar.request("POST", base + "/bulk", R"({"keys":["a","b","absent"]})");
  ASSERT_EQ(bulk.status, 200) << bulk.body;
  auto items = nlohmann::json::parse(bulk.body, nullptr, false);
  ASSERT_TRUE(items.is_array() && items.size() == 3) << bulk.body;
  EXPECT_EQ(items[0]["key"], "a");
  EXPECT_EQ(items[0]["data"], nlohmann::json({{"v", 1}}));
  EXPECT_FALSE(items[0].value("etag", "").empty());
  EXPECT_EQ(items[1]["data"], "two");
  EXPECT_EQ(items[2]["key"], "absent");
  EXPECT_FALSE(items[2].contains("data"));

  // SQLite timestamps have whole seconds (as Dapr's): a TTL of 2 s lives between 1 and 2 s.
  ASSERT_EQ(sidecar.request("POST", base, R"([{"key":"brief","value":1,"metadata":{"ttlInSeconds":"2"}}])").status, 204);
  EXPECT_EQ(sidecar.request("GET", base + "/brief").status, 200);
  EXPECT_TRUE(wait_until([&] { return sidecar.request("GET", base + "/brief").status == 204; }, 4s));
}

TEST(SidecarState, EtagsFirstWriteTransactionsBulkTtlOnSqlite) {
  TempDir dir("lf-sidecar-state");
  std::string resources = dir.sub("resources");
  dir.write("resources/statestore.yaml", component_yaml("statestore", "state.sqlite", {{"connectionString", dir.path() + "/state.db"}}));
  SidecarConfig config{.app_id = "stateful", .resources_paths = {resources}, .registry_file = dir.path() + "/nr.db"};
  Sidecar sidecar(config, dir.path());
  ASSERT_TRUE(sidecar.start()) << sidecar.log();
  check_etag_semantics(sidecar, "statestore", "00000000-0000-4000-8000-000000000000", 409);
  check_transactions_bulk_and_ttl(sidecar, "statestore", "00000000-0000-4000-8000-000000000000");
}

TEST(SidecarState, EtagsFirstWriteTransactionsBulkTtlOnPostgres) {
  auto* server = lf::testing::PostgresEnvironment::server();
  ASSERT_NE(server, nullptr);
  TempDir dir("lf-sidecar-state");
  std::string resources = dir.sub("resources");
  dir.write("resources/statestore.yaml",
            component_yaml("pgstore", "state.postgresql", {{"connectionString", server->connection_string()}}));
  SidecarConfig config{.app_id = "stateful", .resources_paths = {resources}, .registry_file = dir.path() + "/nr.db"};
  Sidecar sidecar(config, dir.path());
  ASSERT_TRUE(sidecar.start()) << sidecar.log();
  // ETags are xmin values; Dapr's v1 component answers a first-write conflict without etag with
  // 500 ("no item was updated"), not 409 (reference §5.3).
  check_etag_semantics(sidecar, "pgstore", "4294967", 500);
  check_transactions_bulk_and_ttl(sidecar, "pgstore", "4294967");
  // A non-numeric etag is a bad request.
  auto bad = sidecar.request("POST", "/v1.0/state/pgstore", save_body("x", "1", "not-a-number"));
  EXPECT_EQ(bad.status, 400) << bad.body;
}

}  // namespace
}  // namespace lf::sidecar::testing
