#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace osg {

// A tiny blocking HTTP client over libcurl, for the cloud APIs. Requests carry credentials (in
// headers and bodies), so nothing here logs a header or a body, and callers must not either.

struct HttpRequest {
  std::string method = "GET";
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::chrono::milliseconds timeout{5000};  // the whole exchange, connection included
};

struct HttpResponse {
  long status = 0;    // the HTTP status; 0 when no response came
  std::string body;   // at most kMaxHttpBody bytes
  std::string error;  // transport error, empty if a response came; never holds a header or body
  bool timed_out = false;
  // The response's header fields, names in lower case, in order (never logged: they may carry
  // cookies).
  std::vector<std::pair<std::string, std::string>> headers;
  bool ok() const { return error.empty() && status >= 200 && status < 300; }
  // The value of the first header named `name` (any case), or "".
  std::string Header(const std::string& name) const;
};

inline constexpr size_t kMaxHttpBody = 1 << 20;

// Sends one request: http and https only, no redirects followed, no proxy for loopback and the
// link-local metadata address. A body is sent as given (set Content-Type in `headers`).
HttpResponse SendHttp(const HttpRequest& request);

}  // namespace osg
