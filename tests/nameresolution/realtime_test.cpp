// Real timers on a background io_context thread (what the sidecar does), real SQLite file.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <thread>

#include "core/asio_scheduler.hpp"
#include "nameresolution/registry_resolver.hpp"

namespace lf::nameresolution {
namespace {

using namespace std::chrono_literals;

class BackgroundScheduler {
 public:
  BackgroundScheduler() : guard_(io_.get_executor()), scheduler_(io_.get_executor()), thread_([this] { io_.run(); }) {}
  ~BackgroundScheduler() {
    guard_.reset();
    io_.stop();
    thread_.join();
  }
  Scheduler& scheduler() { return scheduler_; }

 private:
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_;
  AsioScheduler scheduler_;
  std::thread thread_;
};

TEST(NameResolutionRealTime, HeartbeatsKeepInstancesLiveAndShutdownRemovesThem) {
  char pattern[] = "/tmp/lf-nr-rt-XXXXXX";
  const std::string dir = mkdtemp(pattern);
  BackgroundScheduler background;
  ResolverOptions options;
  options.update_interval = 100ms;
  options.stale_after = 1s;  // last_update has whole-second resolution
  options.cache_ttl = 0ms;
  auto open_registry = [&] { return SqliteRegistry::open({dir + "/nr.db"}).value(); };
  {
    RegistryResolver caller(open_registry(), background.scheduler(), options);
    auto first = std::make_unique<RegistryResolver>(open_registry(), background.scheduler(), options);
    auto second = std::make_unique<RegistryResolver>(open_registry(), background.scheduler(), options);
    ASSERT_TRUE(first->register_self({"orders", "", Address{"127.0.0.1", 5001}}));
    ASSERT_TRUE(second->register_self({"orders", "", Address{"127.0.0.1", 5002}}));

    // Several stale_after periods: only heartbeats keep the rows live.
    std::this_thread::sleep_for(2500ms);
    EXPECT_EQ(caller.live_addresses("orders")->size(), 2u);
    EXPECT_NE(caller.resolve("orders")->port, caller.resolve("orders")->port) << "round robin";

    second.reset();  // clean shutdown while its timers are live on the other thread
    EXPECT_EQ(caller.live_addresses("orders")->size(), 1u);
    for (int i = 0; i < 3; ++i) EXPECT_EQ(caller.resolve("orders")->port, 5001);
    first.reset();
    EXPECT_FALSE(caller.resolve("orders"));
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace lf::nameresolution
