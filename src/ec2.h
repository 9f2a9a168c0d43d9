#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "cloud_result.h"
#include "http.h"
#include "sigv4.h"
#include "status.h"

namespace osg {

// Where the EC2 client sends its requests; tests point both at loopback servers.
struct Ec2Endpoints {
  std::string imds = "http://169.254.169.254";
  std::string ec2;  // empty: https://ec2.<region>.amazonaws.com
};

// This instance's identity and self-termination on AWS EC2. Identity and the instance role's
// credentials come from the instance metadata service, IMDSv2 only (a session token first, as
// AWS recommends and as instances with HttpTokens=required demand). TerminateInstances is a
// SigV4-signed Query API call. Credentials stay in memory: never logged, never in an argument.
class Ec2Client {
 public:
  // `static_credentials`, when given, are used instead of the instance role's.
  explicit Ec2Client(Ec2Endpoints endpoints = {},
                     std::optional<AwsCredentials> static_credentials = std::nullopt);

  // Reads the instance id, the region and (without static credentials) the role's credentials.
  Status FetchIdentity();

  // Asks EC2 to terminate this instance. Needs FetchIdentity() first. Role credentials are
  // fetched again first, since they rotate and hours may have passed since FetchIdentity().
  CloudResult TerminateSelf();

  const std::string& instance_id() const { return instance_id_; }
  const std::string& region() const { return region_; }
  void set_timeout(std::chrono::milliseconds timeout) { timeout_ = timeout; }

 private:
  Status GetImdsToken(std::string* token);
  Status ImdsGet(const std::string& token, const std::string& path, std::string* out);
  Status FetchRoleCredentials(const std::string& token);

  Ec2Endpoints endpoints_;
  std::optional<AwsCredentials> static_credentials_;
  AwsCredentials credentials_;
  std::string instance_id_;
  std::string region_;
  std::chrono::milliseconds timeout_{5000};
};

using EnvLookup = std::function<const char*(const char*)>;

// The static credentials to use, by precedence: `from_config` when it has a key id (the config
// file's pair), else AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (with AWS_SESSION_TOKEN, if set)
// read through `getenv`; nullopt when neither gives any: use the instance role. `source` says
// which ("the config file", "the environment"). An error, naming the variables, when the
// environment sets one key without the other or a session token without keys.
Status ChooseEc2Credentials(const AwsCredentials& from_config, const EnvLookup& getenv,
                            std::optional<AwsCredentials>* out, std::string* source);

// One endpoint of the EC2 Query API with the credentials that sign for it.
struct Ec2Api {
  std::string endpoint;  // "https://ec2.us-east-1.amazonaws.com" (Ec2DefaultEndpoint), no '/' last
  std::string region;
  AwsCredentials credentials;
  std::chrono::milliseconds timeout{5000};
};

// The regional endpoint AWS publishes: https://ec2.REGION.amazonaws.com.
std::string Ec2DefaultEndpoint(const std::string& region);

// Sends one Query API action (API version 2016-11-15): `form` holds Action and its parameters,
// POSTed as an x-www-form-urlencoded body and SigV4-signed. nullopt when it cannot be signed
// (OpenSSL's libcrypto did not load). The form may hold secrets (user-data): it is never logged.
std::optional<HttpResponse> CallEc2(const Ec2Api& api, const HeaderList& form);
inline constexpr char kEc2CannotSign[] = "cannot sign: OpenSSL's libcrypto.so.3 did not load";

// The Code and Message of EC2's error answer (<Response><Errors><Error>), each cut short and on
// one line; "" where the body has none.
struct Ec2Error {
  std::string code;
  std::string message;
};
Ec2Error ParseEc2Error(const std::string& body);

// A request that EC2 did not answer (response.error set): kRetry, "EC2 did not answer in time: ..."
// or "cannot reach EC2: ...".
CloudResult Ec2TransportFailure(const HttpResponse& response);

// Whether an EC2 error answer is worth trying again: 5xx, 409, 429 and the throttling and
// capacity codes. Everything else (AuthFailure, UnauthorizedOperation, validation) is final.
bool IsRetryableEc2Error(long status, const std::string& code);

// TerminateInstances for one instance, classified by ClassifyTerminateResponse; the detail names
// the instance and region and holds no credential.
CloudResult TerminateEc2Instance(const Ec2Api& api, const std::string& instance_id);

// Classifies EC2's answer to TerminateInstances (pure, for tests): 2xx -> kDone, or kAlreadyGone
// when the previous state was already shutting-down or terminated; InvalidInstanceID.NotFound ->
// kAlreadyGone; 5xx, 409, 429, throttling and transport errors -> kRetry; other errors (401/403
// AuthFailure, UnauthorizedOperation, ...) -> kRefused.
CloudResult ClassifyTerminateResponse(const HttpResponse& response);

// Reads the instance role's credentials document from the metadata service
// (iam/security-credentials/<role>): AccessKeyId, SecretAccessKey, Token. Errors name `role` and
// the missing fields, never a value: the document holds the secret.
Status ParseRoleCredentials(std::string_view json_text, const std::string& role,
                            AwsCredentials* out);

// The text (XmlText: CDATA unwrapped, entities decoded) of the first <tag>...</tag> in `xml` at
// or after `from`, or "". It crosses levels: ec2_xml.h walks nested lists.
std::string XmlElementText(const std::string& xml, const std::string& tag, size_t from = 0);

}  // namespace osg
