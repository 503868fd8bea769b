#include "sidecar/name_resolution.hpp"

#include <unistd.h>

#include <cstdlib>

#include "core/asio_scheduler.hpp"
#include "nameresolution/registry_resolver.hpp"

namespace lf::sidecar {

namespace {

class RegistryBinding final : public NameResolutionBinding {
 public:
  RegistryBinding(std::unique_ptr<AsioScheduler> scheduler, std::unique_ptr<nameresolution::RegistryResolver> resolver)
      : scheduler_(std::move(scheduler)), resolver_(std::move(resolver)) {}
  ~RegistryBinding() override { stop(); }
  void stop() override {
    if (stopped_) return;
    stopped_ = true;
    (void)resolver_->deregister();
  }
  nameresolution::RegistryResolver& resolver() { return *resolver_; }

 private:
  std::unique_ptr<AsioScheduler> scheduler_;  // declared first: the resolver's timers use it
  std::unique_ptr<nameresolution::RegistryResolver> resolver_;
  bool stopped_ = false;
};

}  // namespace

std::string default_registry_path() {
  if (const char* p = std::getenv("LEARNFLOW_NAME_RESOLUTION_DB"); p && *p) return p;
  return "/tmp/learnflow-nameresolution-" + std::to_string(getuid()) + ".db";
}

Expected<std::unique_ptr<NameResolutionBinding>, std::string> start_name_resolution(
    SidecarContext& ctx, const resources::NameResolution& config, std::uint16_t internal_port) {
  std::map<std::string, std::string> metadata;
  if (config.component == "sqlite") {
    metadata = config.configuration;
  } else {
    if (config.component != "mdns")
      ctx.log.warn("name resolution component " + config.component + " is not supported; using the SQLite registry");
    metadata["connectionString"] = default_registry_path();
  }
  auto scheduler = std::make_unique<AsioScheduler>(ctx.io.get_executor());
  WorkerPool& workers = ctx.workers;
  auto resolver = nameresolution::make_sqlite_resolver(metadata, *scheduler,
                                                       [&workers](std::function<void()> job) { workers.submit(std::move(job)); });
  if (!resolver) return unexpected(resolver.error().message);
  nameresolution::Registration self{ctx.options.app_id, ctx.options.namespace_name,
                                    nameresolution::Address{"127.0.0.1", internal_port}};
  if (auto s = (*resolver)->register_self(self); !s) return unexpected("cannot register in the name-resolution registry: " + s.error().message);
  auto binding = std::make_unique<RegistryBinding>(std::move(scheduler), std::move(*resolver));
  auto* r = &binding->resolver();
  ctx.resolve = [r](const std::string& app_id) -> Result<std::string> {
    auto a = r->resolve(app_id);
    if (!a) return fail(a.error().message);
    return a->to_string();
  };
  ctx.forget_address = [r](const std::string& app_id, const std::string& address) {
    if (auto a = nameresolution::Address::parse(address)) r->invalidate(app_id, *a);
  };
  ctx.log.info("local service entry announced: " + ctx.options.app_id + " -> 127.0.0.1:" + std::to_string(internal_port));
  return std::unique_ptr<NameResolutionBinding>(std::move(binding));
}

}  // namespace lf::sidecar
