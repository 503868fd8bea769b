// End to end on PostgreSQL (issue 4, "Must show"): a copy of deploy/ whose state store is
// state.postgresql; `learnflow up` starts PostgreSQL itself and points the connection string at it.
// A lesson generated through the frontend is stored and its event persisted by user-progress,
// and the rows are really in PostgreSQL (the SQLite file the default deploy uses never appears).
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "e2e/lesson_flow.hpp"

namespace {
using namespace lf::e2e;

// Rewrites the state store component's type; the connection string is substituted by `up`.
bool switch_state_store_to_postgres(const std::string& deploy_dir) {
  const std::string path = deploy_dir + "/dapr/statestore.yaml";
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  std::string yaml = text.str();
  const std::string from = "type: state.sqlite";
  const auto at = yaml.find(from);
  if (at == std::string::npos) return false;
  yaml.replace(at, from.size(), "type: state.postgresql");
  std::ofstream(path, std::ios::trunc) << yaml;
  return true;
}

TEST(PostgresEndToEnd, GeneratedLessonIsPersisted) {
  Platform platform("lf-postgres-e2e");
  if (auto missing = platform.missing_prerequisite(); !missing.empty()) GTEST_SKIP() << missing;
  if (!fs::exists("/usr/lib/postgresql/15/bin/postgres")) GTEST_SKIP() << "PostgreSQL 15 is not installed";
  ASSERT_TRUE(switch_state_store_to_postgres(platform.copy_deploy()));

  auto up = platform.up();
  ASSERT_EQ(up.code, 0) << up.output;
  json status = platform.status();
  const json postgres = infrastructure(status, "postgresql");
  ASSERT_TRUE(postgres.is_object()) << status.dump();
  EXPECT_TRUE(postgres.value("ready", false));
  const std::string frontend = service_url(status, "learnflow-frontend");
  ASSERT_FALSE(frontend.empty());

  auto generated = generate_lesson(frontend, "e2e-postgres", "strings", "advanced");
  ASSERT_EQ(generated.status, 201) << generated.error;
  EXPECT_EQ(generated.lesson["event"]["status"], "published");
  const std::string lesson_id = generated.lesson["lesson_id"];

  ASSERT_TRUE(eventually([&] { return lessons_received(frontend, "e2e-postgres") == 1; }, 30s))
      << progress_of(frontend, "e2e-postgres").dump();
  auto progress = progress_of(frontend, "e2e-postgres");
  EXPECT_EQ(progress["lessons"][0]["lesson_id"], lesson_id);
  EXPECT_EQ(progress["lessons"][0]["difficulty"], "advanced");
  auto listed = get_json(frontend + "/api/lessons?user_id=e2e-postgres");
  ASSERT_EQ(listed["lessons"].size(), 1u) << listed.dump();
  EXPECT_EQ(listed["lessons"][0]["lesson_id"], lesson_id);
  EXPECT_FALSE(fs::exists(platform.state() + "/state.db")) << "the state went to SQLite, not PostgreSQL";
}

}  // namespace
