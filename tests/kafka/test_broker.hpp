#pragma once
// One real Kafka broker per test binary (the JVM start costs seconds), started by a gtest
// Environment before the first test and killed, with its data directory removed, after the last.
// Include this header in exactly one source file of a test binary.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <random>
#include <string>

#include "kafka/broker.hpp"

namespace lf::kafka::testing {

inline std::string unique_temp_dir(const std::string& prefix) {
  std::random_device random;
  auto dir = std::filesystem::temp_directory_path() /
             (prefix + "-" + std::to_string(getpid()) + "-" + std::to_string(random() % 1000000));
  std::filesystem::create_directories(dir);
  return dir.string();
}

class BrokerEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    data_dir_ = unique_temp_dir("lf-kafka-test");
    BrokerOptions options;
    options.data_dir = data_dir_ + "/broker";
    options.num_partitions = 1;
    options.stop_grace = std::chrono::seconds(5);
    auto begun = std::chrono::steady_clock::now();
    auto started = KafkaBroker::start(options);
    ASSERT_TRUE(started) << started.error().message;
    broker_ = std::move(*started);
    auto ms = [](auto d) { return static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(d).count()); };
    std::printf("[kafka] broker %s ready in %lld ms (JVM start %lld ms, the rest formatting storage; data %s)\n",
                broker_->bootstrap().c_str(), ms(std::chrono::steady_clock::now() - begun),
                ms(broker_->last_start_duration()), broker_->data_dir().c_str());
  }
  void TearDown() override {
    broker_.reset();
    std::error_code ec;
    std::filesystem::remove_all(data_dir_, ec);
  }
  static KafkaBroker& broker() { return *instance()->broker_; }
  static bool ready() { return instance()->broker_ != nullptr; }
  static BrokerEnvironment* instance() {
    static BrokerEnvironment* env =
        static_cast<BrokerEnvironment*>(::testing::AddGlobalTestEnvironment(new BrokerEnvironment));
    return env;
  }
  // A topic name no other test of this binary uses.
  static std::string unique_topic(const std::string& base) {
    static std::atomic<int> counter{0};
    return base + "-" + std::to_string(++counter);
  }

 private:
  std::string data_dir_;
  std::unique_ptr<KafkaBroker> broker_;
};

// Registers the environment at static-initialisation time.
inline const BrokerEnvironment* const registered_broker_environment = BrokerEnvironment::instance();

}  // namespace lf::kafka::testing
