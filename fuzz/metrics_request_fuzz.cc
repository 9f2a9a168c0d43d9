// The metrics endpoint's request head (anything that reaches 127.0.0.1:port): any bytes give one
// well-formed HTTP/1.0 answer whose Content-Length is its body's, and only GET or HEAD of
// /metrics renders the metrics.

#include <cstdint>
#include <string>

#include "fuzz_check.h"
#include "metrics.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using osg::fuzz::Require;
  const std::string head(osg::fuzz::Bytes(data, size));
  const std::string metrics = "osg_worker_joined 1\n";
  int renders = 0;
  std::string reply = osg::MetricsHttpReply(head, [&] {
    ++renders;
    return metrics;
  });
  Require(reply.starts_with("HTTP/1.0 "), "no HTTP/1.0 status line");
  size_t end = reply.find("\r\n\r\n");
  Require(end != std::string::npos, "no end of the header block");
  std::string headers = reply.substr(0, end + 2);
  std::string body = reply.substr(end + 4);
  Require(headers.find('\n') == headers.find("\r\n") + 1, "a bare line feed in the headers");
  size_t length_at = headers.find("\r\nContent-Length: ");
  Require(length_at != std::string::npos, "no Content-Length");
  std::string length =
      headers.substr(length_at + 18, headers.find("\r\n", length_at + 2) - (length_at + 18));
  bool ok = reply.starts_with("HTTP/1.0 200 ");
  Require(renders == (ok ? 1 : 0), "the metrics rendered for an answer other than 200");
  // A request line that does not parse gets 400 with its text whatever its first word says.
  bool head_method = head.starts_with("HEAD ") && !reply.starts_with("HTTP/1.0 400 ");
  if (ok) {
    Require(head.starts_with("GET /metrics") || head.starts_with("HEAD /metrics"),
            "200 for a request that is not GET or HEAD of /metrics");
    Require(length == std::to_string(metrics.size()), "a Content-Length not the metrics'");
  }
  if (head_method) {
    Require(body.empty(), "a body in the answer to HEAD");
  } else {
    Require(length == std::to_string(body.size()), "a Content-Length not the body's");
  }
  return 0;
}
