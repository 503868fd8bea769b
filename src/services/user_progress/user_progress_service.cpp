#include "services/user_progress/user_progress_service.hpp"

#include "core/uuid.hpp"
#include "services/common/json_api.hpp"
#include "services/common/state_document.hpp"
#include "services/common/time_format.hpp"
#include "services/user_progress/progress_model.hpp"

namespace lf::progress {
namespace {

using services::json_response;

// A CloudEvent's de-duplication id: the publisher's own event_id in the data when present
// (stable across our outbox retries even if a sidecar ignored metadata.cloudevent.id), else the
// envelope id.
struct Envelope {
  std::string id;
  Json data;
};

Expected<Envelope, std::string> read_envelope(std::string_view body) {
  auto event = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!event.is_object()) return unexpected(std::string("body is not a JSON object"));
  auto id = event.find("id");
  if (id == event.end() || !id->is_string() || id->get<std::string>().empty())
    return unexpected(std::string("CloudEvent has no id"));
  auto data = event.find("data");
  if (data == event.end()) return unexpected(std::string("CloudEvent has no data"));
  Json payload = *data;
  // Publishers that sent JSON as text/plain end up with a string; accept it when it parses.
  if (payload.is_string()) payload = Json::parse(payload.get<std::string>(), nullptr, false);
  if (!payload.is_object()) return unexpected(std::string("CloudEvent data is not a JSON object"));
  Envelope envelope{services::truncate_utf8(id->get<std::string>(), 128), std::move(payload)};
  if (auto own = envelope.data.find("event_id"); own != envelope.data.end() && own->is_string() && !own->get<std::string>().empty())
    envelope.id = services::truncate_utf8(own->get<std::string>(), 128);
  return envelope;
}

// Same routes and dead-letter topics as deploy/dapr/subscription-*.yaml, so the programmatic and
// declarative forms describe one subscription.
Json subscriptions(const UserProgressConfig& config) {
  auto subscription = [&](const std::string& topic, const char* route) {
    return Json{{"pubsubname", config.pubsub}, {"topic", topic}, {"route", route}, {"deadLetterTopic", topic + "-deadletter"}};
  };
  return Json::array({subscription(config.lesson_topic, UserProgressService::lesson_route),
                      subscription(config.progress_topic, UserProgressService::progress_route)});
}

Json progress_event(const ProgressUpdate& update) {
  Json event{{"event_id", update.event_id},
             {"user_id", update.user_id},
             {"lesson_id", update.lesson_id},
             {"progress_percentage", update.progress_percentage},
             {"status", update.status},
             {"updated_at", update.updated_at}};
  if (update.completed_exercises) event["completed_exercises"] = *update.completed_exercises;
  return event;
}

Json update_answer(const ProgressUpdate& update, const Json& stored, bool published) {
  Json lesson;
  for (const auto& entry : stored["lessons"])
    if (entry.value("lesson_id", "") == update.lesson_id) lesson = entry;
  return Json{{"user_id", update.user_id},
              {"lesson", lesson},
              {"event", {{"id", update.event_id}, {"status", published ? "published" : "not_published"}}}};
}

}  // namespace

UserProgressService::UserProgressService(dapr::DaprClient& dapr, Scheduler& scheduler, metrics::Registry& registry,
                                         UserProgressConfig config)
    : dapr_(dapr),
      clock_(scheduler),
      config_(std::move(config)),
      documents_(dapr, scheduler, config_.store),
      events_(registry.counter("learnflow_events_processed_total",
                               "Pub/sub deliveries handled, by topic and the answer given to the sidecar.",
                               {"topic", "outcome"})),
      updates_(registry.counter("learnflow_progress_updates_total", "Progress updates accepted, by status.",
                                {"status"})) {}

void UserProgressService::register_routes(services::Router& router) {
  router.add("GET", "/dapr/subscribe", [this](const http::Request& r) { return subscribe(r); });
  router.add("POST", lesson_route, [this](const http::Request& r) { return on_lesson_generated(r); });
  router.add("POST", progress_route, [this](const http::Request& r) { return on_progress_updated(r); });
  router.add("POST", "/update-progress", [this](const http::Request& r) { return update_progress(r); });
  router.add("GET", "/status", [this](const http::Request& r) { return status(r); });
}

boost::asio::awaitable<http::Response> UserProgressService::subscribe(const http::Request&) {
  co_return json_response(200, subscriptions(config_));
}

http::Response UserProgressService::delivery_answer(const std::string& topic, const char* outcome) {
  events_.with({topic, outcome}).inc();
  return json_response(200, Json{{"status", outcome}});
}

namespace {
Expected<ProgressUpdate, services::FieldError> parse_progress_event(const Json& data) {
  return parse_progress_update(data, /*allow_event_fields=*/true);
}
}  // namespace

template <typename Event>
boost::asio::awaitable<http::Response> UserProgressService::deliver(const http::Request& request, const std::string& topic,
                                                                    Expected<Event, services::FieldError> (*parse)(const Json&),
                                                                    bool (*apply)(Json&, const Event&)) {
  auto envelope = read_envelope(request.body);
  if (!envelope) {
    log_.warn("dropping malformed event", {{"topic", topic}, {"reason", envelope.error()}});
    co_return delivery_answer(topic, "DROP");
  }
  auto event = parse(envelope->data);
  if (!event) {
    log_.warn("dropping malformed event",
              {{"topic", topic}, {"id", envelope->id}, {"field", event.error().field}, {"reason", event.error().message}});
    co_return delivery_answer(topic, "DROP");
  }
  event->event_id = envelope->id;
  bool changed = false;
  // The sidecar delivers the event with the trace it was published in; storing it is part of it.
  auto stored = co_await documents_.update(
      progress_key(event->user_id),
      [&](Json& doc) {
        changed = apply(doc, *event);
        return changed;
      },
      dapr::TraceContext::from_headers(request.headers));
  if (!stored) {
    log_.warn("could not store event; asking the sidecar to retry",
              {{"topic", topic}, {"id", envelope->id}, {"error", stored.error().describe()}});
    co_return delivery_answer(topic, "RETRY");
  }
  if (!changed) log_.info("duplicate event ignored", {{"topic", topic}, {"id", envelope->id}});
  co_return delivery_answer(topic, "SUCCESS");
}

boost::asio::awaitable<http::Response> UserProgressService::on_lesson_generated(const http::Request& request) {
  co_return co_await deliver<LessonReceived>(request, config_.lesson_topic, &parse_lesson_received, &apply_lesson);
}

boost::asio::awaitable<http::Response> UserProgressService::on_progress_updated(const http::Request& request) {
  co_return co_await deliver<ProgressUpdate>(request, config_.progress_topic, &parse_progress_event, &apply_progress);
}

boost::asio::awaitable<http::Response> UserProgressService::update_progress(const http::Request& request) {
  auto body = services::parse_json_object(request.body);
  if (!body) co_return body.error();
  auto update = parse_progress_update(*body, /*allow_event_fields=*/false);
  if (!update) co_return services::field_error_response(update.error());
  update->event_id = uuid_v4();
  update->updated_at = services::format_rfc3339(clock_.wall_now());

  // Applied here first so the learner sees it at once; the event carries the same id, so its
  // delivery back to this service (or a replica) changes nothing.
  auto trace = dapr::TraceContext::from_headers(request.headers);
  auto stored = co_await documents_.update(
      progress_key(update->user_id), [&](Json& doc) { return apply_progress(doc, *update); }, trace);
  if (!stored)
    co_return services::unavailable_response("state_store_unavailable",
                                             "progress could not be stored: " + stored.error().describe());
  updates_.with({update->status}).inc();

  dapr::PublishRequest event;
  event.pubsub = config_.pubsub;
  event.topic = config_.progress_topic;
  event.json = progress_event(*update).dump();
  event.metadata.emplace("cloudevent.id", update->event_id);
  event.trace = std::move(trace);
  auto published = co_await dapr_.publish(std::move(event));
  if (!published)
    log_.warn("progress stored but the progress-updated event was not published",
              {{"event_id", update->event_id}, {"error", published.error().describe()}});

  co_return json_response(200, update_answer(*update, *stored, published.has_value()));
}

boost::asio::awaitable<http::Response> UserProgressService::status(const http::Request& request) {
  auto user_id = services::user_id_query(request);
  if (!user_id) co_return services::field_error_response(user_id.error());
  auto doc = co_await services::read_document(dapr_, config_.store, progress_key(*user_id),
                                              dapr::TraceContext::from_headers(request.headers));
  if (!doc)
    co_return services::unavailable_response("state_store_unavailable",
                                             "progress could not be read: " + doc.error().describe());
  co_return json_response(200, status_view(*user_id, doc->value_or(Json::object())));
}

}  // namespace lf::progress
