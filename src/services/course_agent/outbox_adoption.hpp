#pragma once
// Keeps queued events of replaced course-agent instances from being stranded. Every instance
// heartbeats into a shared registry document in the state store; when an instance has not been
// seen for `orphan_after` (a Deployment pod replaced under a new name, a replica scaled in with
// events still queued), a live instance moves that instance's outbox into its own, in order, and
// deletes the orphan's document. A false alarm (an owner only slow to heartbeat) can publish
// events twice - never lose them - and consumers de-duplicate by event id.
#include <optional>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "core/clock.hpp"
#include "dapr_client/dapr_client.hpp"
#include "log/log.hpp"
#include "services/common/state_document.hpp"
#include "services/course_agent/outbox.hpp"

namespace lf::course {

struct AdoptionOptions {
  std::string store = "statestore";
  std::string owner;
  Duration heartbeat_interval = std::chrono::seconds(10);
  Duration orphan_after = std::chrono::seconds(60);
};

class OutboxAdopter {
 public:
  OutboxAdopter(dapr::DaprClient& dapr, Scheduler& scheduler, boost::asio::any_io_executor executor, Outbox& outbox,
                AdoptionOptions options);
  ~OutboxAdopter();
  OutboxAdopter(const OutboxAdopter&) = delete;
  OutboxAdopter& operator=(const OutboxAdopter&) = delete;

  static constexpr const char* registry_key = "course-agent-outbox-owners";

  // Heartbeats now and then every heartbeat_interval, adopting orphans each time.
  void start();
  // One heartbeat + orphan scan (what the timer runs).
  boost::asio::awaitable<void> tick();
  // Clean shutdown: stop the timer; leave the registry only when nothing of ours is queued (a
  // non-empty queue stays registered so a live replica adopts it if we do not come back).
  boost::asio::awaitable<void> stop();

  int adopted_events() const { return adopted_events_; }

 private:
  boost::asio::awaitable<void> adopt(std::string orphan, long long last_seen);
  void schedule_next();
  long long now_seconds() const;

  dapr::DaprClient& dapr_;
  Scheduler& scheduler_;
  boost::asio::any_io_executor executor_;
  Outbox& outbox_;
  AdoptionOptions options_;
  services::StateDocuments registry_documents_;  // the registry document only
  log::Logger log_{"learnflow.outbox"};
  std::optional<Scheduler::TimerId> timer_;
  bool stopped_ = false;
  int adopted_events_ = 0;
};

}  // namespace lf::course
