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

namespace {
std::string server_properties_of(const lf::kafka::BrokerOptions& options, int port, int controller_port) {
  EXPECT_TRUE(lf::kafka::files::write_server_properties(options, port, controller_port));
  std::ifstream in(fs::path(options.data_dir) / "server.properties");
  return std::string((std::istreambuf_iterator<char>(in)), {});
}
}  // namespace

TEST(KafkaServerProperties, AdvertisesTheListenerPortByDefault) {
  TempDir dir;
  auto text = server_properties_of({.data_dir = dir.path.string()}, 19092, 19093);
  EXPECT_NE(text.find("listeners=PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093\n"), std::string::npos) << text;
  EXPECT_NE(text.find("advertised.listeners=PLAINTEXT://127.0.0.1:19092\n"), std::string::npos) << text;
}

TEST(KafkaServerProperties, AdvertisesAnotherPortWhenAskedButListensOnItsOwn) {
  TempDir dir;
  auto text = server_properties_of({.data_dir = dir.path.string(), .advertised_port = 29092}, 19092, 19093);
  EXPECT_NE(text.find("listeners=PLAINTEXT://127.0.0.1:19092,CONTROLLER://127.0.0.1:19093\n"), std::string::npos) << text;
  EXPECT_NE(text.find("advertised.listeners=PLAINTEXT://127.0.0.1:29092\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("PLAINTEXT://127.0.0.1:19092\n"), std::string::npos) << "the real port is not advertised";
}
