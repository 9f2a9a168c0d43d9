#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "cloud_result.h"
#include "http.h"
#include "status.h"

namespace osg {

// Where the GCE client sends its requests; tests point both at loopback servers.
struct GceEndpoints {
  std::string metadata = "http://metadata.google.internal";
  std::string compute = "https://compute.googleapis.com";
};

// An OAuth 2.0 access token from the metadata server. A secret: never log `access_token`.
struct GceAccessToken {
  std::string access_token;
  std::string token_type;
  int64_t expires_in = 0;  // seconds
};

// This instance's identity and self-deletion on Google Compute Engine. The project, zone and
// instance name, and an access token of the instance's service account, come from the metadata
// server (every request and answer carries `Metadata-Flavor: Google`); the delete is the Compute
// API's instances.delete with that token. The token stays in memory: never logged or passed on.
class GceClient {
 public:
  explicit GceClient(GceEndpoints endpoints = {});

  // Reads the project id, the zone and the instance name.
  Status FetchIdentity();

  // Asks the Compute API to delete this instance. Needs FetchIdentity() first. Fetches the access
  // token first each time: it expires (within an hour) and hours may have passed since start.
  // Every call carries the same requestId, so a retry after a lost answer is not a second delete.
  CloudResult DeleteSelf();

  const std::string& project() const { return project_; }
  const std::string& zone() const { return zone_; }
  const std::string& name() const { return name_; }
  void set_timeout(std::chrono::milliseconds timeout) { timeout_ = timeout; }

 private:
  // GETs computeMetadata/v1/`path`; `not_found` (if given) says whether the answer was 404.
  Status MetadataGet(const std::string& path, std::string* out, bool* not_found = nullptr);

  GceEndpoints endpoints_;
  std::string project_, zone_, name_;
  std::string request_id_;  // a random UUID, one per client
  std::chrono::milliseconds timeout_{5000};
};

// The zone's name from the metadata server's `instance/zone` ("projects/NUMBER/zones/ZONE"), or
// "" when the text has no such shape or the name is not a valid zone name.
std::string ZoneFromMetadata(const std::string& text);

// Parses the metadata server's token document (JSON with access_token, expires_in, token_type).
// Errors name fields, never quote the document (it holds the secret).
Status ParseGceToken(const std::string& json, GceAccessToken* token);

// Classifies the Compute API's answer to instances.delete (pure, for tests): 2xx with an
// Operation -> kDone; 404 -> kAlreadyGone; 401, and 403 other than rate limits -> kRefused; 429,
// 403 rateLimitExceeded, 409, 5xx and transport errors -> kRetry; other 4xx -> kRefused.
CloudResult ClassifyGceDeleteResponse(const HttpResponse& response);

// Google's JSON error document, {"error": {"code", "message", "status", "errors": [{"reason"}]}},
// each field cut (Shortened); all "" when `body` is not one.
struct GoogleError {
  std::string reason, status, message;
};
GoogleError ParseGoogleError(const std::string& body);

// A UUID's text (RFC 9562) from 32 hex digits (more are ignored), with the version nibble set to
// `version` ('4' random, '8' name-based) and the variant bits to 10. "" when `hex` is short.
std::string UuidFromHex(const std::string& hex, char version);

// Whether `text` may stand in a Compute API path segment (project ids, zones, instance names):
// letters, digits and - . : _ only, 1 to 128 characters.
bool IsGcePathSegment(const std::string& text);

}  // namespace osg
