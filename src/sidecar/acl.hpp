#pragma once
// The Configuration's accessControl, enforced on the callee. daprd identifies the caller by its
// mTLS SPIFFE id; we have no mTLS, so the caller is the app id its sidecar declares in
// dapr-caller-app-id (an unauthenticated claim: see docs/sidecar.md).
#include <optional>
#include <string>

#include "resources/configuration.hpp"

namespace lf::sidecar {

// True when caller_app_id may call `method` (the app path without leading '/') with http_verb.
bool access_allowed(const std::optional<resources::AccessControl>& acl, const std::string& caller_app_id,
                    const std::string& caller_namespace, const std::string& http_verb, const std::string& method);

// Dapr's operation patterns: '*' matches any run of characters within the path.
bool operation_matches(const std::string& pattern, const std::string& path);

}  // namespace lf::sidecar
