#include "postgres/pq.hpp"

#include <libpq-fe.h>

#include <cstdlib>

namespace lf::pq {
namespace {

std::string trimmed_message(const char* text) {
  std::string message = text ? text : "";
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  return message;
}

}  // namespace

void Connection::Closer::operator()(pg_conn* conn) const { PQfinish(conn); }

Connection::~Connection() = default;

PgResult<Connection> Connection::connect(const std::string& conninfo) {
  PGconn* conn = PQconnectdb(conninfo.c_str());
  if (conn == nullptr) return unexpected(PgError{"libpq could not allocate a connection", "", true});
  if (PQstatus(conn) != CONNECTION_OK) {
    PgError error{trimmed_message(PQerrorMessage(conn)), "", true};
    PQfinish(conn);
    return unexpected(std::move(error));
  }
  // Notices (e.g. "relation already exists, skipping") would go to stderr otherwise.
  PQsetNoticeProcessor(conn, [](void*, const char*) {}, nullptr);
  return Connection(conn);
}

bool Connection::ok() const { return conn_ && PQstatus(conn_.get()) == CONNECTION_OK; }

PgResult<QueryResult> Connection::exec(const std::string& sql, const std::vector<Param>& params) {
  if (!conn_) return unexpected(PgError{"the connection is closed", "", true});
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& param : params) values.push_back(param ? param->c_str() : nullptr);
  std::unique_ptr<PGresult, decltype(&PQclear)> result(
      PQexecParams(conn_.get(), sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(), nullptr,
                   nullptr, 0),
      &PQclear);
  const ExecStatusType status = result ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    PgError error;
    error.message = trimmed_message(result ? PQresultErrorMessage(result.get()) : PQerrorMessage(conn_.get()));
    if (error.message.empty()) error.message = trimmed_message(PQerrorMessage(conn_.get()));
    const char* state = result ? PQresultErrorField(result.get(), PG_DIAG_SQLSTATE) : nullptr;
    error.sqlstate = state ? state : "";
    error.connection_lost = PQstatus(conn_.get()) != CONNECTION_OK;
    return unexpected(std::move(error));
  }
  QueryResult out;
  const int rows = PQntuples(result.get());
  const int columns = PQnfields(result.get());
  out.rows.reserve(rows);
  for (int r = 0; r < rows; ++r) {
    Row row;
    row.reserve(columns);
    for (int c = 0; c < columns; ++c) {
      if (PQgetisnull(result.get(), r, c))
        row.emplace_back(std::nullopt);
      else
        row.emplace_back(std::string(PQgetvalue(result.get(), r, c), PQgetlength(result.get(), r, c)));
    }
    out.rows.push_back(std::move(row));
  }
  const char* affected = PQcmdTuples(result.get());
  out.affected = (affected && *affected) ? std::strtoll(affected, nullptr, 10) : 0;
  return out;
}

}  // namespace lf::pq
