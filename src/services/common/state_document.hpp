#pragma once
// Optimistic read-modify-write of one JSON document in the state store: read it with its ETag,
// apply a change, save with that ETag (first-write when it did not exist), and start over when
// another writer got there first (409). Several replicas can therefore share documents safely.
#include <functional>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <nlohmann/json.hpp>

#include "dapr_client/dapr_client.hpp"

namespace lf::services {

// `change` edits the document (an empty object when absent) and returns false when nothing needs
// to be written (e.g. an event already applied). The result is the document as stored.
using DocumentChange = std::function<bool(nlohmann::json& document)>;

boost::asio::awaitable<dapr::DaprResult<nlohmann::json>> update_document(dapr::DaprClient& dapr,
                                                                        const std::string& store,
                                                                        const std::string& key,
                                                                        const DocumentChange& change,
                                                                        int max_attempts = 8);

// Reads a JSON document; nullopt when absent. A stored value that is not a JSON object is
// reported as an error (status 500, error_code LF_BAD_DOCUMENT).
boost::asio::awaitable<dapr::DaprResult<std::optional<nlohmann::json>>> read_document(dapr::DaprClient& dapr,
                                                                                     const std::string& store,
                                                                                     const std::string& key);

}  // namespace lf::services
