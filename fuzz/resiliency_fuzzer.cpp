// libFuzzer target: arbitrary bytes as a Resiliency YAML file, and as a trip expression.
// Neither path may crash, hang, leak or hit undefined behaviour on any input.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/diagnostics.hpp"
#include "resiliency/parse.hpp"
#include "resiliency/trip_expr.hpp"
#include "yaml/yaml.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  // The same loader the sidecar and lint use (multi-document, located, never throws).
  lf::Diagnostics diags;
  for (const auto& doc : lf::yaml::load_string(text, "fuzz.yaml", diags)) {
    if (auto resource = lf::resiliency::parse_resource(doc, diags)) {
      for (const auto& [name, breaker] : resource->circuit_breakers)
        if (breaker.trip) (void)breaker.trip->evaluate({1, 2, 3, 4, 5});
    }
  }
  for (const auto& d : diags.all()) (void)d.str();

  if (auto expr = lf::resiliency::TripExpression::compile(text)) {
    (void)expr->evaluate({});
    (void)expr->evaluate({0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu, 0xFFFFFFFFu});
  }
  return 0;
}
