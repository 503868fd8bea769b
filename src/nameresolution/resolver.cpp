#include "nameresolution/resolver.hpp"

#include <algorithm>

#include "core/strings.hpp"

namespace lf::nameresolution {

Result<Address> Address::parse(std::string_view text) {
  text = trim(text);
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == text.size())
    return fail("address '" + std::string(text) + "' is not host:port");
  std::string_view host = text.substr(0, colon);
  if (host.front() == '[') {
    if (host.back() != ']' || host.size() < 3) return fail("address '" + std::string(text) + "' has a malformed IPv6 host");
    host = host.substr(1, host.size() - 2);
  }
  long long port = 0;
  if (!parse_int64(text.substr(colon + 1), port) || port <= 0 || port > 65535)
    return fail("address '" + std::string(text) + "' has no valid port");
  return Address{std::string(host), static_cast<int>(port)};
}

void FakeNameResolver::set_addresses(const std::string& app_id, std::vector<Address> addresses) {
  std::lock_guard lock(mutex_);
  addresses_[app_id] = std::move(addresses);
}

Status FakeNameResolver::register_self(const Registration& registration) {
  std::lock_guard lock(mutex_);
  registrations_.push_back(registration);
  addresses_[registration.app_id].push_back(registration.address);
  return {};
}

Status FakeNameResolver::deregister() {
  std::lock_guard lock(mutex_);
  for (const auto& registration : registrations_) {
    auto& list = addresses_[registration.app_id];
    list.erase(std::remove(list.begin(), list.end(), registration.address), list.end());
  }
  registrations_.clear();
  return {};
}

Result<Address> FakeNameResolver::resolve(const std::string& app_id) {
  std::lock_guard lock(mutex_);
  auto found = addresses_.find(app_id);
  if (found == addresses_.end() || found->second.empty()) return fail("couldn't find service: " + app_id);
  return found->second[next_[app_id]++ % found->second.size()];
}

void FakeNameResolver::invalidate(const std::string& app_id, const Address& address) {
  std::lock_guard lock(mutex_);
  invalidations_.emplace_back(app_id, address);
}

std::vector<Registration> FakeNameResolver::registrations() const {
  std::lock_guard lock(mutex_);
  return registrations_;
}

std::vector<std::pair<std::string, Address>> FakeNameResolver::invalidations() const {
  std::lock_guard lock(mutex_);
  return invalidations_;
}

}  // namespace lf::nameresolution
