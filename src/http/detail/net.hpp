#pragma once
// PRIVATE to src/http: small Asio socket helpers shared by the server and the client.
#include <cstddef>
#include <string>

#include <boost/asio/ip/tcp.hpp>

namespace lf::http::detail {

// Initial capacity of a connection's read buffer. Beast reads at most the buffer's free capacity
// (at least 512 bytes) per recv, and a parser that consumes everything it is given keeps that
// capacity from ever growing: without a reserve a 1 KiB request takes three recvs and three
// trips through the reactor. 4 KiB covers a 1 KiB body with its header; larger bodies take one
// recv per 4 KiB. Kept small because a stall opens many pooled connections at once (16 KiB each
// pushed a sidecar past 15 MB RSS in a stalled benchmark run).
inline constexpr std::size_t kConnectionReadBuffer = 4 * 1024;

// "127.0.0.1:8080" / "[::1]:8080", as Go prints addresses in its net errors.
inline std::string format_endpoint(const boost::asio::ip::tcp::endpoint& endpoint) {
  std::string host = endpoint.address().to_string();
  if (endpoint.address().is_v6()) host = "[" + host + "]";
  return host + ":" + std::to_string(endpoint.port());
}

inline std::string format_host_port(const std::string& host, unsigned port) {
  bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

// Closes both directions, ignoring errors: the peer may already be gone.
inline void close_socket(boost::asio::ip::tcp::socket& socket) {
  boost::system::error_code ignored;
  socket.shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
  socket.close(ignored);
}

}  // namespace lf::http::detail
