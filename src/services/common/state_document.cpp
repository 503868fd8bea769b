#include "services/common/state_document.hpp"

namespace lf::services {
namespace {

dapr::DaprError bad_document(const std::string& key) {
  return dapr::DaprError{500, "LF_BAD_DOCUMENT", "stored value of " + key + " is not a JSON object"};
}

dapr::DaprError gave_up(dapr::DaprError conflict, int attempts, const std::string& key) {
  conflict.message = "gave up after " + std::to_string(attempts) + " conflicting writes of " + key;
  return conflict;
}

}  // namespace

boost::asio::awaitable<dapr::DaprResult<std::optional<nlohmann::json>>> read_document(dapr::DaprClient& dapr,
                                                                                     const std::string& store,
                                                                                     const std::string& key) {
  auto stored = co_await dapr.get_state(store, key);
  if (!stored) co_return unexpected(stored.error());
  if (!stored->has_value()) co_return std::optional<nlohmann::json>{};
  auto doc = nlohmann::json::parse((*stored)->value, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) co_return unexpected(bad_document(key));
  co_return std::optional<nlohmann::json>{std::move(doc)};
}

boost::asio::awaitable<dapr::DaprResult<nlohmann::json>> update_document(dapr::DaprClient& dapr,
                                                                        const std::string& store,
                                                                        const std::string& key,
                                                                        const DocumentChange& change,
                                                                        int max_attempts) {
  dapr::DaprError last_conflict;
  for (int attempt = 0; attempt < max_attempts; ++attempt) {
    auto stored = co_await dapr.get_state(store, key);
    if (!stored) co_return unexpected(stored.error());
    nlohmann::json doc = nlohmann::json::object();
    dapr::StateItem item{key, {}, std::nullopt, dapr::Concurrency::first_write};
    if (stored->has_value()) {
      doc = nlohmann::json::parse((*stored)->value, nullptr, /*allow_exceptions=*/false);
      if (!doc.is_object()) co_return unexpected(bad_document(key));
      item.etag = (*stored)->etag;
    }
    if (!change(doc)) co_return doc;
    item.value = doc.dump();
    std::vector<dapr::StateItem> items;
    items.push_back(std::move(item));
    auto saved = co_await dapr.save_state(store, std::move(items));
    if (saved) co_return doc;
    if (!saved.error().is_etag_conflict()) co_return unexpected(saved.error());
    last_conflict = saved.error();
  }
  co_return unexpected(gave_up(last_conflict, max_attempts, key));
}

}  // namespace lf::services
