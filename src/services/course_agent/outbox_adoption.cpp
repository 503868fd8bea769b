#include "services/course_agent/outbox_adoption.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <nlohmann/json.hpp>

#include "services/common/state_document.hpp"

namespace lf::course {

using Json = nlohmann::json;

OutboxAdopter::OutboxAdopter(dapr::DaprClient& dapr, Scheduler& scheduler, boost::asio::any_io_executor executor,
                             Outbox& outbox, AdoptionOptions options)
    : dapr_(dapr), scheduler_(scheduler), executor_(std::move(executor)), outbox_(outbox), options_(std::move(options)),
      registry_documents_(dapr, scheduler, options_.store) {}

OutboxAdopter::~OutboxAdopter() {
  if (timer_) scheduler_.cancel(*timer_);
}

long long OutboxAdopter::now_seconds() const {
  return std::chrono::duration_cast<std::chrono::seconds>(scheduler_.wall_now().time_since_epoch()).count();
}

void OutboxAdopter::start() {
  stopped_ = false;
  boost::asio::co_spawn(executor_, tick(), boost::asio::detached);
}

void OutboxAdopter::schedule_next() {
  if (stopped_) return;
  timer_ = scheduler_.schedule_after(options_.heartbeat_interval, [this] {
    timer_.reset();
    boost::asio::co_spawn(executor_, tick(), boost::asio::detached);
  });
}

boost::asio::awaitable<void> OutboxAdopter::tick() {
  if (stopped_) co_return;
  long long now = now_seconds();
  std::vector<std::pair<std::string, long long>> orphans;
  auto orphan_seconds = std::chrono::duration_cast<std::chrono::seconds>(options_.orphan_after).count();
  auto registry = co_await registry_documents_.update(registry_key, [&](Json& doc) {
    if (!doc.contains("owners") || !doc["owners"].is_object()) doc["owners"] = Json::object();
    doc["owners"][options_.owner] = now;
    orphans.clear();
    for (const auto& [owner, seen] : doc["owners"].items())
      if (owner != options_.owner && seen.is_number_integer() && now - seen.get<long long>() > orphan_seconds)
        orphans.emplace_back(owner, seen.get<long long>());
    return true;
  });
  if (!registry) {
    log_.debug("outbox heartbeat failed", {{"error", registry.error().describe()}});
  } else if (outbox_.recovered()) {  // our own queue must be known before others' are appended
    for (const auto& [orphan, seen] : orphans) co_await adopt(orphan, seen);
  }
  schedule_next();
}

boost::asio::awaitable<void> OutboxAdopter::adopt(std::string orphan, long long last_seen) {
  auto key = Outbox::document_key(orphan);
  auto stored = co_await dapr_.get_state(options_.store, key, dapr::TraceContext::none());
  if (!stored) co_return;
  if (stored->has_value()) {
    auto doc = Json::parse((*stored)->value, nullptr, /*allow_exceptions=*/false);
    std::vector<OutboxEvent> events;
    if (doc.is_object() && doc.contains("events") && doc["events"].is_array())
      for (const auto& item : doc["events"])
        if (auto event = outbox_event_from_json(item); event && !event->event_id.empty())
          events.push_back(std::move(*event));
    // Ours first, durably; only then may the orphan's copy go.
    if (!events.empty() && !co_await outbox_.absorb(std::move(events))) co_return;
    adopted_events_ += static_cast<int>(doc.is_object() && doc.contains("events") ? doc["events"].size() : 0);
    auto removed = co_await dapr_.delete_state(options_.store, key, (*stored)->etag, dapr::TraceContext::none());
    if (!removed) {
      log_.warn("orphaned outbox changed while being adopted; its owner may be alive (events may be published twice)",
                {{"orphan", orphan}, {"error", removed.error().describe()}});
      co_return;
    }
    log_.info("adopted the outbox of an instance that stopped heartbeating",
              {{"orphan", orphan}, {"events", std::to_string(adopted_events_)}});
  }
  co_await registry_documents_.update(registry_key, [&](Json& doc) {
    if (!doc.contains("owners") || !doc["owners"].is_object()) return false;
    auto& owners = doc["owners"];
    // Only forget it if it did not heartbeat again meanwhile.
    if (!owners.contains(orphan) || owners[orphan] != last_seen) return false;
    owners.erase(orphan);
    return true;
  });
}

boost::asio::awaitable<void> OutboxAdopter::stop() {
  stopped_ = true;
  if (timer_) {
    scheduler_.cancel(*timer_);
    timer_.reset();
  }
  if (outbox_.depth() != 0) co_return;
  co_await registry_documents_.update(registry_key, [&](Json& doc) {
    if (!doc.contains("owners") || !doc["owners"].is_object() || !doc["owners"].contains(options_.owner)) return false;
    doc["owners"].erase(options_.owner);
    return true;
  });
}

}  // namespace lf::course
