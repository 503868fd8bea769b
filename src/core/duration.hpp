#pragma once
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/error.hpp"

namespace lf {

// Go duration syntax ("500ms", "1m30s", "1.5h", "-2s") as Dapr's decoders accept it.
Result<Duration> parse_go_duration(std::string_view text);

// Dapr's kit/config decoder: Go syntax, or a bare integer meaning milliseconds.
Result<Duration> parse_dapr_duration(std::string_view text);

// Go's time.Duration.String(): "1m30s", "500ms", "2.5s", "0s".
std::string format_go_duration(Duration d);

}  // namespace lf
