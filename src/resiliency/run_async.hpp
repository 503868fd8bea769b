#pragma once
// Coroutine-friendly entry to the Runner: any Asio completion token, or an awaitable directly.
// The completion is posted to the handler's executor, never invoked inside the initiation.
#include <memory>

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/execution/outstanding_work.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/prefer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "resiliency/runner.hpp"

namespace lf::resiliency {

template <typename CompletionToken>
auto async_run(Runner& runner, const PolicyDefinition& policy, Operation operation, CompletionToken&& token) {
  auto initiation = [&runner, policy](auto handler, Operation op) {
    auto executor = boost::asio::prefer(boost::asio::get_associated_executor(handler),
                                        boost::asio::execution::outstanding_work.tracked);
    // std::function needs a copyable callable; Asio handlers may be move-only.
    auto shared_handler = std::make_shared<decltype(handler)>(std::move(handler));
    runner.run(policy, std::move(op), [shared_handler, executor](OpResult result) {
      boost::asio::post(executor, [shared_handler, result = std::move(result)]() mutable {
        (*shared_handler)(std::move(result));
      });
    });
  };
  return boost::asio::async_initiate<CompletionToken, void(OpResult)>(initiation, token, std::move(operation));
}

inline boost::asio::awaitable<OpResult> run_async(Runner& runner, PolicyDefinition policy, Operation operation) {
  co_return co_await async_run(runner, policy, std::move(operation), boost::asio::use_awaitable);
}

}  // namespace lf::resiliency
