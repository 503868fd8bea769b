#pragma once
// course-agent: POST /generate-lesson, GET /lessons?user_id=, GET /lessons/{id}, GET /curriculum.
// A lesson is saved in the state store, announced on `lesson-generated` (through the outbox when
// the broker is down) and returned to the caller.
#include <atomic>
#include <memory>
#include <string>

#include <boost/asio/any_io_executor.hpp>

#include "core/clock.hpp"
#include "dapr_client/dapr_client.hpp"
#include "metrics/metrics.hpp"
#include "services/common/router.hpp"
#include "services/common/state_document.hpp"
#include "services/course_agent/curriculum.hpp"
#include "services/course_agent/outbox.hpp"
#include "services/course_agent/outbox_adoption.hpp"

namespace lf::course {

struct CourseAgentConfig {
  std::string store = "statestore";
  std::string pubsub = "pubsub";
  std::string topic = "lesson-generated";
  std::string instance_id = "course-agent";
  // Newest lessons kept in a user's lesson list.
  std::size_t max_lessons_per_user = 200;
};

class CourseAgentService {
 public:
  CourseAgentService(dapr::DaprClient& dapr, Scheduler& scheduler, boost::asio::any_io_executor executor,
                     metrics::Registry& registry, const Curriculum& curriculum, CourseAgentConfig config);

  void register_routes(services::Router& router);
  // Recovers this instance's outbox and starts heartbeating / adopting orphaned outboxes.
  boost::asio::awaitable<void> start();
  // SIGTERM: flush the outbox state and leave the outbox registry when nothing is queued.
  boost::asio::awaitable<void> stop();

  Outbox& outbox() { return outbox_; }
  OutboxAdopter& adopter() { return adopter_; }

  static std::string lesson_key(const std::string& lesson_id) { return "lesson-" + lesson_id; }
  static std::string user_lessons_key(const std::string& user_id) { return "user-lessons-" + user_id; }

 private:
  boost::asio::awaitable<http::Response> generate_lesson(const http::Request& request);
  boost::asio::awaitable<http::Response> list_lessons(const http::Request& request);
  boost::asio::awaitable<http::Response> get_lesson(const http::Request& request);

  dapr::DaprClient& dapr_;
  Scheduler& scheduler_;
  const Curriculum& curriculum_;
  CourseAgentConfig config_;
  services::StateDocuments documents_;  // users' lesson lists, written by many requests at once
  metrics::CounterFamily& lessons_generated_;
  Outbox outbox_;
  OutboxAdopter adopter_;
};

}  // namespace lf::course
