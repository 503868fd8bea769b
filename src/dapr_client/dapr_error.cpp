#include <cstdlib>

#include <nlohmann/json.hpp>

#include "core/strings.hpp"
#include "dapr_client/dapr_client.hpp"

namespace lf::dapr {

std::string DaprError::describe() const {
  std::string out = status == 0 ? std::string("no answer from sidecar") : "status " + std::to_string(status);
  if (!error_code.empty()) out += " " + error_code;
  if (!message.empty()) out += ": " + message;
  return out;
}

DaprError parse_error_body(int status, std::string_view body) {
  DaprError error{status, {}, {}};
  auto parsed = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_object()) {
    if (auto it = parsed.find("errorCode"); it != parsed.end() && it->is_string()) error.error_code = it->get<std::string>();
    if (auto it = parsed.find("message"); it != parsed.end() && it->is_string()) error.message = it->get<std::string>();
  }
  if (error.error_code.empty() && error.message.empty()) error.message = std::string(trim(body.substr(0, 512)));
  return error;
}

SidecarAddress sidecar_from_environment() {
  SidecarAddress address;
  if (const char* port = std::getenv("DAPR_HTTP_PORT")) {
    long long value = 0;
    if (parse_int64(trim(port), value) && value > 0 && value < 65536) address.http_port = static_cast<int>(value);
  }
  if (const char* token = std::getenv("DAPR_API_TOKEN")) address.api_token = token;
  return address;
}

}  // namespace lf::dapr
