#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
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
  // Response headers to keep (names, case-insensitive); all others are dropped unread. Some
  // carry credentials (Keystone's X-Subject-Token): callers keep them out of logs.
  std::vector<std::string> keep_headers;
};

struct HttpResponse {
  long status = 0;    // the HTTP status; 0 when no response came
  std::string body;   // at most kMaxHttpBody bytes
  std::string error;  // transport error, empty if a response came; never holds a header or body
  bool timed_out = false;
  std::vector<std::pair<std::string, std::string>> headers;  // only those in keep_headers
  bool ok() const { return error.empty() && status >= 200 && status < 300; }
  // The value of a kept response header, or "" (names compare case-insensitively).
  std::string Header(const std::string& name) const;
};

inline constexpr size_t kMaxHttpBody = 1 << 20;

// libcurl, opened at the first request (shared_library.h).
inline constexpr char kCurlLibrary[] = "libcurl.so.4";

// Sends one request: http and https only, no redirects followed, no proxy for loopback and the
// link-local metadata address. A body is sent as given (set Content-Type in `headers`).
HttpResponse SendHttp(const HttpRequest& request);

// A large file (a container image) streamed to disk.
struct DownloadResult {
  long status = 0;     // the final HTTP status; 0 when no response came
  std::string error;   // transport or HTTP error, empty on success
  uint64_t bytes = 0;  // written to the file
  bool ok() const { return error.empty(); }
};

// Streams the body at `url` into `path` (created or truncated, mode 0644). Follows up to five
// redirects (image servers redirect to their mirrors), never from https to http; fails on an HTTP
// error status, past `max_bytes`, after `stall_limit` without a byte, or after `total_limit`.
// `progress` is called with the bytes so far and the total (0 if unknown) at most every
// `progress_every`.
DownloadResult DownloadFile(const std::string& url, const std::string& path, uint64_t max_bytes,
                            std::chrono::seconds stall_limit, std::chrono::seconds total_limit,
                            std::chrono::seconds progress_every,
                            const std::function<void(uint64_t, uint64_t)>& progress);

}  // namespace osg
