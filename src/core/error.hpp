#pragma once
#include <string>

#include "core/expected.hpp"

namespace lf {

// A plain error with a message, for boundaries that need no richer type.
struct Error {
  std::string message;
};

template <typename T>
using Result = Expected<T, Error>;
using Status = Expected<void, Error>;

inline Unexpected<Error> fail(std::string message) { return {Error{std::move(message)}}; }

}  // namespace lf
