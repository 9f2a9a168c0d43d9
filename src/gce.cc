#include "gce.h"

#include <sys/random.h>

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <utility>
#include <vector>

#include "json_fields.h"
#include "redact.h"
#include "sigv4.h"
#include "text.h"

namespace osg {
namespace {

constexpr char kFlavorHeader[] = "Metadata-Flavor";
constexpr char kFlavor[] = "Google";

// A version 4 UUID (RFC 4122), as instances.delete's requestId wants; "" if the kernel gives no
// randomness (then the request goes without one).
std::string RandomUuid() {
  unsigned char b[16];
  if (getrandom(b, sizeof b, 0) != static_cast<ssize_t>(sizeof b)) return "";
  return UuidFromHex(HexEncode(std::string(reinterpret_cast<char*>(b), sizeof b)), '4');
}

}  // namespace

GoogleError ParseGoogleError(const std::string& body) {
  GoogleError e;
  nlohmann::json doc = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) return e;
  auto error = doc.find("error");
  if (error == doc.end() || !error->is_object()) return e;
  e.status = Shortened(JsonString(*error, "status"));
  e.message = Shortened(JsonString(*error, "message"));
  auto errors = error->find("errors");
  if (errors != error->end() && errors->is_array() && !errors->empty() &&
      errors->front().is_object()) {
    e.reason = Shortened(JsonString(errors->front(), "reason"));
  }
  return e;
}

std::string UuidFromHex(const std::string& hex, char version) {
  if (hex.size() < 32) return "";
  std::string h = ToLower(hex.substr(0, 32));
  h[12] = version;
  // The variant's two top bits are 10: the nibble is 8, 9, a or b.
  int nibble = std::isdigit(static_cast<unsigned char>(h[16])) ? h[16] - '0' : h[16] - 'a' + 10;
  h[16] = "89ab"[nibble & 3];
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) +
         "-" + h.substr(20);
}

bool IsGcePathSegment(const std::string& text) { return IsUrlSafeName(text, 128, "-.:_"); }

std::string ZoneFromMetadata(const std::string& text) {
  // Exactly four segments: "projects", the project's number, "zones", the zone's name.
  std::vector<std::string> parts;
  std::string trimmed = Trim(text);
  for (size_t start = 0;;) {
    size_t slash = trimmed.find('/', start);
    parts.push_back(trimmed.substr(start, slash - start));
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  if (parts.size() != 4 || parts[0] != "projects" || parts[1].empty() || parts[2] != "zones" ||
      !IsGcePathSegment(parts[3])) {
    return "";
  }
  return parts[3];
}

Status ParseGceToken(const std::string& json, GceAccessToken* token) {
  nlohmann::json doc = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return Status::Error("the access token document is not a JSON object");
  }
  GceAccessToken t{JsonString(doc, "access_token"), JsonString(doc, "token_type"), 0};
  if (t.access_token.empty()) return Status::Error("the token document has no access_token");
  if (std::any_of(t.access_token.begin(), t.access_token.end(),
                  [](unsigned char c) { return c <= 0x20 || c >= 0x7f; })) {
    return Status::Error("the access_token holds characters a header cannot carry");
  }
  if (ToLower(t.token_type) != "bearer") {
    return Status::Error("the token_type is \"" + t.token_type.substr(0, 32) + "\", not Bearer");
  }
  auto expires = doc.find("expires_in");
  if (expires == doc.end() || !expires->is_number_integer() || expires->get<int64_t>() <= 0) {
    return Status::Error("the token document has no positive integer expires_in");
  }
  t.expires_in = expires->get<int64_t>();
  *token = std::move(t);
  return Status::Ok();
}

CloudResult ClassifyGceDeleteResponse(const HttpResponse& response) {
  using Outcome = CloudResult::Outcome;
  if (!response.error.empty()) {
    return {Outcome::kRetry, response.timed_out
                                 ? "the Compute API did not answer in time: " + response.error
                                 : "cannot reach the Compute API: " + response.error};
  }
  long code = response.status;
  if (code >= 200 && code < 300) {
    nlohmann::json op = nlohmann::json::parse(response.body, nullptr, false);
    std::string name = op.is_object() ? Shortened(JsonString(op, "name")) : "";
    if (name.empty()) {
      return {Outcome::kRetry, "HTTP " + std::to_string(code) + " without an Operation"};
    }
    if (op.contains("error")) {
      return {Outcome::kRetry, "operation " + name + " reports an error"};
    }
    std::string status = Shortened(JsonString(op, "status"));
    return {Outcome::kDone, "accepted: operation " + name + " " + (status.empty() ? "?" : status)};
  }
  GoogleError e = ParseGoogleError(response.body);
  std::string detail = "the Compute API answered HTTP " + std::to_string(code) +
                       (e.reason.empty() ? "" : ": " + e.reason) +
                       (e.message.empty() ? "" : " (" + e.message + ")");
  if (code == 404) return {Outcome::kAlreadyGone, detail};
  // Google sends its rate-limit reasons with 403 (and 429). A 401 is a credential refused whatever
  // reason it gives: retrying it only postpones the fallback.
  bool rate_limited =
      code == 403 && (e.reason == "rateLimitExceeded" || e.reason == "userRateLimitExceeded");
  if (code == 429 || code == 409 || code >= 500 || rate_limited) return {Outcome::kRetry, detail};
  return {Outcome::kRefused, detail};
}

GceClient::GceClient(GceEndpoints endpoints)
    : endpoints_(std::move(endpoints)), request_id_(RandomUuid()) {
  endpoints_.metadata = StripTrailingSlash(endpoints_.metadata);
  endpoints_.compute = StripTrailingSlash(endpoints_.compute);
}

Status GceClient::MetadataGet(const std::string& path, std::string* out, bool* not_found) {
  HttpRequest request;
  request.url = endpoints_.metadata + "/computeMetadata/v1/" + path;
  request.headers = {{kFlavorHeader, kFlavor}};
  request.keep_headers = {kFlavorHeader};
  request.timeout = timeout_;
  HttpResponse r = SendHttp(request);
  std::string where = "metadata server " + path;
  if (!r.error.empty()) {
    return Status::Error(where + ": " + r.error + " (" + endpoints_.metadata + ")");
  }
  // The header on the answer tells the real metadata server from anything else that answers
  // (a captive proxy, another cloud's metadata service).
  if (r.Header(kFlavorHeader) != kFlavor) {
    return Status::Error(where + ": HTTP " + std::to_string(r.status) +
                         " without \"Metadata-Flavor: Google\": not a GCE metadata server");
  }
  if (r.status == 404) {
    if (not_found) *not_found = true;
    return Status::Error(where + ": not found (HTTP 404)");
  }
  if (r.status != 200) return Status::Error(where + ": HTTP " + std::to_string(r.status));
  *out = r.body;
  return Status::Ok();
}

Status GceClient::FetchIdentity() {
  std::string project, zone, name;
  Status s = Status::Ok();
  if (!(s = MetadataGet("project/project-id", &project)).ok()) return s;
  if (!(s = MetadataGet("instance/zone", &zone)).ok()) return s;
  if (!(s = MetadataGet("instance/name", &name)).ok()) return s;
  project = Trim(project);
  name = Trim(name);
  std::string zone_name = ZoneFromMetadata(zone);
  if (zone_name.empty()) {
    return Status::Error("metadata server instance/zone: \"" + Trim(zone).substr(0, 100) +
                         "\" is not projects/NUMBER/zones/ZONE");
  }
  if (!IsGcePathSegment(project) || !IsGcePathSegment(name)) {
    return Status::Error("metadata server gave an empty or malformed project id or instance name");
  }
  project_ = project;
  zone_ = zone_name;
  name_ = name;
  return Status::Ok();
}

CloudResult GceClient::DeleteSelf() {
  using Outcome = CloudResult::Outcome;
  if (name_.empty()) return {Outcome::kRetry, "the instance identity is not known yet"};
  std::string label = "instances.delete " + project_ + "/" + zone_ + "/" + name_ + ": ";
  std::string text;
  bool no_account = false;
  Status s = MetadataGet("instance/service-accounts/default/token", &text, &no_account);
  if (no_account) {  // no service account is attached: retrying cannot help
    return {Outcome::kRefused,
            label + "no access token: " + s.message() + "; the instance has no service account"};
  }
  if (!s.ok()) return {Outcome::kRetry, label + "no access token: " + s.message()};
  GceAccessToken token;
  if (!(s = ParseGceToken(text, &token)).ok()) return {Outcome::kRetry, label + s.message()};

  HttpRequest request;
  request.method = "DELETE";
  request.url = endpoints_.compute + "/compute/v1/projects/" + project_ + "/zones/" + zone_ +
                "/instances/" + name_ + (request_id_.empty() ? "" : "?requestId=" + request_id_);
  request.headers = {{"Authorization", "Bearer " + token.access_token}};
  request.timeout = timeout_;
  CloudResult result = ClassifyGceDeleteResponse(SendHttp(request));
  // An error message might one day quote the request: never let the token through.
  result.detail = label + RedactSecrets(result.detail, {token.access_token});
  return result;
}

}  // namespace osg
