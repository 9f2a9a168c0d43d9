#include "openstack.h"

#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <utility>

#include "json_fields.h"
#include "redact.h"
#include "subprocess.h"
#include "text.h"

namespace osg {
namespace {

using Outcome = CloudResult::Outcome;

constexpr size_t kMaxKind = 64;            // and the fault's kind ("conflictingRequest") to this
constexpr size_t kMaxServerIdLength = 64;  // a UUID is 36
constexpr char kMetaDataPath[] = "/openstack/latest/meta_data.json";
constexpr char kConfigDriveDevice[] = "/dev/disk/by-label/config-2";

// "conflictingRequest: Instance ... is locked" from an OpenStack error body: Nova wraps the
// fault in an object named for its kind, Keystone in "error". "" when the body has neither.
std::string FaultText(const std::string& body) {
  nlohmann::json doc = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object() || doc.size() != 1) return "";
  auto fault = doc.begin();
  if (!fault->is_object()) return "";
  std::string kind = fault.key().substr(0, kMaxKind);  // the server names it: keep it short
  auto message = fault->find("message");
  std::string text =
      Shortened(message != fault->end() && message->is_string() ? message->get<std::string>() : "");
  return kind + (text.empty() ? "" : ": " + text);
}

// Transport errors and overload are worth another try; everything else of theirs is not.
bool Retryable(const HttpResponse& response) {
  return !response.error.empty() || response.status == 429 || response.status >= 500;
}

std::string TransportDetail(const char* who, const HttpResponse& response) {
  return response.timed_out ? std::string(who) + " did not answer in time: " + response.error
                            : std::string("cannot reach ") + who + ": " + response.error;
}

bool ReadFile(const std::string& path, std::string* text) {
  std::ifstream in(path);
  if (!in) return false;
  std::stringstream buffer;
  buffer << in.rdbuf();
  *text = buffer.str();
  return true;
}

}  // namespace

std::string HttpDetail(const char* who, const HttpResponse& response) {
  std::string fault = FaultText(response.body);
  return std::string(who) + " answered HTTP " + std::to_string(response.status) +
         (fault.empty() ? "" : " (" + fault + ")");
}

std::string KeystoneTokenUrl(const std::string& auth_url) {
  std::string base = StripTrailingSlash(auth_url);
  if (!base.ends_with("/v3")) base += "/v3";
  return base + "/auth/tokens";
}

std::string ApplicationCredentialBody(const std::string& id, const std::string& secret) {
  nlohmann::json body = {{"auth",
                          {{"identity",
                            {{"methods", {"application_credential"}},
                             {"application_credential", {{"id", id}, {"secret", secret}}}}}}}};
  return body.dump();
}

Status ChooseEndpoint(const nlohmann::json& catalog, const std::string& type,
                      const std::string& interface, const std::string& region, std::string* url) {
  if (!catalog.is_array()) return Status::Error("the token has no service catalog");
  bool type_seen = false;
  for (const nlohmann::json& service : catalog) {
    if (!service.is_object() || JsonString(service, "type") != type) continue;
    type_seen = true;
    auto endpoints = service.find("endpoints");
    if (endpoints == service.end() || !endpoints->is_array()) continue;
    for (const nlohmann::json& endpoint : *endpoints) {
      if (!endpoint.is_object() || JsonString(endpoint, "interface") != interface) continue;
      if (!region.empty() && JsonString(endpoint, "region_id") != region &&
          JsonString(endpoint, "region") != region) {
        continue;
      }
      std::string found = StripTrailingSlash(JsonString(endpoint, "url"));
      if (found.empty()) continue;
      *url = found;
      return Status::Ok();
    }
  }
  if (!type_seen) {
    return Status::Error("the service catalog has no " + type +
                         " service (does the credential's project have access to it?)");
  }
  return Status::Error("the service catalog has no " + interface + " " + type + " endpoint" +
                       (region.empty() ? "" : " in region " + region));
}

Status ComputeEndpointFromToken(const std::string& token_body, const std::string& interface,
                                const std::string& region, std::string* url) {
  const nlohmann::json doc = nlohmann::json::parse(token_body, nullptr, false);
  if (!doc.is_object()) return Status::Error("the token answer is not a JSON object");
  auto token = doc.find("token");
  if (token == doc.end() || !token->is_object()) return Status::Error("the answer has no token");
  auto catalog = token->find("catalog");
  return ChooseEndpoint(catalog == token->end() ? nlohmann::json() : *catalog, "compute", interface,
                        region, url);
}

CloudResult ClassifyKeystoneResponse(const HttpResponse& response) {
  if (!response.error.empty()) return {Outcome::kRetry, TransportDetail("Keystone", response)};
  if (response.status == 201 || response.status == 200) {
    if (response.Header("X-Subject-Token").empty()) {
      return {Outcome::kRetry, "Keystone answered without an X-Subject-Token header"};
    }
    return {Outcome::kDone, "token issued"};
  }
  std::string detail = HttpDetail("Keystone", response);
  if (response.status == 401) detail += ": the application credential was not accepted";
  return {Retryable(response) ? Outcome::kRetry : Outcome::kRefused, detail};
}

CloudResult ClassifyNovaResponse(bool shelve, const HttpResponse& response) {
  if (!response.error.empty()) return {Outcome::kRetry, TransportDetail("Nova", response)};
  if (response.status >= 200 && response.status < 300) {
    return {Outcome::kDone, "accepted (HTTP " + std::to_string(response.status) + ")"};
  }
  std::string detail = HttpDetail("Nova", response);
  if (response.status == 404) return {Outcome::kAlreadyGone, detail};
  // Nova refuses to shelve a server that is shelved already ("... while it is in vm_state
  // shelved_offloaded"): what we asked for is the case.
  if (shelve && response.status == 409 &&
      ToLower(response.body).find("vm_state shelved") != std::string::npos) {
    return {Outcome::kAlreadyGone, "already shelved: " + detail};
  }
  if (Retryable(response)) return {Outcome::kRetry, detail};
  return {Outcome::kRefused, detail};
}

std::string MetadataUuid(const std::string& meta_data_json) {
  nlohmann::json doc = nlohmann::json::parse(meta_data_json, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return "";
  auto uuid = doc.find("uuid");
  std::string id = uuid != doc.end() && uuid->is_string() ? Trim(uuid->get<std::string>()) : "";
  // It goes into the delete's URL path: a '/', '?' or "..", from a config drive a user built,
  // would aim the DELETE elsewhere. Nova's ids are UUIDs.
  return IsUrlSafeName(id, kMaxServerIdLength) ? id : "";
}

OpenStackClient::OpenStackClient(OpenStackCredentials credentials, OpenStackPlaces places)
    : credentials_(std::move(credentials)), places_(std::move(places)) {
  places_.metadata = StripTrailingSlash(places_.metadata);
}

Status OpenStackClient::FetchIdentity() {
  HttpRequest request;
  request.url = places_.metadata + kMetaDataPath;
  request.timeout = std::min(timeout_, std::chrono::milliseconds(5000));
  HttpResponse r = SendHttp(request);
  std::string why;
  if (r.ok()) {
    server_id_ = MetadataUuid(r.body);
    if (!server_id_.empty()) return Status::Ok();
    why = "the metadata service's meta_data.json has no usable uuid";
  } else {
    why = "metadata service (" + places_.metadata +
          "): " + (r.error.empty() ? "HTTP " + std::to_string(r.status) : r.error);
  }
  std::string text;
  for (const std::string& dir : places_.config_drives) {
    if (ReadFile(dir + kMetaDataPath, &text)) {
      server_id_ = MetadataUuid(text);
      if (!server_id_.empty()) return Status::Ok();
      return Status::Error(why + "; the config drive at " + dir + " has no uuid either");
    }
  }
  struct stat info {};
  if (places_.mount_point.empty() || stat(kConfigDriveDevice, &info) != 0) {
    return Status::Error(why + "; and no config drive (none mounted, no config-2 filesystem)");
  }
  // Only mount(8) knows every filesystem a config drive may use (iso9660 or vfat).
  mkdir(places_.mount_point.c_str(), 0700);
  CommandResult mounted =
      RunCommand({"mount", "-o", "ro", kConfigDriveDevice, places_.mount_point});
  if (!mounted.ok()) {
    return Status::Error(why + "; cannot mount the config drive " + kConfigDriveDevice);
  }
  bool read = ReadFile(places_.mount_point + kMetaDataPath, &text);
  RunCommand({"umount", places_.mount_point});
  server_id_ = read ? MetadataUuid(text) : "";
  if (server_id_.empty()) return Status::Error(why + "; the config drive has no uuid either");
  return Status::Ok();
}

CloudResult KeystoneLogin(const OpenStackCredentials& credentials, std::chrono::milliseconds timeout,
                          KeystoneSession* session) {
  HttpRequest request;
  request.method = "POST";
  request.url = KeystoneTokenUrl(credentials.auth_url);
  request.headers = {{"Content-Type", "application/json"}, {"Accept", "application/json"}};
  request.body = ApplicationCredentialBody(credentials.id, credentials.secret);
  request.keep_headers = {"X-Subject-Token"};
  request.timeout = timeout;
  HttpResponse r = SendHttp(request);
  CloudResult result = ClassifyKeystoneResponse(r);
  if (result.outcome != Outcome::kDone) {
    result.detail = RedactSecrets(result.detail, {credentials.secret});
    return result;
  }
  Status chosen =
      ComputeEndpointFromToken(r.body, credentials.interface, credentials.region, &session->compute_url);
  if (!chosen.ok()) return {Outcome::kRefused, "Keystone's token: " + chosen.message()};
  const nlohmann::json doc = nlohmann::json::parse(r.body, nullptr, false);
  session->catalog = doc["token"]["catalog"];
  session->token = r.Header("X-Subject-Token");
  return {Outcome::kDone, ""};
}

CloudResult OpenStackClient::Authenticate() {
  if (!session_.token.empty()) return {Outcome::kDone, ""};
  return KeystoneLogin(credentials_, timeout_, &session_);
}

CloudResult OpenStackClient::ServerRequest(bool shelve) {
  if (server_id_.empty()) return {Outcome::kRetry, "the server's id is not known yet"};
  CloudResult auth = Authenticate();
  if (auth.outcome != Outcome::kDone) return auth;
  HttpRequest request;
  request.method = shelve ? "POST" : "DELETE";
  request.url = session_.compute_url + "/servers/" + server_id_ + (shelve ? "/action" : "");
  request.headers = {{"X-Auth-Token", session_.token}, {"Accept", "application/json"}};
  if (shelve) {
    request.headers.emplace_back("Content-Type", "application/json");
    request.body = R"({"shelve": null})";
  }
  request.timeout = timeout_;
  HttpResponse r = SendHttp(request);
  CloudResult result = ClassifyNovaResponse(shelve, r);
  result.detail = RedactSecrets(result.detail, {credentials_.secret, session_.token});
  if (r.status == 401) session_.token.clear();  // expired or revoked: the next try asks Keystone again
  return result;
}

CloudResult OpenStackClient::DeleteSelf() { return ServerRequest(false); }

CloudResult OpenStackClient::ShelveSelf() { return ServerRequest(true); }

}  // namespace osg
