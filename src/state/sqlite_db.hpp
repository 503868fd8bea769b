#pragma once
// A small typed layer over SQLite3 shared by state.sqlite and the name-resolution registry:
// one connection, cached prepared statements, errors as values. Not thread-safe by itself:
// the owner serialises calls (one mutex per connection).
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <variant>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace lf::sqlite {

using Value = std::variant<std::nullptr_t, long long, std::string>;
using Row = std::vector<std::optional<std::string>>;

struct OpenOptions {
  Duration busy_timeout = std::chrono::seconds(2);
  bool wal = true;  // ignored for in-memory databases
};

class Database {
 public:
  // connection_string: a file path, a "file:" URI, or ":memory:".
  static Result<Database> open(const std::string& connection_string, const OpenOptions& options = {});

  Database(Database&& other) noexcept;
  Database& operator=(Database&& other) noexcept;
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  ~Database();

  // Runs one or more statements without parameters (DDL, BEGIN/COMMIT).
  Status exec_script(const std::string& sql);
  // Runs one statement; returns the number of rows it changed.
  Result<long long> execute(const std::string& sql, const std::vector<Value>& params = {});
  Result<std::vector<Row>> query(const std::string& sql, const std::vector<Value>& params = {});

 private:
  explicit Database(sqlite3* db) : db_(db) {}
  Result<sqlite3_stmt*> prepared(const std::string& sql, const std::vector<Value>& params);
  std::string last_error() const;
  void close();

  sqlite3* db_ = nullptr;
  std::unordered_map<std::string, sqlite3_stmt*> statements_;
};

// BEGIN IMMEDIATE now; ROLLBACK on destruction unless commit() succeeded.
class Transaction {
 public:
  static Result<Transaction> begin(Database& db);
  Transaction(Transaction&& other) noexcept : db_(other.db_) { other.db_ = nullptr; }
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction();
  Status commit();

 private:
  explicit Transaction(Database& db) : db_(&db) {}
  Database* db_;
};

// Validates a table name for interpolation into SQL: letters, digits, '_' and at most one '.'
// (schema.table), not starting with a digit.
bool valid_table_name(const std::string& name);

}  // namespace lf::sqlite
