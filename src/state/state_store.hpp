#pragma once
// State stores as the sidecar's /v1.0/state API sees them (Dapr semantics, reference §3.4, §5.2,
// §5.3). Calls are synchronous and may block on disk or network: the sidecar runs them on a
// worker pool, never on an HTTP thread. Every implementation is safe to call from several
// threads at once.
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "core/error.hpp"
#include "core/expected.hpp"

namespace lf::state {

enum class StateErrorKind {
  etag_mismatch,    // 409 (Dapr ERR_STATE_SAVE / ERR_STATE_DELETE with ETag mismatch)
  invalid_etag,     // 400 (e.g. a non-numeric etag for postgres)
  invalid_request,  // 400 (bad key such as one containing "||", bad ttlInSeconds, non-JSON value)
  internal,         // 500 (storage failure, or postgres' "no item was updated")
};

struct StateError {
  StateErrorKind kind = StateErrorKind::internal;
  std::string message;
};

// The HTTP status Dapr answers with for an error of this kind.
int http_status(StateErrorKind kind);

template <typename T>
using StateResult = Expected<T, StateError>;
using StateStatus = Expected<void, StateError>;

inline Unexpected<StateError> state_error(StateErrorKind kind, std::string message) {
  return {StateError{kind, std::move(message)}};
}

enum class Concurrency { last_write, first_write };

struct Item {
  std::string value;  // JSON text as saved (strings keep their quotes), or the raw bytes of a binary value
  std::string etag;
  bool is_binary = false;
};

struct SetRequest {
  std::string key;  // the stored key, already prefixed (see key_prefix.hpp)
  // JSON text of the value as the client sent it (the HTTP API always sends JSON), or raw bytes
  // when is_binary (the gRPC API's []byte; stored base64 as Dapr does).
  std::string value;
  bool is_binary = false;
  std::optional<std::string> etag;  // an empty etag counts as none, as in Dapr
  Concurrency concurrency = Concurrency::last_write;
  std::optional<long long> ttl_seconds;  // > 0: expires; <= 0 (Dapr's -1): never
};

struct DeleteRequest {
  std::string key;
  std::optional<std::string> etag;
  Concurrency concurrency = Concurrency::last_write;
};

using TransactionOperation = std::variant<SetRequest, DeleteRequest>;

struct BulkGetItem {
  std::string key;
  std::optional<Item> item;  // absent (or expired) key: nullopt and no error
  std::optional<StateError> error;
};

class StateStore {
 public:
  virtual ~StateStore() = default;
  virtual StateResult<std::optional<Item>> get(const std::string& key) = 0;
  virtual StateStatus set(const SetRequest& request) = 0;
  virtual StateStatus remove(const DeleteRequest& request) = 0;
  // All operations or none: the first failing one rolls the transaction back and its error is returned.
  virtual StateStatus transact(const std::vector<TransactionOperation>& operations) = 0;
  // One entry per key, in order; a failure of one key does not fail the others.
  virtual std::vector<BulkGetItem> bulk_get(const std::vector<std::string>& keys);
};

// Builds a store from a component's type and metadata ("state.sqlite" | "state.postgresql").
Result<std::unique_ptr<StateStore>> make_state_store(const std::string& type,
                                                     const std::map<std::string, std::string>& metadata);

// Dapr's request metadata `ttlInSeconds`: absent → nullopt; not an integer → invalid_request.
StateResult<std::optional<long long>> parse_ttl(const std::map<std::string, std::string>& request_metadata);

// True when an etag is present and non-empty (Dapr's HasETag()).
inline bool has_etag(const std::optional<std::string>& etag) { return etag.has_value() && !etag->empty(); }

}  // namespace lf::state
