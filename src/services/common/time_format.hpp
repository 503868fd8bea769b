#pragma once
#include <string>

#include "core/clock.hpp"

namespace lf::services {
// "2026-11-26T23:40:01Z" (UTC, seconds), as CloudEvents' `time`.
std::string format_rfc3339(WallTime time);
}  // namespace lf::services
