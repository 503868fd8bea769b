#pragma once
#include <string>

namespace lf {
// Random (version 4) UUID in canonical lowercase form, as Dapr uses for CloudEvent ids and ETags.
std::string uuid_v4();
}  // namespace lf
