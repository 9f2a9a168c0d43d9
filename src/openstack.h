#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cloud_result.h"
#include "http.h"
#include "openstack_credentials.h"
#include "status.h"

namespace osg {

// Where the OpenStack client finds this server's id; tests point them at a test server and a
// directory.
struct OpenStackPlaces {
  std::string metadata = "http://169.254.169.254";
  // Directories where a config drive may be mounted, tried in order after the metadata service.
  std::vector<std::string> config_drives = {"/mnt/config", "/media/config-2"};
  // When none of them holds one and a filesystem labelled config-2 exists, it is mounted here
  // read-only for the read and unmounted again. "": never mount.
  std::string mount_point = "/run/osg-worker/config-drive";
};

// A Keystone token (a secret) with its service catalog and the compute endpoint chosen from it.
struct KeystoneSession {
  std::string token;
  std::string compute_url;
  nlohmann::json catalog;
};

// Asks Keystone for a token for an application credential and picks the compute endpoint for
// the credential's interface and region. Details never hold the secret.
CloudResult KeystoneLogin(const OpenStackCredentials& credentials, std::chrono::milliseconds timeout,
                          KeystoneSession* session);

// "Nova answered HTTP 409 (conflictingRequest: Instance is locked)": an answer's status and its
// OpenStack fault, shortened.
std::string HttpDetail(const char* who, const HttpResponse& response);

// This server's identity and its removal on OpenStack: the server's uuid from the metadata
// service or the config drive, a Keystone v3 token for an application credential, and Nova's
// delete and shelve. The secret and the token stay in memory: never logged, never an argument.
class OpenStackClient {
 public:
  OpenStackClient(OpenStackCredentials credentials, OpenStackPlaces places = {});

  // Reads this server's uuid: the metadata service first, then a config drive.
  Status FetchIdentity();

  // DELETE /servers/{id}: 204 done, 404 already gone, 401/403/409 refused, 429/5xx retry.
  CloudResult DeleteSelf();
  // POST /servers/{id}/action {"shelve": null}: 202 done; 409 because it is already shelved
  // counts as done (already-gone); other 409s (locked) refused.
  CloudResult ShelveSelf();

  const std::string& server_id() const { return server_id_; }
  void set_timeout(std::chrono::milliseconds timeout) { timeout_ = timeout; }

 private:
  // Gets a token and the compute endpoint once (kDone), or says why not.
  CloudResult Authenticate();
  CloudResult ServerRequest(bool shelve);

  OpenStackCredentials credentials_;
  OpenStackPlaces places_;
  std::string server_id_;
  KeystoneSession session_;
  std::chrono::milliseconds timeout_{10000};
};

// Keystone's token URL for an auth URL with or without its version: ".../v3/auth/tokens".
std::string KeystoneTokenUrl(const std::string& auth_url);

// The request body of Keystone's application credential method (it holds the secret).
std::string ApplicationCredentialBody(const std::string& id, const std::string& secret);

// The URL of service `type` in a token's catalog (the JSON array token.catalog) for `interface`,
// in `region` when it is not empty (matched against region_id or region). Trailing '/' removed.
Status ChooseEndpoint(const nlohmann::json& catalog, const std::string& type,
                      const std::string& interface, const std::string& region, std::string* url);

// The compute endpoint (ChooseEndpoint) in the catalog of Keystone's token answer, the JSON
// body {"token": {"catalog": [...]}}.
Status ComputeEndpointFromToken(const std::string& token_body, const std::string& interface,
                                const std::string& region, std::string* url);

// Classifies Keystone's answer to POST /auth/tokens: 201 with a token -> kDone; 401/403/404 and
// other 4xx -> kRefused; 429, 5xx and transport errors -> kRetry.
CloudResult ClassifyKeystoneResponse(const HttpResponse& response);

// Classifies Nova's answer to a delete (`shelve` false) or a shelve action.
CloudResult ClassifyNovaResponse(bool shelve, const HttpResponse& response);

// The server's uuid in the text of meta_data.json, or "" when it has none or one that is not
// letters, digits and '-' (at most 64: it becomes part of the delete's URL path).
std::string MetadataUuid(const std::string& meta_data_json);

}  // namespace osg
