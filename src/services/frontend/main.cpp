// learnflow-frontend: the web UI and its API (see frontend_service.hpp).
#include "services/common/service_runner.hpp"
#include "services/frontend/frontend_service.hpp"

namespace {

class FrontendProcess final : public lf::services::Service {
 public:
  explicit FrontendProcess(lf::services::ServiceContext& context)
      : service_(context.dapr, lf::frontend::embedded_web_files()) {}
  void register_routes(lf::services::Router& router) override { service_.register_routes(router); }

 private:
  lf::frontend::FrontendService service_;
};

}  // namespace

int main(int argc, char** argv) {
  return lf::services::run_service(argc, argv, "learnflow-frontend", "LearnFlow web frontend", 8000,
                                   [](lf::services::ServiceContext& context) {
                                     return std::make_unique<FrontendProcess>(context);
                                   },
                                   /*token_protected=*/false);
}
