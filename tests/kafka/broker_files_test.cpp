#include "kafka/broker_files.hpp"

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

namespace fs = std::filesystem;

namespace {
struct TempDir {
  fs::path path = fs::temp_directory_path() / ("lf-broker-files-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
                                               "-" + std::to_string(reinterpret_cast<std::uintptr_t>(this)));
  TempDir() { fs::create_directories(path); }
  ~TempDir() { fs::remove_all(path); }
};
}  // namespace

TEST(KafkaClusterId, IsKeptAcrossCallsAndNeverStartsWithADash) {
  for (int i = 0; i < 300; ++i) {
    TempDir dir;
    auto id = lf::kafka::files::cluster_id(dir.path.string());
    ASSERT_TRUE(id);
    EXPECT_EQ(id->size(), 22u);
    EXPECT_NE(id->front(), '-') << *id;
    EXPECT_EQ(*lf::kafka::files::cluster_id(dir.path.string()), *id);
  }
}

TEST(KafkaClusterId, AStoredIdStartingWithADashIsReplaced) {
  TempDir dir;
  std::ofstream(dir.path / "cluster.id") << "-AAAAAAAAAAAAAAAAAAAAA\n";
  auto id = lf::kafka::files::cluster_id(dir.path.string());
  ASSERT_TRUE(id);
  EXPECT_NE(id->front(), '-');
}
