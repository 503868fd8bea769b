#pragma once
// Dapr's state key prefixing, in one place: the stored key is "<prefix>||<key>", where the
// component's `keyPrefix` metadata picks the prefix: `appid` (default), `name` (component name),
// `namespace` ("<namespace>.<appid>", or the app id when no namespace), `none`, or any other
// text used literally. A user key containing "||" is rejected (400), whatever the strategy.
#include <map>
#include <string>
#include <string_view>

#include "state/state_store.hpp"

namespace lf::state {

class KeyPrefix {
 public:
  static KeyPrefix from_metadata(const std::map<std::string, std::string>& component_metadata,
                                 const std::string& app_id, const std::string& component_name,
                                 const std::string& app_namespace = "");
  explicit KeyPrefix(std::string prefix = "") : prefix_(std::move(prefix)) {}

  // The key as stored; invalid_request when the user key contains "||".
  StateResult<std::string> stored_key(std::string_view user_key) const;
  // The key the client used (the part after the last "||").
  static std::string user_key(std::string_view stored_key);
  const std::string& prefix() const { return prefix_; }

 private:
  std::string prefix_;
};

}  // namespace lf::state
