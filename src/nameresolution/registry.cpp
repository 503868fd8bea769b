#include "nameresolution/registry.hpp"

#include <algorithm>

#include "state/sqlite_db.hpp"

namespace lf::nameresolution {

Status InMemoryRegistry::upsert(const std::string& registration_id, const Registration& registration,
                                std::int64_t now_unix) {
  std::lock_guard lock(mutex_);
  const std::string address = registration.address.to_string();
  std::erase_if(rows_, [&](const auto& entry) { return entry.second.registration.address.to_string() == address; });
  rows_[registration_id] = Row{registration, now_unix};
  return {};
}

Result<bool> InMemoryRegistry::heartbeat(const std::string& registration_id, std::int64_t now_unix) {
  std::lock_guard lock(mutex_);
  auto found = rows_.find(registration_id);
  if (found == rows_.end()) return false;
  found->second.last_update = now_unix;
  return true;
}

Status InMemoryRegistry::remove(const std::string& registration_id) {
  std::lock_guard lock(mutex_);
  rows_.erase(registration_id);
  return {};
}

Result<std::vector<std::string>> InMemoryRegistry::live_addresses(const std::string& app_id,
                                                                  const std::string& app_namespace,
                                                                  std::int64_t min_last_update) {
  std::lock_guard lock(mutex_);
  std::vector<std::string> addresses;
  for (const auto& [id, row] : rows_)
    if (row.registration.app_id == app_id && row.registration.app_namespace == app_namespace &&
        row.last_update >= min_last_update)
      addresses.push_back(row.registration.address.to_string());
  std::sort(addresses.begin(), addresses.end());
  return addresses;
}

Result<long long> InMemoryRegistry::remove_stale(std::int64_t older_than) {
  std::lock_guard lock(mutex_);
  return static_cast<long long>(std::erase_if(rows_, [&](const auto& entry) { return entry.second.last_update < older_than; }));
}

std::size_t InMemoryRegistry::size() const {
  std::lock_guard lock(mutex_);
  return rows_.size();
}

struct SqliteRegistry::Impl {
  std::mutex mutex;
  sqlite::Database db;
  std::string upsert, heartbeat, remove, live, stale;

  Impl(sqlite::Database database, const std::string& table) : db(std::move(database)) {
    upsert = "INSERT INTO " + table +
             " (registration_id, address, app_id, namespace, last_update) VALUES (?, ?, ?, ?, ?)"
             " ON CONFLICT (address) DO UPDATE SET registration_id = excluded.registration_id,"
             " app_id = excluded.app_id, namespace = excluded.namespace, last_update = excluded.last_update";
    heartbeat = "UPDATE " + table + " SET last_update = ? WHERE registration_id = ?";
    remove = "DELETE FROM " + table + " WHERE registration_id = ?";
    live = "SELECT address FROM " + table +
           " WHERE app_id = ? AND namespace = ? AND last_update >= ? ORDER BY address";
    stale = "DELETE FROM " + table + " WHERE last_update < ?";
  }
};

SqliteRegistry::SqliteRegistry(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
SqliteRegistry::~SqliteRegistry() = default;

Result<std::shared_ptr<SqliteRegistry>> SqliteRegistry::open(const SqliteRegistryOptions& options) {
  if (!sqlite::valid_table_name(options.table_name) || !sqlite::valid_table_name(options.metadata_table_name))
    return fail("nameresolution.sqlite: table name '" + options.table_name + "' is invalid; use letters, digits and '_'");
  auto db = sqlite::Database::open(options.connection_string, {options.busy_timeout, !options.disable_wal});
  if (!db) return fail("nameresolution.sqlite: " + db.error().message);
  const std::string& table = options.table_name;
  auto transaction = sqlite::Transaction::begin(*db);
  if (!transaction) return fail("nameresolution.sqlite: " + transaction.error().message);
  auto created = db->exec_script(
      "CREATE TABLE IF NOT EXISTS " + options.metadata_table_name +
      " (key TEXT NOT NULL PRIMARY KEY, value TEXT NOT NULL);"
      "CREATE TABLE IF NOT EXISTS " + table +
      " (registration_id TEXT NOT NULL PRIMARY KEY, address TEXT NOT NULL, app_id TEXT NOT NULL,"
      " namespace TEXT NOT NULL, last_update INTEGER NOT NULL, UNIQUE (address));"
      "CREATE INDEX IF NOT EXISTS " + table + "_app_id_idx ON " + table + " (app_id, namespace);"
      "INSERT OR IGNORE INTO " + options.metadata_table_name + " (key, value) VALUES ('migrations', '1');");
  if (!created) return fail("nameresolution.sqlite: could not create tables: " + created.error().message);
  if (auto committed = transaction->commit(); !committed)
    return fail("nameresolution.sqlite: " + committed.error().message);
  return std::shared_ptr<SqliteRegistry>(new SqliteRegistry(std::make_unique<Impl>(std::move(*db), table)));
}

Status SqliteRegistry::upsert(const std::string& registration_id, const Registration& registration,
                              std::int64_t now_unix) {
  std::lock_guard lock(impl_->mutex);
  auto done = impl_->db.execute(impl_->upsert, {registration_id, registration.address.to_string(), registration.app_id,
                                                registration.app_namespace, static_cast<long long>(now_unix)});
  if (!done) return unexpected(done.error());
  return {};
}

Result<bool> SqliteRegistry::heartbeat(const std::string& registration_id, std::int64_t now_unix) {
  std::lock_guard lock(impl_->mutex);
  auto changed = impl_->db.execute(impl_->heartbeat, {static_cast<long long>(now_unix), registration_id});
  if (!changed) return unexpected(changed.error());
  return *changed > 0;
}

Status SqliteRegistry::remove(const std::string& registration_id) {
  std::lock_guard lock(impl_->mutex);
  auto done = impl_->db.execute(impl_->remove, {registration_id});
  if (!done) return unexpected(done.error());
  return {};
}

Result<std::vector<std::string>> SqliteRegistry::live_addresses(const std::string& app_id,
                                                                const std::string& app_namespace,
                                                                std::int64_t min_last_update) {
  std::lock_guard lock(impl_->mutex);
  auto rows = impl_->db.query(impl_->live, {app_id, app_namespace, static_cast<long long>(min_last_update)});
  if (!rows) return unexpected(rows.error());
  std::vector<std::string> addresses;
  addresses.reserve(rows->size());
  for (auto& row : *rows) addresses.push_back(std::move(row[0]).value_or(""));
  return addresses;
}

Result<long long> SqliteRegistry::remove_stale(std::int64_t older_than) {
  std::lock_guard lock(impl_->mutex);
  return impl_->db.execute(impl_->stale, {static_cast<long long>(older_than)});
}

}  // namespace lf::nameresolution
