#include "sidecar/acl.hpp"

#include <algorithm>

#include "core/strings.hpp"

namespace lf::sidecar {

bool operation_matches(const std::string& pattern, const std::string& path) {
  // Iterative wildcard match with backtracking to the last '*'.
  std::size_t p = 0, s = 0, star = std::string::npos, mark = 0;
  while (s < path.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = s;
    } else if (p < pattern.size() && pattern[p] == path[s]) {
      ++p;
      ++s;
    } else if (star != std::string::npos) {
      p = star + 1;
      s = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

bool access_allowed(const std::optional<resources::AccessControl>& acl, const std::string& caller_app_id,
                    const std::string& caller_namespace, const std::string& http_verb, const std::string& method) {
  if (!acl) return true;
  std::string path = "/" + method;
  auto query = path.find('?');
  if (query != std::string::npos) path.resize(query);
  for (const auto& policy : acl->policies) {
    if (policy.app_id != caller_app_id) continue;
    if (!policy.namespace_name.empty() && !caller_namespace.empty() && policy.namespace_name != caller_namespace) continue;
    for (const auto& op : policy.operations) {
      std::string pattern = op.name.empty() || op.name[0] == '/' ? op.name : "/" + op.name;
      if (!operation_matches(pattern, path)) continue;
      bool verb_ok = op.http_verbs.empty() ||
                     std::any_of(op.http_verbs.begin(), op.http_verbs.end(),
                                 [&](const std::string& v) { return v == "*" || iequals(v, http_verb); });
      if (verb_ok) return iequals(op.action, "allow");
    }
    std::string fallback = policy.default_action.empty() ? acl->default_action : policy.default_action;
    return iequals(fallback, "allow");
  }
  return iequals(acl->default_action, "allow");
}

}  // namespace lf::sidecar
