#pragma once
// The CEL subset Dapr users write in subscription route rules, evaluated against the CloudEvent:
//   event.type == "lesson.advanced" && event.data.difficulty != "beginner"
// Supported: `event.<field>...` paths, has(event.<path>), string/int/float/bool/null literals,
// == != < <= > >=, && || !, parentheses. Anything else is rejected when the rule is loaded (Dapr
// would fail at load time too, since CEL compilation of unknown functions fails).
#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/expected.hpp"

namespace lf::sidecar {

struct RouteExprNode;

class RouteMatcher {
 public:
  // Errors carry the 1-based column inside the expression.
  static Expected<RouteMatcher, std::string> compile(std::string_view expression);
  bool matches(const nlohmann::ordered_json& event) const;  // evaluation errors count as no match
  const std::string& text() const { return text_; }

 private:
  std::string text_;
  std::shared_ptr<const RouteExprNode> root_;
};

}  // namespace lf::sidecar
