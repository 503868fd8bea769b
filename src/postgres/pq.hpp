#pragma once
// A thin typed layer over libpq: one connection, parameterised text-format queries, errors as
// values carrying the SQLSTATE so callers can tell a unique violation from a broken connection.
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/expected.hpp"

struct pg_conn;

namespace lf::pq {

struct PgError {
  std::string message;
  std::string sqlstate;  // five-character SQLSTATE; empty when the failure was not from the server
  bool connection_lost = false;
};

template <typename T>
using PgResult = Expected<T, PgError>;

using Param = std::optional<std::string>;  // nullopt binds SQL NULL
using Row = std::vector<std::optional<std::string>>;

struct QueryResult {
  std::vector<Row> rows;
  long long affected = 0;  // rows touched by INSERT/UPDATE/DELETE
};

class Connection {
 public:
  // conninfo: libpq keyword/value ("host=... port=...") or a postgres:// URI.
  static PgResult<Connection> connect(const std::string& conninfo);

  Connection(Connection&&) noexcept = default;
  Connection& operator=(Connection&&) noexcept = default;
  ~Connection();

  PgResult<QueryResult> exec(const std::string& sql, const std::vector<Param>& params = {});
  bool ok() const;

 private:
  struct Closer {
    void operator()(pg_conn* conn) const;
  };
  explicit Connection(pg_conn* conn) : conn_(conn) {}
  std::unique_ptr<pg_conn, Closer> conn_;
};

}  // namespace lf::pq
