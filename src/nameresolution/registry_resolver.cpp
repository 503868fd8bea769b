#include "nameresolution/registry_resolver.hpp"

#include <algorithm>
#include <optional>

#include "core/duration.hpp"
#include "core/uuid.hpp"
#include "log/log.hpp"
#include "state/store_util.hpp"

namespace lf::nameresolution {

namespace {

std::int64_t unix_seconds(WallTime time) {
  return std::chrono::duration_cast<std::chrono::seconds>(time.time_since_epoch()).count();
}

std::int64_t whole_seconds_up(Duration d) {
  return std::chrono::duration_cast<std::chrono::seconds>(d + std::chrono::seconds(1) - Duration(1)).count();
}

const log::Logger& logger() {
  static const log::Logger instance("dapr.contrib");
  return instance;
}

struct CacheEntry {
  std::vector<Address> addresses;
  SteadyTime fetched_at{};
  bool fetched = false;
  std::size_t next = 0;
};

}  // namespace

struct RegistryResolver::Core : std::enable_shared_from_this<Core> {
  Core(std::shared_ptr<Registry> registry_in, Scheduler& scheduler_in, ResolverOptions options_in,
       BlockingRunner runner_in)
      : registry(std::move(registry_in)), scheduler(scheduler_in), options(options_in), run_blocking(std::move(runner_in)) {
    if (!run_blocking) run_blocking = [](std::function<void()> work) { work(); };
  }

  std::shared_ptr<Registry> registry;
  Scheduler& scheduler;
  ResolverOptions options;
  BlockingRunner run_blocking;

  // Registration state; also serialises this resolver's writes to the registry.
  std::mutex registration_mutex;
  std::optional<Registration> registration;
  std::string registration_id;
  std::optional<Scheduler::TimerId> timer;
  // Bumped by every (de)registration: a heartbeat already on its way for an older one (timer
  // fired, work queued on the runner) must neither write nor start a second timer chain.
  std::uint64_t generation = 0;
  std::int64_t last_cleanup = 0;

  // Guards the lookup side only, so resolve() never waits behind a heartbeat's write.
  std::mutex cache_mutex;
  std::string own_namespace;
  std::map<std::string, CacheEntry> cache;  // "<namespace>/<app id>"
  std::map<std::string, SteadyTime> quarantined;  // "<namespace>/<app id>/<address>" → until

  std::int64_t now_unix() const { return unix_seconds(scheduler.wall_now()); }

  void schedule_heartbeat_locked() {
    std::weak_ptr<Core> weak = weak_from_this();
    timer = scheduler.schedule_after(options.update_interval, [weak, for_generation = generation] {
      auto self = weak.lock();
      if (!self) return;
      self->run_blocking([weak, for_generation] {
        if (auto core = weak.lock()) core->heartbeat(for_generation);
      });
    });
  }

  void heartbeat(std::uint64_t for_generation) {
    std::lock_guard lock(registration_mutex);
    if (for_generation != generation || !registration) return;
    timer.reset();
    const std::int64_t now = now_unix();
    auto refreshed = registry->heartbeat(registration_id, now);
    if (!refreshed) {
      logger().warn("Failed to refresh the name-resolution registration: " + refreshed.error().message,
                    {{"app_id", registration->app_id}});
    } else if (!*refreshed) {
      // Our row was cleaned up as stale (e.g. the machine slept) or taken over: announce again.
      if (auto again = registry->upsert(registration_id, *registration, now); !again)
        logger().warn("Failed to re-register in the name-resolution database: " + again.error().message);
    }
    if (now - last_cleanup >= whole_seconds_up(options.cleanup_interval)) {
      last_cleanup = now;
      (void)registry->remove_stale(now - whole_seconds_up(options.stale_after));
    }
    schedule_heartbeat_locked();
  }

  Status deregister() {
    std::lock_guard lock(registration_mutex);
    ++generation;
    if (timer) scheduler.cancel(*timer);
    timer.reset();
    if (!registration) return {};
    registration.reset();
    return registry->remove(registration_id);
  }
};

RegistryResolver::RegistryResolver(std::shared_ptr<Registry> registry, Scheduler& scheduler, ResolverOptions options,
                                   BlockingRunner run_blocking)
    : core_(std::make_shared<Core>(std::move(registry), scheduler, options, std::move(run_blocking))) {}

RegistryResolver::~RegistryResolver() {
  if (auto removed = core_->deregister(); !removed)
    logger().warn("Failed to deregister from the name-resolution database: " + removed.error().message);
}

Status RegistryResolver::register_self(const Registration& registration) {
  std::lock_guard lock(core_->registration_mutex);
  ++core_->generation;
  if (core_->registration) {
    if (core_->timer) core_->scheduler.cancel(*core_->timer);
    core_->timer.reset();
    (void)core_->registry->remove(core_->registration_id);
  }
  core_->registration_id = uuid_v4();
  const std::int64_t now = core_->now_unix();
  if (auto stored = core_->registry->upsert(core_->registration_id, registration, now); !stored)
    return fail("could not register app id '" + registration.app_id + "' for name resolution: " +
                stored.error().message);
  core_->registration = registration;
  core_->last_cleanup = now;
  {
    std::lock_guard cache_lock(core_->cache_mutex);
    core_->own_namespace = registration.app_namespace;
  }
  core_->schedule_heartbeat_locked();
  logger().info("Registered app id '" + registration.app_id + "' at " + registration.address.to_string() +
                " for name resolution");
  return {};
}

Status RegistryResolver::deregister() { return core_->deregister(); }

Result<Address> RegistryResolver::resolve(const std::string& app_id) { return resolve(app_id, own_namespace()); }

std::string RegistryResolver::own_namespace() const {
  std::lock_guard lock(core_->cache_mutex);
  return core_->own_namespace;
}

Result<Address> RegistryResolver::resolve(const std::string& app_id, const std::string& app_namespace) {
  const std::string cache_key = app_namespace + "/" + app_id;
  std::lock_guard lock(core_->cache_mutex);
  const SteadyTime now = core_->scheduler.now();
  CacheEntry& entry = core_->cache[cache_key];
  if (!entry.fetched || now - entry.fetched_at >= core_->options.cache_ttl) {
    auto live = core_->registry->live_addresses(app_id, app_namespace,
                                                core_->now_unix() - whole_seconds_up(core_->options.stale_after));
    if (!live) return fail("failed to look up app id " + app_id + ": " + live.error().message);
    entry.addresses.clear();
    for (const auto& text : *live)
      if (auto address = Address::parse(text)) entry.addresses.push_back(std::move(*address));
    entry.fetched_at = now;
    entry.fetched = true;
  }
  if (entry.addresses.empty()) return fail("couldn't find service: " + app_id);
  // Nothing quarantined (the usual case): plain round robin, without building keys per address.
  if (core_->quarantined.empty()) return entry.addresses[entry.next++ % entry.addresses.size()];
  std::vector<const Address*> candidates;
  for (const auto& address : entry.addresses) {
    auto until = core_->quarantined.find(cache_key + "/" + address.to_string());
    if (until == core_->quarantined.end()) {
      candidates.push_back(&address);
    } else if (now >= until->second) {
      core_->quarantined.erase(until);
      candidates.push_back(&address);
    }
  }
  // Every instance quarantined: try them all rather than none.
  if (candidates.empty())
    for (const auto& address : entry.addresses) candidates.push_back(&address);
  return *candidates[entry.next++ % candidates.size()];
}

void RegistryResolver::invalidate(const std::string& app_id, const Address& address) {
  std::lock_guard lock(core_->cache_mutex);
  core_->quarantined[core_->own_namespace + "/" + app_id + "/" + address.to_string()] =
      core_->scheduler.now() + core_->options.quarantine;
}

Result<std::vector<Address>> RegistryResolver::live_addresses(const std::string& app_id,
                                                              const std::string& app_namespace) {
  auto live = core_->registry->live_addresses(app_id, app_namespace,
                                              core_->now_unix() - whole_seconds_up(core_->options.stale_after));
  if (!live) return unexpected(live.error());
  std::vector<Address> addresses;
  for (const auto& text : *live)
    if (auto address = Address::parse(text)) addresses.push_back(std::move(*address));
  return addresses;
}

Result<std::unique_ptr<RegistryResolver>> make_sqlite_resolver(const std::map<std::string, std::string>& metadata,
                                                               Scheduler& scheduler, BlockingRunner run_blocking) {
  SqliteRegistryOptions registry_options;
  registry_options.connection_string = state::metadata_or(metadata, "connectionString", "");
  if (registry_options.connection_string.empty())
    return fail("nameresolution.sqlite: 'connectionString' is required: the path of a database file every sidecar shares");
  registry_options.table_name = state::metadata_or(metadata, "tableName", registry_options.table_name);
  registry_options.metadata_table_name =
      state::metadata_or(metadata, "metadataTableName", registry_options.metadata_table_name);
  auto busy = state::metadata_duration(metadata, "busyTimeout", registry_options.busy_timeout);
  if (!busy) return fail("nameresolution.sqlite: " + busy.error().message);
  registry_options.busy_timeout = *busy;
  // Dapr's `timeout` (bare integers are seconds) bounds database operations; ours are local
  // SQLite calls bounded by busyTimeout, so it only takes part in the updateInterval check.
  auto timeout = state::metadata_timeout(metadata, "timeout", std::chrono::seconds(1));
  if (!timeout || *timeout < std::chrono::seconds(1))
    return fail("nameresolution.sqlite: 'timeout' must be a duration of at least 1s");
  auto disable_wal = state::metadata_bool(metadata, "disableWAL", false);
  if (!disable_wal) return fail("nameresolution.sqlite: " + disable_wal.error().message);
  registry_options.disable_wal = *disable_wal;

  ResolverOptions options;
  auto update = state::metadata_duration(metadata, "updateInterval", options.update_interval);
  if (!update || *update < *timeout + std::chrono::seconds(1))
    return fail("nameresolution.sqlite: 'updateInterval' must be a duration at least 1s longer than 'timeout' (" +
                format_go_duration(*timeout) + ")");
  options.update_interval = *update;
  options.stale_after = 3 * options.update_interval;
  auto cleanup = state::metadata_duration(metadata, "cleanupInterval", options.cleanup_interval);
  if (!cleanup) return fail("nameresolution.sqlite: " + cleanup.error().message);
  options.cleanup_interval = *cleanup;

  auto registry = SqliteRegistry::open(registry_options);
  if (!registry) return unexpected(registry.error());
  return std::make_unique<RegistryResolver>(std::move(*registry), scheduler, options, std::move(run_blocking));
}

}  // namespace lf::nameresolution
