#pragma once
// Durable outbox for events the sidecar could not publish (Kafka down after the sidecar's own
// retries). Events wait here in order and a drain loop re-publishes them with exponential
// backoff once the broker is back. The queue lives in memory and is written through to the state
// store (one document per course-agent instance), so a restart - or, via adoption, another
// replica - picks it up again. See docs/services.md for the choice and its limits.
#include <deque>
#include <functional>
#include <vector>
#include <optional>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <nlohmann/json.hpp>

#include "core/clock.hpp"
#include "dapr_client/dapr_client.hpp"
#include "log/log.hpp"
#include "metrics/metrics.hpp"

namespace lf::course {

struct OutboxEvent {
  std::string event_id;  // also the CloudEvent id (metadata.cloudevent.id) so consumers de-duplicate
  std::string topic;
  std::string payload;  // JSON
  std::string enqueued_at;
  // The trace of the request that produced the event: sent with every publish attempt, also a
  // re-publish from the outbox after a restart or by another replica, so it stays in that trace.
  dapr::TraceContext trace;
};

// An event as stored in the outbox document (trace fields only when set), and back; nullopt for
// anything that is not an object.
nlohmann::json outbox_event_json(const OutboxEvent& event);
std::optional<OutboxEvent> outbox_event_from_json(const nlohmann::json& item);

struct OutboxOptions {
  std::string store = "statestore";
  std::string pubsub = "pubsub";
  std::string owner;  // this instance's id (pod name on Kubernetes)
  Duration initial_backoff = std::chrono::seconds(1);
  Duration max_backoff = std::chrono::seconds(30);
};

class Outbox {
 public:
  Outbox(dapr::DaprClient& dapr, Scheduler& scheduler, boost::asio::any_io_executor executor,
         metrics::Gauge& depth_gauge, OutboxOptions options);
  ~Outbox();
  Outbox(const Outbox&) = delete;
  Outbox& operator=(const Outbox&) = delete;

  // State-store key of this instance's outbox document.
  static std::string document_key(const std::string& owner);

  // Loads what a previous run of this instance left behind and starts draining it. Until that
  // read succeeds (retried with backoff) nothing is written, so a stored queue is never clobbered.
  boost::asio::awaitable<void> recover();

  // Publishes now when nothing is waiting; otherwise (or when the publish fails) queues the event
  // behind the waiting ones so order is kept. Never fails: true = published, false = queued.
  boost::asio::awaitable<bool> publish_or_enqueue(OutboxEvent event);

  // Appends events taken over from another instance's outbox behind ours and writes the queue;
  // true once it is stored (only then may the other copy be deleted).
  boost::asio::awaitable<bool> absorb(std::vector<OutboxEvent> events);

  // Writes the current queue to the state store (SIGTERM) and stops the drain timer.
  // Returns false when the state store could not be written.
  boost::asio::awaitable<bool> flush();

  std::size_t depth() const { return pending_.size(); }
  bool draining() const { return draining_; }
  bool recovered() const { return recovered_; }
  // Delay before the next drain attempt (grows while publishing keeps failing).
  Duration current_backoff() const { return backoff_; }

 private:
  boost::asio::awaitable<dapr::DaprStatus> publish(const OutboxEvent& event);
  boost::asio::awaitable<void> drain();
  // Serialised write-through: concurrent callers coalesce into one more save of the latest queue.
  boost::asio::awaitable<bool> persist();
  void schedule_drain(Duration delay);
  void schedule(std::optional<Scheduler::TimerId>& timer, Duration delay,
                std::function<boost::asio::awaitable<void>()> work);
  void update_gauge();
  void mark_dirty() {
    dirty_ = true;
    ++change_generation_;
  }

  dapr::DaprClient& dapr_;
  Scheduler& scheduler_;
  boost::asio::any_io_executor executor_;
  metrics::Gauge& depth_gauge_;
  OutboxOptions options_;
  log::Logger log_{"learnflow.outbox"};

  std::deque<OutboxEvent> pending_;
  bool draining_ = false;
  std::optional<Scheduler::TimerId> drain_timer_;
  std::optional<Scheduler::TimerId> recovery_timer_;
  bool recovered_ = false;
  Duration backoff_;
  bool persisting_ = false;
  bool dirty_ = false;  // the stored queue is behind the one in memory
  std::uint64_t change_generation_ = 0;
  std::uint64_t saved_generation_ = 0;
  bool stopped_ = false;
};

}  // namespace lf::course
