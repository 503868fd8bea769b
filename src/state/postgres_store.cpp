#include "state/postgres_store.hpp"

#include <nlohmann/json.hpp>

#include "state/sqlite_db.hpp"

namespace lf::state {

namespace {

// libpq keyword/value quoting: single quotes, backslash-escaped.
std::string conninfo_value(const std::string& value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

// Dapr parses the etag with strconv.ParseUint(etag, 10, 32).
bool parse_xmin(const std::string& etag, std::string& out) {
  if (etag.empty() || etag.size() > 10) return false;
  unsigned long long value = 0;
  for (char c : etag) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  if (value > 0xFFFFFFFFULL) return false;
  out = std::to_string(value);
  return true;
}

Unexpected<StateError> internal_error(const std::string& message) {
  return state_error(StateErrorKind::internal, message);
}

Unexpected<StateError> invalid_etag(const std::string& etag) {
  return state_error(StateErrorKind::invalid_etag, "invalid etag value: '" + etag + "' is not a number");
}

Unexpected<StateError> etag_mismatch() {
  return state_error(StateErrorKind::etag_mismatch, "possible etag mismatch. error from state store: etag mismatch");
}

std::string unqualified(const std::string& table) {
  const auto dot = table.rfind('.');
  return dot == std::string::npos ? table : table.substr(dot + 1);
}

}  // namespace

Result<PostgresStoreOptions> parse_postgres_options(const std::map<std::string, std::string>& metadata) {
  PostgresStoreOptions options;
  options.connection_string = metadata_or(metadata, "connectionString", "");
  if (options.connection_string.empty()) {
    std::string conninfo;
    for (const auto& [field, keyword] : std::map<std::string, std::string>{
             {"host", "host"}, {"port", "port"}, {"database", "dbname"}, {"user", "user"},
             {"password", "password"}, {"sslRootCert", "sslrootcert"}}) {
      if (auto value = metadata_value(metadata, field); value && !value->empty())
        conninfo += (conninfo.empty() ? "" : " ") + keyword + "=" + conninfo_value(*value);
    }
    if (conninfo.empty())
      return fail("state.postgresql: metadata 'connectionString' (or host/port/database/user/password) is required");
    options.connection_string = conninfo;
  }
  options.table_name = metadata_or(metadata, "tableName", options.table_name);
  options.metadata_table_name = metadata_or(metadata, "metadataTableName", options.metadata_table_name);
  for (const auto* name : {&options.table_name, &options.metadata_table_name})
    if (!sqlite::valid_table_name(*name))
      return fail("state.postgresql: table name '" + *name + "' is invalid; use letters, digits, '_' and schema.table");
  auto timeout = metadata_timeout(metadata, "timeout", options.timeout);
  if (!timeout) return fail("state.postgresql: " + timeout.error().message);
  options.timeout = *timeout;
  auto cleanup = metadata_duration(metadata, "cleanupInterval", options.cleanup_interval);
  if (!cleanup) return fail("state.postgresql: " + cleanup.error().message);
  options.cleanup_interval = *cleanup;
  if (auto max = metadata_value(metadata, "maxConns"); max && !max->empty()) {
    try {
      options.max_connections = std::stoi(*max);
    } catch (const std::exception&) {
      return fail("state.postgresql: metadata 'maxConns' must be a positive integer, got '" + *max + "'");
    }
    if (options.max_connections <= 0)
      return fail("state.postgresql: metadata 'maxConns' must be a positive integer, got '" + *max + "'");
  }
  return options;
}

struct PostgresStateStore::Queries {
  std::string get, upsert, insert_first_write, update_with_etag, delete_key, delete_with_etag, delete_expired;
  explicit Queries(const std::string& table) {
    const std::string live = "(expiredate IS NULL OR expiredate >= CURRENT_TIMESTAMP)";
    // NULL ttl → NULL expiredate.
    const std::string expires = "CURRENT_TIMESTAMP + make_interval(secs => $4::double precision)";
    get = "SELECT value::text, isbinary, xmin::text FROM " + table + " WHERE key = $1 AND " + live;
    const std::string insert = "INSERT INTO " + table +
                               " AS existing (key, value, isbinary, expiredate) VALUES ($1, $2::jsonb, $3::boolean, " +
                               expires +
                               ") ON CONFLICT (key) DO UPDATE SET value = excluded.value, isbinary = excluded.isbinary,"
                               " updatedate = CURRENT_TIMESTAMP, expiredate = excluded.expiredate";
    upsert = insert;
    insert_first_write = insert + " WHERE existing.expiredate IS NOT NULL AND existing.expiredate < CURRENT_TIMESTAMP";
    update_with_etag = "UPDATE " + table +
                       " SET value = $2::jsonb, isbinary = $3::boolean, updatedate = CURRENT_TIMESTAMP, expiredate = " +
                       expires + " WHERE key = $1 AND xmin = $5::xid AND " + live;
    delete_key = "DELETE FROM " + table + " WHERE key = $1";
    delete_with_etag = "DELETE FROM " + table + " WHERE key = $1 AND xmin = $2::xid";
    delete_expired = "DELETE FROM " + table + " WHERE expiredate IS NOT NULL AND expiredate < CURRENT_TIMESTAMP";
  }
};

// A pooled connection, returned to the pool when the lease ends.
class PostgresStateStore::Lease {
 public:
  Lease(PostgresStateStore& store, pq::Connection connection, bool reused)
      : store_(&store), connection_(std::move(connection)), reused_(reused) {}
  Lease(Lease&& other) noexcept : store_(other.store_), connection_(std::move(other.connection_)), reused_(other.reused_) {
    other.store_ = nullptr;
  }
  Lease& operator=(Lease&&) = delete;
  ~Lease() {
    if (!store_) return;
    const bool healthy = connection_->ok();
    store_->release(std::move(*connection_), healthy);
  }
  pq::Connection& operator*() { return *connection_; }
  pq::Connection* operator->() { return &*connection_; }
  bool reused() const { return reused_; }

 private:
  PostgresStateStore* store_;
  std::optional<pq::Connection> connection_;
  bool reused_;
};

PostgresStateStore::PostgresStateStore(PostgresStoreOptions options)
    : options_(std::move(options)), queries_(std::make_unique<Queries>(options_.table_name)) {}

PostgresStateStore::~PostgresStateStore() {
  cleanup_.reset();
  std::lock_guard lock(pool_mutex_);
  idle_.clear();
}

Result<std::unique_ptr<PostgresStateStore>> PostgresStateStore::open(PostgresStoreOptions options) {
  if (!sqlite::valid_table_name(options.table_name) || !sqlite::valid_table_name(options.metadata_table_name))
    return fail("state.postgresql: invalid table name '" + options.table_name + "'");
  std::unique_ptr<PostgresStateStore> store(new PostgresStateStore(std::move(options)));
  if (auto created = store->create_schema(); !created) return fail("state.postgresql: " + created.error().message);
  if (store->options_.cleanup_interval > Duration::zero())
    store->cleanup_ = std::make_unique<PeriodicTask>(store->options_.cleanup_interval,
                                                     [raw = store.get()] { (void)raw->delete_expired(); });
  return store;
}

Result<PostgresStateStore::Lease> PostgresStateStore::acquire() {
  std::unique_lock lock(pool_mutex_);
  const bool available = pool_released_.wait_for(lock, options_.timeout, [this] {
    return !idle_.empty() || open_connections_ < options_.max_connections;
  });
  if (!available) return fail("timed out waiting for a free database connection");
  if (!idle_.empty()) {
    pq::Connection connection = std::move(idle_.back());
    idle_.pop_back();
    return Lease(*this, std::move(connection), true);
  }
  ++open_connections_;
  lock.unlock();
  auto connection = pq::Connection::connect(options_.connection_string);
  if (connection) {
    // Dapr's `timeout` bounds each database operation.
    const auto timeout_ms = std::chrono::duration_cast<std::chrono::milliseconds>(options_.timeout).count();
    if (auto set = connection->exec("SET statement_timeout = " + std::to_string(timeout_ms)); !set)
      connection = unexpected(set.error());
  }
  if (!connection) {
    lock.lock();
    --open_connections_;
    pool_released_.notify_one();
    return fail("could not connect to PostgreSQL: " + connection.error().message);
  }
  return Lease(*this, std::move(*connection), false);
}

void PostgresStateStore::discard_idle() {
  std::lock_guard lock(pool_mutex_);
  open_connections_ -= static_cast<int>(idle_.size());
  idle_.clear();
}

void PostgresStateStore::release(pq::Connection connection, bool healthy) {
  {
    std::lock_guard lock(pool_mutex_);
    if (healthy)
      idle_.push_back(std::move(connection));
    else
      --open_connections_;
  }
  pool_released_.notify_one();
}

Status PostgresStateStore::create_schema() {
  auto connection = acquire();
  if (!connection) return unexpected(connection.error());
  const std::string& table = options_.table_name;
  const std::vector<std::string> statements = {
      "BEGIN",
      // Several sidecars may start at once against one database.
      "SELECT pg_advisory_xact_lock(hashtext('dapr-state-migrations-" + table + "'))",
      "CREATE TABLE IF NOT EXISTS " + options_.metadata_table_name +
          " (key text NOT NULL PRIMARY KEY, value text NOT NULL)",
      "CREATE TABLE IF NOT EXISTS " + table +
          " (key text NOT NULL PRIMARY KEY, value jsonb NOT NULL, isbinary boolean NOT NULL,"
          " insertdate TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT NOW(), updatedate TIMESTAMP WITH TIME ZONE NULL)",
      "ALTER TABLE " + table + " ADD COLUMN IF NOT EXISTS expiredate TIMESTAMP WITH TIME ZONE NULL",
      "ALTER TABLE " + table + " ADD COLUMN IF NOT EXISTS row_id bigint GENERATED ALWAYS AS IDENTITY",
      "CREATE UNIQUE INDEX IF NOT EXISTS " + unqualified(table) + "_row_id_uidx ON " + table + " (row_id)",
      "INSERT INTO " + options_.metadata_table_name +
          " (key, value) VALUES ('migrations', '3') ON CONFLICT (key) DO UPDATE SET value = '3'",
      "COMMIT"};
  for (const auto& sql : statements) {
    if (auto done = (*connection)->exec(sql); !done) {
      (void)(*connection)->exec("ROLLBACK");
      return fail("could not create the tables: " + done.error().message);
    }
  }
  return {};
}

// PostgreSQL text cannot hold NUL, and libpq would silently cut the key there.
StateStatus check_key(const std::string& key) {
  if (key.find('\0') != std::string::npos)
    return state_error(StateErrorKind::invalid_request, "the key contains a NUL character, which PostgreSQL cannot store");
  return {};
}

template <typename Op>
auto PostgresStateStore::with_connection(Op&& op) -> decltype(op(std::declval<pq::Connection&>())) {
  for (int attempt = 0;; ++attempt) {
    auto connection = acquire();
    if (!connection) return internal_error(connection.error().message);
    auto result = op(**connection);
    if (result || attempt > 0 || !connection->reused() || (*connection)->ok()) return result;
    // One dead idle connection means the server went away: the other idle ones are dead too.
    discard_idle();
  }
}

StateResult<std::optional<Item>> PostgresStateStore::get(const std::string& key) {
  if (auto valid = check_key(key); !valid) return unexpected(valid.error());
  return with_connection([&](pq::Connection& connection) { return get_on(connection, key); });
}

StateResult<std::optional<Item>> PostgresStateStore::get_on(pq::Connection& connection, const std::string& key) {
  auto result = connection.exec(queries_->get, {key});
  if (!result) return internal_error(result.error().message);
  if (result->rows.empty()) return std::optional<Item>{};
  auto& row = result->rows.front();
  Item item;
  item.is_binary = row[1].value_or("f") == "t";
  item.etag = row[2].value_or("");
  if (item.is_binary) {
    // A JSON string holding base64.
    auto text = nlohmann::json::parse(row[0].value_or(""), nullptr, false);
    auto decoded = text.is_string() ? base64_decode(text.get<std::string>()) : std::nullopt;
    if (!decoded) return internal_error("stored binary value for key '" + key + "' is not base64 in a JSON string");
    item.value = std::move(*decoded);
  } else {
    item.value = std::move(row[0]).value_or("");
  }
  return std::optional<Item>(std::move(item));
}

StateStatus PostgresStateStore::set_on(pq::Connection& connection, const SetRequest& request) {
  if (auto valid = check_key(request.key); !valid) return valid;
  std::string xmin;
  if (has_etag(request.etag) && !parse_xmin(*request.etag, xmin)) return invalid_etag(*request.etag);
  if (!request.is_binary && !is_json(request.value))
    return state_error(StateErrorKind::invalid_request, "value for key '" + request.key + "' is not JSON");
  const std::string value =
      request.is_binary ? nlohmann::json(base64_encode(request.value)).dump() : request.value;
  pq::Param ttl;
  if (request.ttl_seconds && *request.ttl_seconds > 0) ttl = std::to_string(*request.ttl_seconds);
  std::vector<pq::Param> params{request.key, value, std::string(request.is_binary ? "true" : "false"), ttl};

  const std::string* sql = &queries_->upsert;
  if (has_etag(request.etag)) {
    sql = &queries_->update_with_etag;
    params.emplace_back(xmin);
  } else if (request.concurrency == Concurrency::first_write) {
    sql = &queries_->insert_first_write;
  }
  auto result = connection.exec(*sql, params);
  if (!result) return internal_error(result.error().message);
  if (result->affected != 1) {
    if (has_etag(request.etag)) return etag_mismatch();
    return internal_error("no item was updated");
  }
  return {};
}

StateStatus PostgresStateStore::remove_on(pq::Connection& connection, const DeleteRequest& request) {
  if (auto valid = check_key(request.key); !valid) return valid;
  const bool conditional = has_etag(request.etag);
  std::string xmin;
  if (conditional && !parse_xmin(*request.etag, xmin)) return invalid_etag(*request.etag);
  auto result = conditional ? connection.exec(queries_->delete_with_etag, {request.key, xmin})
                            : connection.exec(queries_->delete_key, {request.key});
  if (!result) return internal_error(result.error().message);
  if (conditional && result->affected != 1) return etag_mismatch();
  return {};
}

StateStatus PostgresStateStore::set(const SetRequest& request) {
  return with_connection([&](pq::Connection& connection) { return set_on(connection, request); });
}

StateStatus PostgresStateStore::remove(const DeleteRequest& request) {
  return with_connection([&](pq::Connection& connection) { return remove_on(connection, request); });
}

StateStatus PostgresStateStore::transact(const std::vector<TransactionOperation>& operations) {
  return with_connection([&](pq::Connection& connection) { return transact_on(connection, operations); });
}

StateStatus PostgresStateStore::transact_on(pq::Connection& connection,
                                            const std::vector<TransactionOperation>& operations) {
  if (auto begun = connection.exec("BEGIN"); !begun) return internal_error(begun.error().message);
  for (const auto& operation : operations) {
    StateStatus done = std::holds_alternative<SetRequest>(operation)
                           ? set_on(connection, std::get<SetRequest>(operation))
                           : remove_on(connection, std::get<DeleteRequest>(operation));
    if (!done) {
      (void)connection.exec("ROLLBACK");
      return done;
    }
  }
  if (auto committed = connection.exec("COMMIT"); !committed) {
    (void)connection.exec("ROLLBACK");
    return internal_error(committed.error().message);
  }
  return {};
}

Result<long long> PostgresStateStore::delete_expired() {
  auto connection = acquire();
  if (!connection) return unexpected(connection.error());
  auto result = (*connection)->exec(queries_->delete_expired);
  if (!result) return fail(result.error().message);
  return result->affected;
}

}  // namespace lf::state
