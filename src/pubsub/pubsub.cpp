#include "pubsub/pubsub.hpp"

namespace lf::pubsub {

std::map<std::string, std::string> Message::delivery_metadata() const {
  std::map<std::string, std::string> out;
  for (const auto& [name, value] : headers) out[name] = value;
  if (key) out["__key"] = *key;
  out["__topic"] = topic;
  out["__partition"] = std::to_string(partition);
  out["__offset"] = std::to_string(offset);
  out["__timestamp"] = std::to_string(timestamp_ms);
  return out;
}

}  // namespace lf::pubsub
