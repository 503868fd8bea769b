#pragma once
// Where registrations live. SqliteRegistry is Dapr's nameresolution.sqlite design (a shared
// database file on the machine); InMemoryRegistry is the same contract in memory, shareable
// between resolvers in one unit test. Times are Unix seconds (the `last_update` column).
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "nameresolution/resolver.hpp"

namespace lf::nameresolution {

class Registry {
 public:
  virtual ~Registry() = default;
  // Inserts, or takes over the row of the same address (a restarted instance on its old port).
  virtual Status upsert(const std::string& registration_id, const Registration& registration,
                        std::int64_t now_unix) = 0;
  // Refreshes last_update; false when the row is gone (cleaned up or taken over).
  virtual Result<bool> heartbeat(const std::string& registration_id, std::int64_t now_unix) = 0;
  virtual Status remove(const std::string& registration_id) = 0;
  // Addresses ("host:port") of app_id in app_namespace updated at or after min_last_update, sorted.
  virtual Result<std::vector<std::string>> live_addresses(const std::string& app_id, const std::string& app_namespace,
                                                          std::int64_t min_last_update) = 0;
  // Deletes rows last updated before older_than; returns how many.
  virtual Result<long long> remove_stale(std::int64_t older_than) = 0;
};

class InMemoryRegistry final : public Registry {
 public:
  Status upsert(const std::string& registration_id, const Registration& registration, std::int64_t now_unix) override;
  Result<bool> heartbeat(const std::string& registration_id, std::int64_t now_unix) override;
  Status remove(const std::string& registration_id) override;
  Result<std::vector<std::string>> live_addresses(const std::string& app_id, const std::string& app_namespace,
                                                  std::int64_t min_last_update) override;
  Result<long long> remove_stale(std::int64_t older_than) override;
  std::size_t size() const;

 private:
  struct Row {
    Registration registration;
    std::int64_t last_update = 0;
  };
  mutable std::mutex mutex_;
  std::map<std::string, Row> rows_;  // by registration id
};

struct SqliteRegistryOptions {
  std::string connection_string;  // a file path shared by every sidecar on the machine
  std::string table_name = "hosts";
  std::string metadata_table_name = "metadata";
  Duration busy_timeout = std::chrono::milliseconds(800);
  bool disable_wal = false;
};

// Table: <table>(registration_id TEXT NOT NULL PRIMARY KEY, address TEXT NOT NULL UNIQUE,
//                app_id TEXT NOT NULL, namespace TEXT NOT NULL, last_update INTEGER NOT NULL)
// with an index on (app_id, namespace), plus the metadata table (key, value).
class SqliteRegistry final : public Registry {
 public:
  static Result<std::shared_ptr<SqliteRegistry>> open(const SqliteRegistryOptions& options);

  Status upsert(const std::string& registration_id, const Registration& registration, std::int64_t now_unix) override;
  Result<bool> heartbeat(const std::string& registration_id, std::int64_t now_unix) override;
  Status remove(const std::string& registration_id) override;
  Result<std::vector<std::string>> live_addresses(const std::string& app_id, const std::string& app_namespace,
                                                  std::int64_t min_last_update) override;
  Result<long long> remove_stale(std::int64_t older_than) override;

 private:
  struct Impl;
  explicit SqliteRegistry(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;

 public:
  ~SqliteRegistry() override;
};

}  // namespace lf::nameresolution
