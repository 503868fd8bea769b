#pragma once
// user-progress: consumes `lesson-generated` and `progress-updated` (Dapr subscriptions at
// /events/<topic>), stores each learner's progress idempotently by event id, and serves
// POST /update-progress and GET /status?user_id=.
#include <string>

#include "core/clock.hpp"
#include "dapr_client/dapr_client.hpp"
#include "log/log.hpp"
#include "metrics/metrics.hpp"
#include "services/common/router.hpp"
#include "services/common/state_document.hpp"
#include "services/user_progress/progress_model.hpp"

namespace lf::progress {

struct UserProgressConfig {
  std::string store = "statestore";
  std::string pubsub = "pubsub";
  std::string lesson_topic = "lesson-generated";
  std::string progress_topic = "progress-updated";
};

class UserProgressService {
 public:
  UserProgressService(dapr::DaprClient& dapr, Scheduler& scheduler, metrics::Registry& registry,
                      UserProgressConfig config = {});
  void register_routes(services::Router& router);

  static std::string progress_key(const std::string& user_id) { return "progress-" + user_id; }
  // The Dapr subscription routes (also used by deploy/'s declarative Subscription files).
  static constexpr const char* lesson_route = "/events/lesson-generated";
  static constexpr const char* progress_route = "/events/progress-updated";

 private:
  boost::asio::awaitable<http::Response> subscribe(const http::Request& request);
  boost::asio::awaitable<http::Response> on_lesson_generated(const http::Request& request);
  boost::asio::awaitable<http::Response> on_progress_updated(const http::Request& request);
  boost::asio::awaitable<http::Response> update_progress(const http::Request& request);
  boost::asio::awaitable<http::Response> status(const http::Request& request);

  http::Response delivery_answer(const std::string& topic, const char* outcome);
  // One delivery: read the CloudEvent, parse its data, apply it to the learner's document by
  // event id (a redelivery changes nothing), answer SUCCESS, RETRY (store failed) or DROP
  // (malformed). Function pointers, not lambdas: see the g++ 12 note in docs/services.md.
  template <typename Event>
  boost::asio::awaitable<http::Response> deliver(const http::Request& request, const std::string& topic,
                                                 Expected<Event, services::FieldError> (*parse)(const Json&),
                                                 bool (*apply)(Json&, const Event&));

  dapr::DaprClient& dapr_;
  const Clock& clock_;
  UserProgressConfig config_;
  // One document per learner, changed by its events and its progress requests at once.
  services::StateDocuments documents_;
  metrics::CounterFamily& events_;
  metrics::CounterFamily& updates_;
  log::Logger log_{"learnflow.user-progress"};
};

}  // namespace lf::progress
