#include "core/diagnostics.hpp"

#include <algorithm>

namespace lf {

std::string SourceLocation::str() const {
  std::string out = file;
  if (line > 0) out += ":" + std::to_string(line);
  if (column > 0) out += ":" + std::to_string(column);
  return out;
}

std::string Diagnostic::str() const {
  std::string out = where.str() + (severity == Severity::error ? ": error: " : ": warning: ") + message;
  if (!hint.empty()) out += " (" + hint + ")";
  return out;
}

void Diagnostics::error(SourceLocation where, std::string message, std::string hint) {
  items_.push_back({Severity::error, std::move(where), std::move(message), std::move(hint)});
}
void Diagnostics::warning(SourceLocation where, std::string message, std::string hint) {
  items_.push_back({Severity::warning, std::move(where), std::move(message), std::move(hint)});
}
bool Diagnostics::has_errors() const { return error_count() > 0; }
std::size_t Diagnostics::error_count() const {
  return std::count_if(items_.begin(), items_.end(), [](const Diagnostic& d) { return d.severity == Severity::error; });
}
std::size_t Diagnostics::warning_count() const { return items_.size() - error_count(); }
void Diagnostics::append(const Diagnostics& other) { items_.insert(items_.end(), other.items_.begin(), other.items_.end()); }

}  // namespace lf
