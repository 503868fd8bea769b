#include "state/sqlite_db.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <cctype>
#include <thread>

#include "core/strings.hpp"

namespace lf::sqlite {
namespace {

// Switching a database into WAL needs an exclusive lock, and SQLite answers SQLITE_BUSY at once
// instead of calling the busy handler when another connection holds the file (two sidecars
// starting together on a fresh registry did that). Retrying until the busy timeout keeps the
// promise that busy_timeout makes for every other statement.
int enable_wal(sqlite3* db, Duration busy_timeout) {
  const auto deadline = std::chrono::steady_clock::now() + busy_timeout;
  auto pause = std::chrono::milliseconds(1);
  for (;;) {
    const int rc = sqlite3_exec(db, "PRAGMA journal_mode=WAL", nullptr, nullptr, nullptr);
    if ((rc & 0xff) != SQLITE_BUSY && (rc & 0xff) != SQLITE_LOCKED) return rc;
    if (std::chrono::steady_clock::now() + pause > deadline) return rc;
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(50));
  }
}

}  // namespace

Result<Database> Database::open(const std::string& connection_string, const OpenOptions& options) {
  if (connection_string.empty()) return fail("the SQLite connection string is empty");
  sqlite3* raw = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX;
  const int rc = sqlite3_open_v2(connection_string.c_str(), &raw, flags, nullptr);
  Database db(raw);
  if (rc != SQLITE_OK)
    return fail("could not open SQLite database '" + connection_string + "': " +
                (raw ? db.last_error() : std::string(sqlite3_errstr(rc))));
  sqlite3_busy_timeout(raw, static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(options.busy_timeout).count()));
  const bool in_memory = connection_string == ":memory:" || connection_string.find("mode=memory") != std::string::npos ||
                         starts_with(connection_string, "file::memory:");
  if (options.wal && !in_memory) {
    if (enable_wal(raw, options.busy_timeout) != SQLITE_OK)
      return fail("could not switch SQLite database '" + connection_string + "' to WAL: " + db.last_error());
  }
  return db;
}

Database::Database(Database&& other) noexcept : db_(other.db_), statements_(std::move(other.statements_)) {
  other.db_ = nullptr;
  other.statements_.clear();
}

Database& Database::operator=(Database&& other) noexcept {
  if (this != &other) {
    close();
    db_ = other.db_;
    statements_ = std::move(other.statements_);
    other.db_ = nullptr;
    other.statements_.clear();
  }
  return *this;
}

Database::~Database() { close(); }

void Database::close() {
  for (auto& [sql, statement] : statements_) sqlite3_finalize(statement);
  statements_.clear();
  if (db_) sqlite3_close_v2(db_);
  db_ = nullptr;
}

std::string Database::last_error() const { return db_ ? sqlite3_errmsg(db_) : "database is closed"; }

Status Database::exec_script(const std::string& sql) {
  char* message = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
    std::string text = message ? message : last_error();
    sqlite3_free(message);
    return fail("SQLite error: " + text);
  }
  return {};
}

Result<sqlite3_stmt*> Database::prepared(const std::string& sql, const std::vector<Value>& params) {
  sqlite3_stmt* statement = nullptr;
  if (auto found = statements_.find(sql); found != statements_.end()) {
    statement = found->second;
    sqlite3_reset(statement);
    sqlite3_clear_bindings(statement);
  } else {
    if (sqlite3_prepare_v2(db_, sql.c_str(), static_cast<int>(sql.size()), &statement, nullptr) != SQLITE_OK)
      return fail("SQLite error: " + last_error());
    statements_.emplace(sql, statement);
  }
  for (std::size_t i = 0; i < params.size(); ++i) {
    const int index = static_cast<int>(i) + 1;
    int rc = SQLITE_OK;
    if (const auto* number = std::get_if<long long>(&params[i]))
      rc = sqlite3_bind_int64(statement, index, *number);
    else if (const auto* text = std::get_if<std::string>(&params[i]))
      rc = sqlite3_bind_text(statement, index, text->data(), static_cast<int>(text->size()), SQLITE_TRANSIENT);
    else
      rc = sqlite3_bind_null(statement, index);
    if (rc != SQLITE_OK) return fail("SQLite error: " + last_error());
  }
  return statement;
}

Result<long long> Database::execute(const std::string& sql, const std::vector<Value>& params) {
  auto statement = prepared(sql, params);
  if (!statement) return unexpected(statement.error());
  int rc;
  while ((rc = sqlite3_step(*statement)) == SQLITE_ROW) {
  }
  if (rc != SQLITE_DONE) {
    std::string message = last_error();
    sqlite3_reset(*statement);
    return fail("SQLite error: " + message);
  }
  sqlite3_reset(*statement);
  return static_cast<long long>(sqlite3_changes(db_));
}

Result<std::vector<Row>> Database::query(const std::string& sql, const std::vector<Value>& params) {
  auto statement = prepared(sql, params);
  if (!statement) return unexpected(statement.error());
  std::vector<Row> rows;
  int rc;
  while ((rc = sqlite3_step(*statement)) == SQLITE_ROW) {
    const int columns = sqlite3_column_count(*statement);
    Row row;
    row.reserve(columns);
    for (int c = 0; c < columns; ++c) {
      if (sqlite3_column_type(*statement, c) == SQLITE_NULL) {
        row.emplace_back(std::nullopt);
      } else {
        const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(*statement, c));
        row.emplace_back(std::string(text ? text : "", sqlite3_column_bytes(*statement, c)));
      }
    }
    rows.push_back(std::move(row));
  }
  if (rc != SQLITE_DONE) {
    std::string message = last_error();
    sqlite3_reset(*statement);
    return fail("SQLite error: " + message);
  }
  sqlite3_reset(*statement);
  return rows;
}

Result<Transaction> Transaction::begin(Database& db) {
  if (auto begun = db.exec_script("BEGIN IMMEDIATE"); !begun) return unexpected(begun.error());
  return Transaction(db);
}

Transaction::~Transaction() {
  if (db_) (void)db_->exec_script("ROLLBACK");
}

Status Transaction::commit() {
  if (!db_) return fail("the transaction is already finished");
  auto committed = db_->exec_script("COMMIT");
  if (committed) db_ = nullptr;
  return committed;
}

bool valid_table_name(const std::string& name) {
  if (name.empty() || name.size() > 128) return false;
  int dots = 0;
  bool segment_start = true;
  for (char c : name) {
    if (c == '.') {
      if (segment_start || ++dots > 1) return false;
      segment_start = true;
      continue;
    }
    const unsigned char u = static_cast<unsigned char>(c);
    if (!(std::isalnum(u) || c == '_')) return false;
    if (segment_start && std::isdigit(u)) return false;
    segment_start = false;
  }
  return !segment_start;
}

}  // namespace lf::sqlite
