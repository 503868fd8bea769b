#include "state/key_prefix.hpp"

#include "core/strings.hpp"

namespace lf::state {

namespace {
constexpr std::string_view separator = "||";
}

KeyPrefix KeyPrefix::from_metadata(const std::map<std::string, std::string>& component_metadata,
                                   const std::string& app_id, const std::string& component_name,
                                   const std::string& app_namespace) {
  std::string strategy = "appid";
  for (const auto& [name, value] : component_metadata)
    if (iequals(name, "keyPrefix")) strategy = std::string(trim(value));
  if (strategy.empty() || iequals(strategy, "appid")) return KeyPrefix(app_id);
  if (iequals(strategy, "name")) return KeyPrefix(component_name);
  if (iequals(strategy, "namespace"))
    return KeyPrefix(app_namespace.empty() ? app_id : app_namespace + "." + app_id);
  if (iequals(strategy, "none")) return KeyPrefix("");
  return KeyPrefix(strategy);
}

StateResult<std::string> KeyPrefix::stored_key(std::string_view user_key) const {
  if (user_key.find(separator) != std::string_view::npos)
    return state_error(StateErrorKind::invalid_request,
                       "input key/keyPrefix '" + std::string(user_key) + "' can't contain '||'");
  if (prefix_.empty()) return std::string(user_key);
  std::string key;
  key.reserve(prefix_.size() + separator.size() + user_key.size());
  key.append(prefix_).append(separator).append(user_key);
  return key;
}

std::string KeyPrefix::user_key(std::string_view stored_key) {
  const auto at = stored_key.rfind(separator);
  return std::string(at == std::string_view::npos ? stored_key : stored_key.substr(at + separator.size()));
}

}  // namespace lf::state
