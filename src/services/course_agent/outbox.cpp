#include "services/course_agent/outbox.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <nlohmann/json.hpp>

namespace lf::course {

using Json = nlohmann::json;

Json outbox_event_json(const OutboxEvent& event) {
  Json item{{"event_id", event.event_id},
            {"topic", event.topic},
            {"payload", event.payload},
            {"enqueued_at", event.enqueued_at}};
  if (!event.trace.empty()) item["traceparent"] = event.trace.traceparent;
  if (!event.trace.tracestate.empty()) item["tracestate"] = event.trace.tracestate;
  return item;
}

std::optional<OutboxEvent> outbox_event_from_json(const Json& item) {
  if (!item.is_object()) return std::nullopt;
  auto text = [&](const char* field) {
    auto it = item.find(field);
    return it != item.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  OutboxEvent event{text("event_id"), text("topic"), text("payload"), text("enqueued_at"), {}};
  // The document is ours, but what becomes a header is checked again (it may have been edited).
  event.trace = dapr::TraceContext::from(text("traceparent"), text("tracestate"));
  return event;
}

namespace {
std::string outbox_document(const std::string& owner, const std::deque<OutboxEvent>& pending) {
  Json events = Json::array();
  for (const auto& event : pending) events.push_back(outbox_event_json(event));
  return Json{{"owner", owner}, {"events", std::move(events)}}.dump();
}
}  // namespace

Outbox::Outbox(dapr::DaprClient& dapr, Scheduler& scheduler, boost::asio::any_io_executor executor,
               metrics::Gauge& depth_gauge, OutboxOptions options)
    : dapr_(dapr),
      scheduler_(scheduler),
      executor_(std::move(executor)),
      depth_gauge_(depth_gauge),
      options_(std::move(options)),
      backoff_(options_.initial_backoff) {}

Outbox::~Outbox() {
  if (drain_timer_) scheduler_.cancel(*drain_timer_);
  if (recovery_timer_) scheduler_.cancel(*recovery_timer_);
}

std::string Outbox::document_key(const std::string& owner) { return "course-agent-outbox-" + owner; }

void Outbox::update_gauge() { depth_gauge_.set(static_cast<double>(pending_.size())); }

boost::asio::awaitable<void> Outbox::recover() {
  if (recovered_ || stopped_) co_return;
  auto stored = co_await dapr_.get_state(options_.store, document_key(options_.owner), dapr::TraceContext::none());
  if (!stored) {
    // Writing before the old queue is read would overwrite it, so keep trying (the sidecar may
    // simply not be up yet) and hold writes back meanwhile.
    log_.warn("could not read the outbox from the state store; retrying",
              {{"owner", options_.owner}, {"error", stored.error().describe()}});
    schedule(recovery_timer_, backoff_, [this] { return recover(); });
    backoff_ = std::min(backoff_ * 2, options_.max_backoff);
    co_return;
  }
  recovered_ = true;
  backoff_ = options_.initial_backoff;
  std::deque<OutboxEvent> recovered;
  if (stored->has_value()) {
    auto doc = Json::parse((*stored)->value, nullptr, false);
    if (doc.is_object() && doc.contains("events") && doc["events"].is_array()) {
      for (const auto& item : doc["events"])
        if (auto event = outbox_event_from_json(item)) recovered.push_back(std::move(*event));
    } else {
      log_.error("outbox document is malformed; ignoring it", {{"owner", options_.owner}});
    }
  }
  if (!recovered.empty())
    log_.info("recovered unpublished events from the outbox",
              {{"owner", options_.owner}, {"depth", std::to_string(recovered.size())}});
  // Events queued while recovery was reading stay behind the older ones.
  for (auto& event : pending_) recovered.push_back(std::move(event));
  pending_ = std::move(recovered);
  update_gauge();
  if (dirty_) co_await persist();
  if (!pending_.empty()) schedule_drain(Duration::zero());
}

boost::asio::awaitable<dapr::DaprStatus> Outbox::publish(const OutboxEvent& event) {
  // Braced lists inside co_await arguments trip a g++ 12 bug ("array used as initializer").
  dapr::PublishRequest request;
  request.pubsub = options_.pubsub;
  request.topic = event.topic;
  request.json = event.payload;
  request.metadata.emplace("cloudevent.id", event.event_id);
  request.trace = event.trace;
  co_return co_await dapr_.publish(std::move(request));
}

boost::asio::awaitable<bool> Outbox::publish_or_enqueue(OutboxEvent event) {
  if (pending_.empty() && !draining_) {
    auto published = co_await publish(event);
    if (published) co_return true;
    log_.warn("publish failed after the sidecar's retries; event kept in the outbox",
              {{"topic", event.topic}, {"event_id", event.event_id}, {"error", published.error().describe()}});
  }
  pending_.push_back(std::move(event));
  update_gauge();
  mark_dirty();
  if (!co_await persist())
    log_.warn("outbox kept in memory only until the state store answers", {{"depth", std::to_string(pending_.size())}});
  if (!drain_timer_ && !draining_) schedule_drain(backoff_);
  co_return false;
}

boost::asio::awaitable<bool> Outbox::absorb(std::vector<OutboxEvent> events) {
  if (!recovered_ || stopped_) co_return false;
  for (auto& event : events) {
    bool known = false;
    for (const auto& pending : pending_) known = known || pending.event_id == event.event_id;
    if (!known) pending_.push_back(std::move(event));
  }
  update_gauge();
  mark_dirty();
  // Report success only once a write that includes these events has completed; a write already
  // in flight carries an older queue, so let it finish and write again.
  auto target = change_generation_;
  while (saved_generation_ < target) {
    if (!persisting_) {
      if (!co_await persist()) co_return false;
      continue;
    }
    co_await boost::asio::post(executor_, boost::asio::use_awaitable);
  }
  if (!drain_timer_ && !draining_) schedule_drain(Duration::zero());
  co_return true;
}

void Outbox::schedule(std::optional<Scheduler::TimerId>& timer, Duration delay,
                      std::function<boost::asio::awaitable<void>()> work) {
  if (stopped_) return;
  if (timer) scheduler_.cancel(*timer);
  timer = scheduler_.schedule_after(delay, [this, &timer, work = std::move(work)] {
    timer.reset();
    boost::asio::co_spawn(executor_, work(), boost::asio::detached);
  });
}

void Outbox::schedule_drain(Duration delay) {
  schedule(drain_timer_, delay, [this] { return drain(); });
}

boost::asio::awaitable<void> Outbox::drain() {
  if (draining_ || stopped_ || !recovered_) co_return;
  draining_ = true;
  if (dirty_) co_await persist();
  while (!pending_.empty() && !stopped_) {
    OutboxEvent head = pending_.front();
    auto published = co_await publish(head);
    if (!published) {
      draining_ = false;
      backoff_ = std::min(backoff_ * 2, options_.max_backoff);
      log_.warn("outbox drain: publish still failing; retrying later",
                {{"depth", std::to_string(pending_.size())},
                 {"retry_in", std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(backoff_).count()) + "ms"},
                 {"error", published.error().describe()}});
      schedule_drain(backoff_);
      co_return;
    }
    pending_.pop_front();
    update_gauge();
    mark_dirty();
    backoff_ = options_.initial_backoff;
    if (pending_.empty()) log_.info("outbox drained: every queued event is published", {{"owner", options_.owner}});
    co_await persist();
  }
  draining_ = false;
  // A failed write of the emptied queue is retried so a restart does not re-publish old events.
  if (dirty_ && !stopped_) schedule_drain(backoff_);
}

boost::asio::awaitable<bool> Outbox::persist() {
  if (!recovered_) co_return false;  // the stored queue is not read yet; writing would drop it
  if (persisting_) co_return true;    // the running loop saves the latest queue too
  persisting_ = true;
  bool ok = true;
  while (dirty_) {
    dirty_ = false;
    auto generation = change_generation_;
    std::vector<dapr::StateItem> items(1);
    items[0].key = document_key(options_.owner);
    items[0].value = outbox_document(options_.owner, pending_);
    auto saved = co_await dapr_.save_state(options_.store, std::move(items), dapr::TraceContext::none());
    if (!saved) {
      log_.warn("could not write the outbox to the state store", {{"error", saved.error().describe()}});
      dirty_ = true;
      ok = false;
      break;
    }
    saved_generation_ = std::max(saved_generation_, generation);
  }
  persisting_ = false;
  co_return ok;
}

boost::asio::awaitable<bool> Outbox::flush() {
  if (!recovered_) co_await recover();  // one last chance to learn what is stored before writing
  stopped_ = true;
  for (auto* timer : {&drain_timer_, &recovery_timer_})
    if (*timer) {
      scheduler_.cancel(**timer);
      timer->reset();
    }
  if (!dirty_) {
    log_.info("outbox state already stored", {{"owner", options_.owner}, {"depth", std::to_string(pending_.size())}});
    co_return true;
  }
  bool ok = co_await persist();
  if (ok)
    log_.info("outbox state flushed to the state store", {{"owner", options_.owner}, {"depth", std::to_string(pending_.size())}});
  else
    log_.error("outbox state could not be flushed; these events are lost if this instance does not come back",
               {{"owner", options_.owner}, {"depth", std::to_string(pending_.size())}});
  co_return ok;
}

}  // namespace lf::course
