#include "http/detail/serializer.hpp"

#include <charconv>
#include <stdexcept>

#include <boost/beast/http/status.hpp>

#include "core/strings.hpp"

namespace lf::http::detail {
namespace {

namespace bhttp = boost::beast::http;

// Framing is decided by us, never copied from a handler or a forwarded request.
bool is_framing_header(std::string_view name) {
  return iequals(name, "content-length") || iequals(name, "transfer-encoding") || iequals(name, "connection");
}

// Beast trimmed spaces and tabs around field values; so do we.
void append_field(std::string& out, std::string_view name, std::string_view value) {
  out.append(name).append(": ").append(trim_ows(value)).append("\r\n");
}

std::size_t fields_size(const Headers& headers) {
  std::size_t n = 0;
  for (const auto& header : headers) n += header.name.size() + header.value.size() + 4;
  return n;
}

void append_fields(std::string& out, const Headers& from) {
  for (const auto& header : from) {
    if (!is_framing_header(header.name)) append_field(out, header.name, header.value);
  }
}

void append_content_length(std::string& out, std::size_t length) {
  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, length);
  (void)ec;
  append_field(out, "Content-Length", std::string_view(digits, static_cast<std::size_t>(end - digits)));
}

void append_version(std::string& out, unsigned version) {
  out.append("HTTP/");
  out.push_back(static_cast<char>('0' + version / 10));
  out.push_back('.');
  out.push_back(static_cast<char>('0' + version % 10));
}

}  // namespace

WireMessage wire_response(Response&& response, bool head_request, bool keep_alive, unsigned version) {
  const int status = response.status;
  if (status < 100 || status > 999) throw std::invalid_argument("invalid status-code");
  const bool no_body = status_has_no_body(status);
  WireMessage out;
  out.head.reserve(64 + fields_size(response.headers));
  append_version(out.head, version);
  out.head.push_back(' ');
  char code[3] = {static_cast<char>('0' + status / 100), static_cast<char>('0' + status / 10 % 10),
                  static_cast<char>('0' + status % 10)};
  out.head.append(code, sizeof code).push_back(' ');
  out.head.append(to_std(bhttp::obsolete_reason(static_cast<bhttp::status>(status)))).append("\r\n");
  append_fields(out.head, response.headers);
  if (!no_body) {
    auto declared = response.headers.get("content-length");
    if (head_request && response.body.empty() && declared)
      append_field(out.head, "Content-Length", *declared);
    else
      append_content_length(out.head, response.body.size());
  }
  // What Beast's keep_alive() added to a message without a Connection field.
  if (version >= 11 && !keep_alive) append_field(out.head, "Connection", "close");
  if (version < 11 && keep_alive) append_field(out.head, "Connection", "keep-alive");
  out.head.append("\r\n");
  if (!head_request && !no_body) out.body = std::move(response.body);
  return out;
}

namespace {

void append_request_head(std::string& out, const Request& request, std::string_view host_header) {
  std::string computed_target;
  if (request.target.empty()) {
    computed_target = request.path.empty() ? "/" : request.path;
    if (!request.query.empty()) computed_target += "?" + request.query;
  }
  const std::string& target = request.target.empty() ? computed_target : request.target;
  out.reserve(request.method.size() + target.size() + host_header.size() + 48 + fields_size(request.headers));
  out.append(request.method).append(" ").append(target).append(" HTTP/1.1\r\n");
  append_fields(out, request.headers);
  if (!request.headers.contains("host")) append_field(out, "Host", host_header);
  bool body_expected = !request.body.empty() || request.method == "POST" || request.method == "PUT" ||
                       request.method == "PATCH";
  if (body_expected) append_content_length(out, request.body.size());
  out.append("\r\n");
}

}  // namespace

WireMessage wire_request(Request&& request, std::string_view host_header) {
  WireMessage out;
  append_request_head(out.head, request, host_header);
  out.body = std::move(request.body);
  return out;
}

WireMessage wire_request_borrowing(const Request& request, std::string_view host_header) {
  WireMessage out;
  append_request_head(out.head, request, host_header);
  out.borrowed_body = &request.body;
  return out;
}

}  // namespace lf::http::detail
