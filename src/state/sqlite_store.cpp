#include "state/sqlite_store.hpp"

#include <ctime>

#include "core/uuid.hpp"

namespace lf::state {

std::string sqlite_timestamp(WallTime time) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%d %H:%M:%S", &utc);
  return buffer;
}

Result<SqliteStoreOptions> parse_sqlite_options(const std::map<std::string, std::string>& metadata) {
  SqliteStoreOptions options;
  options.connection_string = metadata_or(metadata, "connectionString", "");
  if (options.connection_string.empty())
    return fail("state.sqlite: metadata 'connectionString' is required (a file path, a file: URI or :memory:)");
  options.table_name = metadata_or(metadata, "tableName", options.table_name);
  options.metadata_table_name = metadata_or(metadata, "metadataTableName", options.metadata_table_name);
  for (const auto* name : {&options.table_name, &options.metadata_table_name})
    if (!sqlite::valid_table_name(*name))
      return fail("state.sqlite: table name '" + *name + "' is invalid; use letters, digits and '_'");
  auto busy = metadata_duration(metadata, "busyTimeout", options.busy_timeout);
  if (!busy) return fail("state.sqlite: " + busy.error().message);
  options.busy_timeout = *busy;
  auto disable_wal = metadata_bool(metadata, "disableWAL", false);
  if (!disable_wal) return fail("state.sqlite: " + disable_wal.error().message);
  options.disable_wal = *disable_wal;
  auto cleanup = metadata_duration(metadata, "cleanupInterval", options.cleanup_interval);
  if (!cleanup) return fail("state.sqlite: " + cleanup.error().message);
  options.cleanup_interval = *cleanup;
  return options;
}

// SQL text built once per store (table names are validated, then interpolated).
struct SqliteStateStore::Queries {
  std::string get, upsert, insert_first_write, update_with_etag, delete_key, delete_with_etag, delete_expired;
  explicit Queries(const std::string& table) {
    const std::string live = "(expiration_time IS NULL OR expiration_time > ?)";
    get = "SELECT value, is_binary, etag FROM " + table + " WHERE key = ? AND " + live;
    const std::string insert = "INSERT INTO " + table +
                               " (key, value, is_binary, etag, expiration_time, update_time) VALUES (?, ?, ?, ?, ?, ?)"
                               " ON CONFLICT (key) DO UPDATE SET value = excluded.value, is_binary = excluded.is_binary,"
                               " etag = excluded.etag, expiration_time = excluded.expiration_time,"
                               " update_time = excluded.update_time";
    upsert = insert;
    // First-write without an etag may only replace a row that has expired but is not yet cleaned up.
    insert_first_write = insert + " WHERE " + table + ".expiration_time IS NOT NULL AND " + table +
                         ".expiration_time <= ?";
    update_with_etag = "UPDATE " + table +
                       " SET value = ?, is_binary = ?, etag = ?, expiration_time = ?, update_time = ?"
                       " WHERE key = ? AND etag = ? AND " + live;
    delete_key = "DELETE FROM " + table + " WHERE key = ?";
    delete_with_etag = "DELETE FROM " + table + " WHERE key = ? AND etag = ?";
    delete_expired = "DELETE FROM " + table + " WHERE expiration_time IS NOT NULL AND expiration_time <= ?";
  }
};

namespace {

Unexpected<StateError> internal_error(const Error& error) { return state_error(StateErrorKind::internal, error.message); }

}  // namespace

SqliteStateStore::SqliteStateStore(SqliteStoreOptions options, sqlite::Database db, const Clock& clock)
    : options_(std::move(options)), clock_(clock), db_(std::move(db)),
      queries_(std::make_unique<Queries>(options_.table_name)) {}

SqliteStateStore::~SqliteStateStore() { cleanup_.reset(); }

Result<std::unique_ptr<SqliteStateStore>> SqliteStateStore::open(SqliteStoreOptions options, const Clock& clock) {
  if (!sqlite::valid_table_name(options.table_name) || !sqlite::valid_table_name(options.metadata_table_name))
    return fail("state.sqlite: invalid table name '" + options.table_name + "'");
  auto db = sqlite::Database::open(options.connection_string, {options.busy_timeout, !options.disable_wal});
  if (!db) return fail("state.sqlite: " + db.error().message);
  std::unique_ptr<SqliteStateStore> store(new SqliteStateStore(std::move(options), std::move(*db), clock));
  if (auto created = store->create_schema(); !created) return fail("state.sqlite: " + created.error().message);
  if (store->options_.cleanup_interval > Duration::zero())
    store->cleanup_ = std::make_unique<PeriodicTask>(store->options_.cleanup_interval,
                                                     [raw = store.get()] { (void)raw->delete_expired(); });
  return store;
}

Status SqliteStateStore::create_schema() {
  std::lock_guard lock(mutex_);
  auto transaction = sqlite::Transaction::begin(db_);
  if (!transaction) return unexpected(transaction.error());
  const std::string& meta = options_.metadata_table_name;
  if (auto done = db_.exec_script("CREATE TABLE IF NOT EXISTS " + meta +
                                  " (key TEXT NOT NULL PRIMARY KEY, value TEXT NOT NULL);"
                                  "CREATE TABLE IF NOT EXISTS " + options_.table_name +
                                  " (key TEXT NOT NULL PRIMARY KEY, value TEXT NOT NULL, is_binary BOOLEAN NOT NULL,"
                                  " etag TEXT NOT NULL, expiration_time TIMESTAMP DEFAULT NULL,"
                                  " update_time TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP);");
      !done)
    return done;
  if (auto done = db_.execute("INSERT OR IGNORE INTO " + meta + " (key, value) VALUES ('migrations', '1')"); !done)
    return unexpected(done.error());
  return transaction->commit();
}

std::string SqliteStateStore::now_text() const { return sqlite_timestamp(clock_.wall_now()); }

StateResult<std::optional<Item>> SqliteStateStore::get(const std::string& key) {
  std::lock_guard lock(mutex_);
  auto rows = db_.query(queries_->get, {key, now_text()});
  if (!rows) return internal_error(rows.error());
  if (rows->empty()) return std::optional<Item>{};
  auto& row = rows->front();
  Item item;
  item.is_binary = row[1].value_or("0") != "0";
  item.etag = row[2].value_or("");
  if (item.is_binary) {
    auto decoded = base64_decode(row[0].value_or(""));
    if (!decoded) return state_error(StateErrorKind::internal, "stored binary value for key '" + key + "' is not base64");
    item.value = std::move(*decoded);
  } else {
    item.value = std::move(row[0]).value_or("");
  }
  return std::optional<Item>(std::move(item));
}

StateStatus SqliteStateStore::set_locked(const SetRequest& request, const std::string& now) {
  if (!request.is_binary && !is_json(request.value))
    return state_error(StateErrorKind::invalid_request, "value for key '" + request.key + "' is not JSON");
  const std::string value = request.is_binary ? base64_encode(request.value) : request.value;
  const long long binary = request.is_binary ? 1 : 0;
  const std::string etag = uuid_v4();
  sqlite::Value expiration = nullptr;
  if (request.ttl_seconds && *request.ttl_seconds > 0)
    expiration = sqlite_timestamp(clock_.wall_now() + std::chrono::seconds(*request.ttl_seconds));

  Result<long long> changed = 0LL;
  if (has_etag(request.etag)) {
    changed = db_.execute(queries_->update_with_etag,
                          {value, binary, etag, expiration, now, request.key, *request.etag, now});
  } else if (request.concurrency == Concurrency::first_write) {
    changed = db_.execute(queries_->insert_first_write, {request.key, value, binary, etag, expiration, now, now});
  } else {
    changed = db_.execute(queries_->upsert, {request.key, value, binary, etag, expiration, now});
  }
  if (!changed) return internal_error(changed.error());
  if (*changed == 0) {
    if (has_etag(request.etag))
      return state_error(StateErrorKind::etag_mismatch, "possible etag mismatch. error from state store: etag mismatch");
    return state_error(StateErrorKind::etag_mismatch,
                       "possible etag mismatch. error from state store: first-write: key '" + request.key +
                           "' already exists");
  }
  return {};
}

StateStatus SqliteStateStore::remove_locked(const DeleteRequest& request) {
  const bool conditional = has_etag(request.etag);
  auto changed = conditional ? db_.execute(queries_->delete_with_etag, {request.key, *request.etag})
                             : db_.execute(queries_->delete_key, {request.key});
  if (!changed) return internal_error(changed.error());
  if (conditional && *changed == 0)
    return state_error(StateErrorKind::etag_mismatch, "possible etag mismatch. error from state store: etag mismatch");
  return {};
}

StateStatus SqliteStateStore::set(const SetRequest& request) {
  std::lock_guard lock(mutex_);
  return set_locked(request, now_text());
}

StateStatus SqliteStateStore::remove(const DeleteRequest& request) {
  std::lock_guard lock(mutex_);
  return remove_locked(request);
}

StateStatus SqliteStateStore::transact(const std::vector<TransactionOperation>& operations) {
  std::lock_guard lock(mutex_);
  auto transaction = sqlite::Transaction::begin(db_);
  if (!transaction) return internal_error(transaction.error());
  const std::string now = now_text();
  for (const auto& operation : operations) {
    StateStatus done = std::holds_alternative<SetRequest>(operation)
                           ? set_locked(std::get<SetRequest>(operation), now)
                           : remove_locked(std::get<DeleteRequest>(operation));
    if (!done) return done;  // the transaction's destructor rolls back
  }
  if (auto committed = transaction->commit(); !committed) return internal_error(committed.error());
  return {};
}

Result<long long> SqliteStateStore::delete_expired() {
  std::lock_guard lock(mutex_);
  return db_.execute(queries_->delete_expired, {now_text()});
}

}  // namespace lf::state
