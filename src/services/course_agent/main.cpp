// course-agent: generates Python lessons from the built-in curriculum (see course_agent_service.hpp).
#include "services/common/service_runner.hpp"
#include "services/course_agent/course_agent_service.hpp"

namespace {

class CourseAgentProcess final : public lf::services::Service {
 public:
  explicit CourseAgentProcess(lf::services::ServiceContext& context)
      : service_(context.dapr, context.scheduler, context.io.get_executor(), context.registry,
                 lf::course::Curriculum::embedded(), lf::course::CourseAgentConfig{.instance_id = context.instance_id}) {}
  void register_routes(lf::services::Router& router) override { service_.register_routes(router); }
  boost::asio::awaitable<void> start() override { co_await service_.start(); }
  boost::asio::awaitable<void> stop() override { co_await service_.stop(); }

 private:
  lf::course::CourseAgentService service_;
};

}  // namespace

int main(int argc, char** argv) {
  return lf::services::run_service(argc, argv, "course-agent", "LearnFlow course agent: Python lessons", 8001,
                                   [](lf::services::ServiceContext& context) {
                                     return std::make_unique<CourseAgentProcess>(context);
                                   });
}
