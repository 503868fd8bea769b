// The real Kafka broker: start, readiness, restart on the same port, freeze, kill, and the
// one-sentence errors for a missing runtime or missing artifacts.
#include <gtest/gtest.h>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "faultproxy/fault_proxy.hpp"
#include "kafka/admin.hpp"
#include "kafka/broker.hpp"
#include "kafka/test_broker.hpp"
#include "process/process.hpp"

namespace lf::kafka {
namespace {

using namespace std::chrono_literals;
using testing::BrokerEnvironment;

// Counts processes whose command line mentions the text (e.g. a broker's data dir).
int count_processes_mentioning(const std::string& text) {
  auto p = process::Process::spawn({.argv = {"pgrep", "-f", "-c", text}, .output = process::Output::pipe});
  if (!p) return -1;
  p->wait();
  std::string out = p->read_available_output();
  return out.empty() ? 0 : std::stoi(out);
}

TEST(KafkaLauncher, AnswersMetadataAndCreatesTopics) {
  auto& broker = BrokerEnvironment::broker();
  EXPECT_EQ(broker.bootstrap(), "127.0.0.1:" + std::to_string(broker.port()));
  EXPECT_TRUE(broker.is_running());
  EXPECT_TRUE(check_metadata(broker.bootstrap(), 5s));
  auto topic = BrokerEnvironment::unique_topic("launcher");
  ASSERT_TRUE(broker.create_topic(topic, 3));
  EXPECT_TRUE(broker.create_topic(topic, 3)) << "an existing topic counts as created";
  std::ifstream props(broker.data_dir() + "/server.properties");
  std::string text((std::istreambuf_iterator<char>(props)), {});
  EXPECT_NE(text.find("process.roles=broker,controller"), std::string::npos);
  EXPECT_NE(text.find("group.initial.rebalance.delay.ms=0"), std::string::npos);
  EXPECT_LT(broker.last_start_duration(), 30s);
}

TEST(KafkaLauncher, FreezeStopsAnswersAndThawResumes) {
  auto& broker = BrokerEnvironment::broker();
  ASSERT_TRUE(broker.freeze());
  auto started = std::chrono::steady_clock::now();
  EXPECT_FALSE(check_metadata(broker.bootstrap(), 1s));
  EXPECT_GE(std::chrono::steady_clock::now() - started, 900ms);
  ASSERT_TRUE(broker.thaw());
  EXPECT_TRUE(check_metadata(broker.bootstrap(), 10s));
}

TEST(KafkaLauncher, RestartKeepsPortAndTopics) {
  auto& broker = BrokerEnvironment::broker();
  auto topic = BrokerEnvironment::unique_topic("survives");
  ASSERT_TRUE(broker.create_topic(topic, 2));
  int port = broker.port();
  pid_t before = broker.pid();
  ASSERT_TRUE(broker.stop());
  EXPECT_FALSE(broker.is_running());
  EXPECT_FALSE(process::tcp_port_open("127.0.0.1", port));
  ASSERT_TRUE(broker.restart());
  EXPECT_EQ(broker.port(), port);
  EXPECT_NE(broker.pid(), before);
  std::printf("[kafka] restart took %lld ms\n",
              static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(broker.last_start_duration()).count()));
  EXPECT_TRUE(check_metadata(broker.bootstrap(), 5s));
}

TEST(KafkaLauncher, KillLeavesNoJavaProcessAndRestartRecovers) {
  auto& broker = BrokerEnvironment::broker();
  EXPECT_GE(count_processes_mentioning(broker.data_dir()), 1);
  ASSERT_TRUE(broker.kill());
  EXPECT_EQ(count_processes_mentioning(broker.data_dir()), 0);
  ASSERT_TRUE(broker.restart());
  EXPECT_TRUE(check_metadata(broker.bootstrap(), 5s));
}

TEST(KafkaLauncher, DestroyingALauncherKillsItsBroker) {
  // A second, short-lived broker: its own data dir, gone after the launcher object is destroyed.
  auto dir = testing::unique_temp_dir("lf-kafka-second");
  {
    auto second = KafkaBroker::start({.data_dir = dir});
    ASSERT_TRUE(second) << second.error().message;
    EXPECT_GE(count_processes_mentioning(dir), 1);
    EXPECT_NE((*second)->port(), BrokerEnvironment::broker().port());
  }
  EXPECT_EQ(count_processes_mentioning(dir), 0);
  std::filesystem::remove_all(dir);
}

// A broker advertising a fault proxy's port: after bootstrap on the real port every client request
// (here the admin API's topic creation, sent to the advertised controller address) goes through the
// proxy, so refusing there makes it fail although the real listener is up.
TEST(KafkaLauncher, AdvertisedPortPutsAProxyInFrontOfClients) {
  boost::asio::io_context io;
  auto work = boost::asio::make_work_guard(io);
  auto dir = testing::unique_temp_dir("lf-kafka-advertised");
  auto broker_port = process::free_tcp_port();
  ASSERT_TRUE(broker_port);
  faultproxy::FaultProxy proxy(io, {.upstream_host = "127.0.0.1", .upstream_port = static_cast<std::uint16_t>(*broker_port)});
  auto proxy_port = proxy.start();
  ASSERT_TRUE(proxy_port) << proxy_port.error().message;
  std::thread io_thread([&io] { io.run(); });
  {
    auto broker = KafkaBroker::start({.data_dir = dir, .port = *broker_port, .advertised_port = *proxy_port});
    ASSERT_TRUE(broker) << broker.error().message;
    EXPECT_EQ((*broker)->port(), *broker_port);
    EXPECT_EQ((*broker)->advertised_port(), *proxy_port);
    ASSERT_TRUE((*broker)->create_topic(BrokerEnvironment::unique_topic("via-proxy"), 1, 20s));
    EXPECT_GT(proxy.stats().accepted, 0u) << "clients reached the broker through the advertised proxy";

    proxy.set_faults({.refuse = true});
    EXPECT_FALSE(create_topic((*broker)->bootstrap(), BrokerEnvironment::unique_topic("refused"), 1, 3s))
        << "with the proxy refusing, the real port alone is not enough";
    proxy.set_faults({});
  }
  proxy.stop();
  work.reset();
  io.stop();
  io_thread.join();
  std::filesystem::remove_all(dir);
}

TEST(KafkaLauncher, BinaryPrintsBootstrapAndItsBrokerDiesWithIt) {
  const char* bin_dir = std::getenv("LEARNFLOW_BIN_DIR");
  if (!bin_dir) GTEST_SKIP() << "LEARNFLOW_BIN_DIR is set by ctest";
  auto dir = testing::unique_temp_dir("lf-kafka-binary");
  auto launcher = process::Process::spawn(
      {.argv = {std::string(bin_dir) + "/learnflow-kafka", "--data-dir", dir}, .output = process::Output::pipe});
  ASSERT_TRUE(launcher) << launcher.error().message;
  std::string out;
  auto deadline = std::chrono::steady_clock::now() + 90s;
  while (out.find("startup_ms=") == std::string::npos && launcher->is_running() &&
         std::chrono::steady_clock::now() < deadline) {
    out += launcher->read_available_output();
    std::this_thread::sleep_for(20ms);
  }
  ASSERT_NE(out.find("bootstrap=127.0.0.1:"), std::string::npos) << out;
  EXPECT_GE(count_processes_mentioning(dir), 2);
  // SIGKILL runs no destructor: the parent-death signal must take the JVM down.
  ASSERT_TRUE(launcher->signal(SIGKILL));
  launcher->wait();
  int left = -1;
  for (int i = 0; i < 100 && left != 0; ++i) {
    left = count_processes_mentioning(dir);
    if (left != 0) std::this_thread::sleep_for(50ms);
  }
  EXPECT_EQ(left, 0);
  std::filesystem::remove_all(dir);
}

TEST(KafkaLauncher, PortTakenIsReported) {
  auto dir = testing::unique_temp_dir("lf-kafka-taken");
  auto result = KafkaBroker::start({.data_dir = dir, .port = BrokerEnvironment::broker().port()});
  ASSERT_FALSE(result);
  EXPECT_NE(result.error().message.find("is taken by another process"), std::string::npos) << result.error().message;
  EXPECT_EQ(count_processes_mentioning(dir), 0);
  std::filesystem::remove_all(dir);
}

TEST(KafkaLauncher, MissingArtifactsSaySetup) {
  auto dir = testing::unique_temp_dir("lf-kafka-noartifacts");
  auto result = KafkaBroker::start({.data_dir = dir, .classpath_file = dir + "/missing/classpath.txt"});
  ASSERT_FALSE(result);
  EXPECT_NE(result.error().message.find("run scripts/setup.sh"), std::string::npos) << result.error().message;
  std::filesystem::remove_all(dir);
}

TEST(KafkaLauncher, MissingJavaIsReported) {
  auto dir = testing::unique_temp_dir("lf-kafka-nojava");
  auto result = KafkaBroker::start({.data_dir = dir, .java = "/nonexistent/java"});
  ASSERT_FALSE(result);
  EXPECT_NE(result.error().message.find("Java was not found"), std::string::npos) << result.error().message;
  std::filesystem::remove_all(dir);
}

TEST(KafkaLauncher, DefaultClasspathHonoursCacheVariables) {
  std::string saved = std::getenv("LEARNFLOW_CACHE") ? std::getenv("LEARNFLOW_CACHE") : "";
  setenv("LEARNFLOW_CACHE", "/tmp/lf-cache", 1);
  EXPECT_EQ(default_classpath_file(), "/tmp/lf-cache/kafka-3.9.1/classpath.txt");
  unsetenv("LEARNFLOW_CACHE");
  std::string xdg = std::getenv("XDG_CACHE_HOME") ? std::getenv("XDG_CACHE_HOME") : "";
  setenv("XDG_CACHE_HOME", "/tmp/xdg", 1);
  EXPECT_EQ(default_classpath_file(), "/tmp/xdg/learnflow/kafka-3.9.1/classpath.txt");
  if (xdg.empty()) unsetenv("XDG_CACHE_HOME"); else setenv("XDG_CACHE_HOME", xdg.c_str(), 1);
  if (!saved.empty()) setenv("LEARNFLOW_CACHE", saved.c_str(), 1);
}

}  // namespace
}  // namespace lf::kafka
