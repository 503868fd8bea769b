#pragma once
// Kubernetes resource quantities ("100m", "0.5", "128Mi", "1G", "1e3") as exact integers.
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace lf::k8s {

struct Quantity {
  std::string text;     // as written
  long long milli = 0;  // value × 1000, rounded up like Quantity.MilliValue()

  // Whole units rounded up (bytes for memory, cores for cpu), like Quantity.Value().
  long long value() const { return milli >= 0 ? (milli + 999) / 1000 : milli / 1000; }
  double as_double() const { return static_cast<double>(milli) / 1000.0; }
  bool operator==(const Quantity& other) const { return milli == other.milli; }
};

// Parses the Kubernetes quantity grammar: [+-]digits[.digits] then a binary suffix (Ki Mi Gi Ti Pi Ei),
// a decimal suffix (n u m k M G T P E) or a decimal exponent (e3, E-2).
Result<Quantity> parse_quantity(std::string_view text);

}  // namespace lf::k8s
