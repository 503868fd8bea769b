#include "state/state_store.hpp"

#include "core/strings.hpp"
#include "state/postgres_store.hpp"
#include "state/sqlite_store.hpp"
#include "state/store_util.hpp"

namespace lf::state {

int http_status(StateErrorKind kind) {
  switch (kind) {
    case StateErrorKind::etag_mismatch: return 409;
    case StateErrorKind::invalid_etag: return 400;
    case StateErrorKind::invalid_request: return 400;
    case StateErrorKind::internal: return 500;
  }
  return 500;
}

std::vector<BulkGetItem> StateStore::bulk_get(const std::vector<std::string>& keys) {
  std::vector<BulkGetItem> items;
  items.reserve(keys.size());
  for (const auto& key : keys) {
    BulkGetItem entry{key, std::nullopt, std::nullopt};
    auto found = get(key);
    if (found)
      entry.item = std::move(*found);
    else
      entry.error = std::move(found).error();
    items.push_back(std::move(entry));
  }
  return items;
}

StateResult<std::optional<long long>> parse_ttl(const std::map<std::string, std::string>& request_metadata) {
  auto text = metadata_value(request_metadata, "ttlInSeconds");
  if (!text) return std::optional<long long>{};
  long long seconds = 0;
  if (!parse_int64(trim(*text), seconds))
    return state_error(StateErrorKind::invalid_request,
                       "incorrect value for metadata 'ttlInSeconds': '" + *text + "' is not an integer");
  return std::optional<long long>{seconds};
}

Result<std::unique_ptr<StateStore>> make_state_store(const std::string& type,
                                                     const std::map<std::string, std::string>& metadata) {
  if (type == "state.sqlite") {
    auto options = parse_sqlite_options(metadata);
    if (!options) return unexpected(options.error());
    auto store = SqliteStateStore::open(std::move(*options));
    if (!store) return unexpected(store.error());
    return std::unique_ptr<StateStore>(std::move(*store));
  }
  if (type == "state.postgresql" || type == "state.postgres") {
    auto options = parse_postgres_options(metadata);
    if (!options) return unexpected(options.error());
    auto store = PostgresStateStore::open(std::move(*options));
    if (!store) return unexpected(store.error());
    return std::unique_ptr<StateStore>(std::move(*store));
  }
  return fail("state store type '" + type + "' is not supported; use state.sqlite or state.postgresql");
}

}  // namespace lf::state
