#pragma once
// Binds the sidecar to Dapr's self-hosted name resolution. The Configuration's
// `nameResolution: {component: sqlite, configuration: {...}}` selects the SQLite registry; with
// none (Dapr would use mDNS, which this machine lacks) the same registry is used at a default
// file shared by every sidecar of the user, so sidecars started by hand find each other.
#include <memory>
#include <string>

#include "core/expected.hpp"
#include "resources/configuration.hpp"
#include "sidecar/context.hpp"

namespace lf::sidecar {

class NameResolutionBinding {
 public:
  virtual ~NameResolutionBinding() = default;
  // Leaves the registry (clean shutdown).
  virtual void stop() = 0;
};

// Registers this sidecar's internal port and sets ctx.resolve / ctx.forget_address.
Expected<std::unique_ptr<NameResolutionBinding>, std::string> start_name_resolution(
    SidecarContext& ctx, const resources::NameResolution& config, std::uint16_t internal_port);

// The registry file used when the Configuration names none: $LEARNFLOW_NAME_RESOLUTION_DB, else
// /tmp/learnflow-nameresolution-<uid>.db.
std::string default_registry_path();

}  // namespace lf::sidecar
