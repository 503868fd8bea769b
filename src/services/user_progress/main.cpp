// user-progress: tracks lessons and exercise progress per learner (see user_progress_service.hpp).
#include "services/common/service_runner.hpp"
#include "services/user_progress/user_progress_service.hpp"

namespace {

class UserProgressProcess final : public lf::services::Service {
 public:
  explicit UserProgressProcess(lf::services::ServiceContext& context)
      : service_(context.dapr, context.scheduler, context.registry) {}
  void register_routes(lf::services::Router& router) override { service_.register_routes(router); }

 private:
  lf::progress::UserProgressService service_;
};

}  // namespace

int main(int argc, char** argv) {
  return lf::services::run_service(argc, argv, "user-progress", "LearnFlow user progress", 8002,
                                   [](lf::services::ServiceContext& context) {
                                     return std::make_unique<UserProgressProcess>(context);
                                   });
}
