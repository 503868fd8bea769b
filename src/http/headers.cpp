#include "http/headers.hpp"

#include <algorithm>

#include "core/strings.hpp"

namespace lf::http {

std::optional<std::string_view> Headers::get(std::string_view name) const {
  for (const auto& header : items_) {
    if (iequals(header.name, name)) return std::string_view(header.value);
  }
  return std::nullopt;
}

std::string_view Headers::get_or(std::string_view name, std::string_view fallback) const {
  return get(name).value_or(fallback);
}

std::vector<std::string_view> Headers::get_all(std::string_view name) const {
  std::vector<std::string_view> values;
  for (const auto& header : items_) {
    if (iequals(header.name, name)) values.emplace_back(header.value);
  }
  return values;
}

void Headers::set(std::string name, std::string value) {
  auto first = std::find_if(items_.begin(), items_.end(), [&](const Header& h) { return iequals(h.name, name); });
  if (first == items_.end()) {
    items_.push_back({std::move(name), std::move(value)});
    return;
  }
  first->value = std::move(value);
  auto rest = std::remove_if(first + 1, items_.end(), [&](const Header& h) { return iequals(h.name, first->name); });
  items_.erase(rest, items_.end());
}

void Headers::add(std::string name, std::string value) { items_.push_back({std::move(name), std::move(value)}); }

std::size_t Headers::remove(std::string_view name) {
  auto rest = std::remove_if(items_.begin(), items_.end(), [&](const Header& h) { return iequals(h.name, name); });
  std::size_t removed = static_cast<std::size_t>(items_.end() - rest);
  items_.erase(rest, items_.end());
  return removed;
}

}  // namespace lf::http
