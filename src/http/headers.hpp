#pragma once
// HTTP header list: insertion-ordered (name, value) pairs with case-insensitive lookup.
// A flat vector beats a map for the handful of headers a request carries.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lf::http {

struct Header {
  std::string name;
  std::string value;
  bool operator==(const Header&) const = default;
};

class Headers {
 public:
  using const_iterator = std::vector<Header>::const_iterator;

  Headers() = default;
  Headers(std::initializer_list<Header> headers) : items_(headers) {}

  // First value of `name`, if present.
  std::optional<std::string_view> get(std::string_view name) const;
  // First value of `name`, or `fallback`.
  std::string_view get_or(std::string_view name, std::string_view fallback) const;
  bool contains(std::string_view name) const { return get(name).has_value(); }
  // Every value of `name` in order (e.g. repeated Set-Cookie).
  std::vector<std::string_view> get_all(std::string_view name) const;

  // Replaces all values of `name` with one.
  void set(std::string name, std::string value);
  // Appends another value, keeping existing ones.
  void add(std::string name, std::string value);
  // Returns how many entries were removed.
  std::size_t remove(std::string_view name);

  void reserve(std::size_t n) { items_.reserve(n); }
  void clear() { items_.clear(); }
  std::size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }
  const_iterator begin() const { return items_.begin(); }
  const_iterator end() const { return items_.end(); }

  bool operator==(const Headers&) const = default;

 private:
  std::vector<Header> items_;
};

}  // namespace lf::http
