#pragma once
// Dapr's self-hosted SQLite name-resolution design (reference §4) over a Registry:
// - register_self() writes <app_id> -> <host:port> and heartbeats every update_interval on the
//   given Scheduler (never on the HTTP thread: pass a background scheduler, or a BlockingRunner
//   that moves the SQLite write to a worker); deregister() (also on destruction) deletes the row.
// - Rows not refreshed within stale_after are ignored, and deleted every cleanup_interval.
// - resolve() balances ROUND ROBIN over the live addresses (Dapr's sqlite resolver picks a random
//   row; its mDNS resolver round-robins, which is what LearnFlow's issue asks for). Lookups are
//   cached for cache_ttl so the request path touches SQLite at most once per app id per period.
// - invalidate() keeps an address that refused a connection out of rotation for `quarantine`
//   (unless it is the only one left: trying it beats failing outright).
// The Scheduler must outlive the resolver.
#include <functional>
#include <map>
#include <memory>

#include "core/clock.hpp"
#include "nameresolution/registry.hpp"
#include "nameresolution/resolver.hpp"

namespace lf::nameresolution {

struct ResolverOptions {
  Duration update_interval = std::chrono::seconds(5);
  Duration stale_after = std::chrono::seconds(15);  // two missed heartbeats are tolerated
  Duration cleanup_interval = std::chrono::hours(1);
  Duration cache_ttl = std::chrono::seconds(1);
  Duration quarantine = std::chrono::seconds(5);
};

// Runs blocking registry work somewhere; empty: inline on the scheduler's thread.
using BlockingRunner = std::function<void(std::function<void()>)>;

class RegistryResolver final : public NameResolver {
 public:
  RegistryResolver(std::shared_ptr<Registry> registry, Scheduler& scheduler, ResolverOptions options = {},
                   BlockingRunner run_blocking = {});
  ~RegistryResolver() override;
  RegistryResolver(const RegistryResolver&) = delete;
  RegistryResolver& operator=(const RegistryResolver&) = delete;

  Status register_self(const Registration& registration) override;
  Status deregister() override;
  Result<Address> resolve(const std::string& app_id) override;
  Result<Address> resolve(const std::string& app_id, const std::string& app_namespace);
  void invalidate(const std::string& app_id, const Address& address) override;

  // Every live address of app_id right now, bypassing the cache (metadata, diagnostics).
  Result<std::vector<Address>> live_addresses(const std::string& app_id, const std::string& app_namespace = "");

 private:
  struct Core;
  std::string own_namespace() const;
  std::shared_ptr<Core> core_;
};

// nameresolution.sqlite from the Configuration's nameResolution.configuration map:
// connectionString (required), tableName (hosts), metadataTableName (metadata), updateInterval
// (5s, at least timeout + 1s; rows are stale after 3 × updateInterval), cleanupInterval (1h),
// timeout (1s), busyTimeout (800ms), disableWAL.
Result<std::unique_ptr<RegistryResolver>> make_sqlite_resolver(const std::map<std::string, std::string>& metadata,
                                                               Scheduler& scheduler, BlockingRunner run_blocking = {});

}  // namespace lf::nameresolution
