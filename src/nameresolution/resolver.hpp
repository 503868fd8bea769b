#pragma once
// Self-hosted name resolution: which host:port serves an app id. The sidecar calls resolve() on
// its request path (cheap: cached, no I/O on a hit) and invalidate() when an instance refuses
// a connection; registration and heartbeats happen off the request path.
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace lf::nameresolution {

struct Address {
  std::string host;
  int port = 0;
  // "host:port", with IPv6 hosts in brackets ("[::1]:80").
  std::string to_string() const {
    const bool v6 = host.find(':') != std::string::npos;
    return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
  }
  // "host:port" or "[v6]:port".
  static Result<Address> parse(std::string_view text);
  friend bool operator==(const Address&, const Address&) = default;
};

struct Registration {
  std::string app_id;
  std::string app_namespace;  // empty in self-hosted mode unless NAMESPACE is set
  Address address;            // where other sidecars reach this one
};

class NameResolver {
 public:
  virtual ~NameResolver() = default;
  // Announces this sidecar and keeps the announcement alive until deregister()/destruction.
  virtual Status register_self(const Registration& registration) = 0;
  // Removes this sidecar's announcement (clean shutdown).
  virtual Status deregister() = 0;
  // One live address of app_id (in this sidecar's namespace), balanced round robin.
  virtual Result<Address> resolve(const std::string& app_id) = 0;
  // Stops handing out an address that just refused a connection, for a while.
  virtual void invalidate(const std::string& app_id, const Address& address) = 0;
};

// For unit tests of callers: fixed addresses per app id, round robin, invalidations recorded.
class FakeNameResolver final : public NameResolver {
 public:
  void set_addresses(const std::string& app_id, std::vector<Address> addresses);
  Status register_self(const Registration& registration) override;
  Status deregister() override;
  Result<Address> resolve(const std::string& app_id) override;
  void invalidate(const std::string& app_id, const Address& address) override;

  std::vector<Registration> registrations() const;
  std::vector<std::pair<std::string, Address>> invalidations() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::vector<Address>> addresses_;
  std::map<std::string, std::size_t> next_;
  std::vector<Registration> registrations_;
  std::vector<std::pair<std::string, Address>> invalidations_;
};

}  // namespace lf::nameresolution
