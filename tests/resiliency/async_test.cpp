#include "resiliency/run_async.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include "core/asio_scheduler.hpp"

namespace lf::resiliency {
namespace {

using namespace std::chrono_literals;

TEST(RunAsync, AwaitsRetriesOnAnIoContext) {
  boost::asio::io_context io;
  AsioScheduler scheduler(io.get_executor());
  Runner runner(scheduler, nullptr, [] { return 0.5; });
  PolicyDefinition def;
  RetryPolicy retry;
  retry.duration = 1ms;
  retry.max_retries = 5;
  def.retry = retry;
  int attempts = 0;
  std::optional<OpResult> result;
  boost::asio::co_spawn(
      io,
      [&]() -> boost::asio::awaitable<void> {
        result = co_await run_async(runner, def, [&](const AttemptContext& ctx, OpCompletion done) {
          ++attempts;
          done(ctx.attempt < 3 ? OpResult::code_error(503, "busy") : OpResult::ok());
        });
      },
      boost::asio::detached);
  io.run_for(5s);
  ASSERT_TRUE(result);
  EXPECT_TRUE(result->is_ok());
  EXPECT_EQ(attempts, 3);
}

}  // namespace
}  // namespace lf::resiliency
