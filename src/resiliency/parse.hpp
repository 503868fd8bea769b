#pragma once
// Decodes one `kind: Resiliency` YAML document. Every problem goes into Diagnostics with
// file:line:col, what is wrong and what to write instead; warnings cover things Dapr loads
// silently but that are mistakes (unknown keys, undefined policy names, top-level targets).
#include <optional>
#include <string_view>

#include "core/diagnostics.hpp"
#include "core/error.hpp"
#include "resiliency/model.hpp"
#include "yaml/yaml.hpp"

namespace lf::resiliency {

// std::nullopt when the document is not a Resiliency or has any error (warnings still load).
std::optional<Resiliency> parse_resource(const lf::yaml::Document& doc, lf::Diagnostics& diags);

// "429,500-504" within [min_code, max_code]; the error names the offending item.
Result<StatusCodeSet> parse_status_codes(std::string_view text, int min_code, int max_code);

}  // namespace lf::resiliency
