#include "ec2.h"

#include <nlohmann/json.hpp>
#include <string_view>
#include <utility>

#include "ec2_xml.h"
#include "json_fields.h"
#include "redact.h"
#include "text.h"

namespace osg {
namespace {

constexpr char kImdsTokenTtl[] = "21600";  // seconds: the most IMDSv2 grants
constexpr char kEc2ApiVersion[] = "2016-11-15";

// Splits "scheme://authority/path" into the authority (the Host header SigV4 signs) and path.
void SplitUrl(const std::string& url, std::string* authority, std::string* path) {
  size_t start = url.find("://");
  start = start == std::string::npos ? 0 : start + 3;
  size_t slash = url.find('/', start);
  *authority = url.substr(start, slash == std::string::npos ? std::string::npos : slash - start);
  *path = slash == std::string::npos ? "/" : url.substr(slash);
}

// The form as an x-www-form-urlencoded body, spaces as '+' as the AWS SDKs send it. EC2 hashes
// the body as sent either way; moto's server re-encodes the form it parsed before checking the
// signature, and so accepts only this spelling of a space ("%20" comes only from a space:
// a '%' itself is "%25").
std::string FormBody(const HeaderList& form) {
  std::string body = CanonicalQuery(form);
  for (size_t at = body.find("%20"); at != std::string::npos; at = body.find("%20", at + 1)) {
    body.replace(at, 3, "+");
  }
  return body;
}

}  // namespace

std::string Ec2DefaultEndpoint(const std::string& region) {
  return "https://ec2." + region + ".amazonaws.com";
}

std::optional<HttpResponse> CallEc2(const Ec2Api& api, const HeaderList& form) {
  std::string host, path;
  SplitUrl(api.endpoint, &host, &path);
  HeaderList versioned = form;
  versioned.emplace_back("Version", kEc2ApiVersion);
  const char* content_type = "application/x-www-form-urlencoded; charset=utf-8";
  SigV4Request to_sign;
  to_sign.method = "POST";
  to_sign.host = host;
  to_sign.path = path;
  to_sign.headers = {{"Content-Type", content_type}};
  to_sign.payload = FormBody(versioned);
  SigV4Result signed_request =
      SignV4(to_sign, api.credentials, api.region, "ec2", std::chrono::system_clock::now());
  if (signed_request.signature.empty()) return std::nullopt;

  HttpRequest request;
  request.method = "POST";
  request.url = api.endpoint;
  request.body = std::move(to_sign.payload);
  request.timeout = api.timeout;
  // Host exactly as signed (libcurl would send the same; saying it keeps the two in step).
  request.headers = {{"Host", host}, {"Content-Type", content_type}};
  for (auto& header : signed_request.headers_to_add) request.headers.push_back(header);
  return SendHttp(request);
}

Ec2Error ParseEc2Error(const std::string& body) {
  return {Shortened(OneLine(XmlElementText(body, "Code"))),
          Shortened(OneLine(XmlElementText(body, "Message")))};
}

CloudResult Ec2TransportFailure(const HttpResponse& response) {
  return {CloudResult::Outcome::kRetry, response.timed_out
                                            ? "EC2 did not answer in time: " + response.error
                                            : "cannot reach EC2: " + response.error};
}

bool IsRetryableEc2Error(long status, const std::string& code) {
  return status >= 500 || status == 409 || status == 429 || code == "RequestLimitExceeded" ||
         code == "Throttling" || code == "InternalError" || code == "ServiceUnavailable" ||
         code == "Unavailable" || code == "InsufficientCapacity" ||
         code == "InsufficientInstanceCapacity";
}

std::string XmlElementText(const std::string& xml, const std::string& tag, size_t from) {
  if (from >= xml.size()) return "";
  std::string open = "<" + tag + ">", close = "</" + tag + ">";
  size_t start = xml.find(open, from);
  if (start == std::string::npos) return "";
  start += open.size();
  size_t end = xml.find(close, start);
  if (end == std::string::npos) return "";
  return XmlText(std::string_view(xml).substr(start, end - start));
}

Status ParseRoleCredentials(std::string_view json_text, const std::string& role,
                            AwsCredentials* out) {
  // Only field names appear in these errors: the document itself holds the secret.
  nlohmann::json doc = nlohmann::json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return Status::Error("the credentials of role " + role + " are not a JSON object");
  }
  AwsCredentials c{JsonString(doc, "AccessKeyId"), JsonString(doc, "SecretAccessKey"),
                   JsonString(doc, "Token")};
  if (c.access_key_id.empty() || c.secret_access_key.empty()) {
    return Status::Error(
        "the credentials of role " + role +
        " lack AccessKeyId or SecretAccessKey (Code: " + Shortened(JsonString(doc, "Code")) + ")");
  }
  *out = std::move(c);
  return Status::Ok();
}

CloudResult ClassifyTerminateResponse(const HttpResponse& response) {
  using Outcome = CloudResult::Outcome;
  if (!response.error.empty()) return Ec2TransportFailure(response);
  const std::string& body = response.body;
  if (response.status >= 200 && response.status < 300) {
    std::string previous = Shortened(XmlElementText(body, "name", body.find("<previousState>")));
    std::string current = Shortened(XmlElementText(body, "name", body.find("<currentState>")));
    if (previous == "shutting-down" || previous == "terminated") {
      return {Outcome::kAlreadyGone, "the instance was already " + previous};
    }
    return {Outcome::kDone, "accepted: " + (previous.empty() ? "?" : previous) + " -> " +
                                (current.empty() ? "?" : current)};
  }
  // The whole code decides below; the detail quotes it shortened.
  std::string code = XmlElementText(body, "Code");
  Ec2Error error = ParseEc2Error(body);
  std::string detail = "EC2 answered HTTP " + std::to_string(response.status) +
                       (error.code.empty() ? "" : ": " + error.code) +
                       (error.message.empty() ? "" : " (" + error.message + ")");
  if (code == "InvalidInstanceID.NotFound") return {Outcome::kAlreadyGone, detail};
  if (IsRetryableEc2Error(response.status, code)) return {Outcome::kRetry, detail};
  return {Outcome::kRefused, detail};
}

CloudResult TerminateEc2Instance(const Ec2Api& api, const std::string& instance_id) {
  std::optional<HttpResponse> response =
      CallEc2(api, {{"Action", "TerminateInstances"}, {"InstanceId.1", instance_id}});
  // Retry, not refused, when unsigned: a worker's fallback after the retries still shuts it down.
  CloudResult result = response ? ClassifyTerminateResponse(*response)
                                : CloudResult{CloudResult::Outcome::kRetry, kEc2CannotSign};
  result.detail = "TerminateInstances " + instance_id + " in " + api.region + ": " +
                  RedactSecrets(result.detail,
                                {api.credentials.secret_access_key, api.credentials.session_token});
  return result;
}

Status ChooseEc2Credentials(const AwsCredentials& from_config, const EnvLookup& getenv,
                            std::optional<AwsCredentials>* out, std::string* source) {
  *out = std::nullopt;
  source->clear();
  if (!from_config.access_key_id.empty()) {
    *out = from_config;
    *source = "the config file";
    return Status::Ok();
  }
  auto get = [&](const char* name) {
    const char* value = getenv(name);
    return std::string(value ? value : "");
  };
  AwsCredentials env{get("AWS_ACCESS_KEY_ID"), get("AWS_SECRET_ACCESS_KEY"),
                     get("AWS_SESSION_TOKEN")};
  if (env.access_key_id.empty() != env.secret_access_key.empty()) {
    return Status::Error(
        std::string(env.access_key_id.empty() ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID") +
        " is set in the environment without " +
        (env.access_key_id.empty() ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY") +
        "; set both or neither");
  }
  if (env.access_key_id.empty()) {
    if (!env.session_token.empty()) {
      return Status::Error(
          "AWS_SESSION_TOKEN is set in the environment without AWS_ACCESS_KEY_ID and "
          "AWS_SECRET_ACCESS_KEY");
    }
    return Status::Ok();  // the instance role
  }
  *out = std::move(env);
  *source = "the environment";
  return Status::Ok();
}

Ec2Client::Ec2Client(Ec2Endpoints endpoints, std::optional<AwsCredentials> static_credentials)
    : endpoints_(std::move(endpoints)), static_credentials_(std::move(static_credentials)) {
  endpoints_.imds = StripTrailingSlash(endpoints_.imds);
  endpoints_.ec2 = StripTrailingSlash(endpoints_.ec2);
  if (static_credentials_) credentials_ = *static_credentials_;
}

Status Ec2Client::GetImdsToken(std::string* token) {
  HttpRequest request;
  request.method = "PUT";
  request.url = endpoints_.imds + "/latest/api/token";
  request.headers = {{"X-aws-ec2-metadata-token-ttl-seconds", kImdsTokenTtl}};
  request.timeout = timeout_;
  HttpResponse r = SendHttp(request);
  if (!r.error.empty()) {
    return Status::Error("instance metadata service (" + endpoints_.imds +
                         ") unreachable: " + r.error);
  }
  if (r.status != 200 || Trim(r.body).empty()) {
    return Status::Error("instance metadata service refused an IMDSv2 session token (HTTP " +
                         std::to_string(r.status) + ")" +
                         (r.status == 403 ? ": the metadata service is disabled" : ""));
  }
  *token = Trim(r.body);
  return Status::Ok();
}

Status Ec2Client::ImdsGet(const std::string& token, const std::string& path, std::string* out) {
  HttpRequest request;
  request.url = endpoints_.imds + path;
  request.headers = {{"X-aws-ec2-metadata-token", token}};
  request.timeout = timeout_;
  HttpResponse r = SendHttp(request);
  std::string where = "instance metadata " + path;
  if (!r.error.empty()) return Status::Error(where + ": " + r.error);
  if (r.status == 401) {
    return Status::Error(where + ": HTTP 401, the IMDSv2 session token was refused");
  }
  if (r.status == 404) return Status::Error(where + ": not found (HTTP 404)");
  if (r.status != 200) return Status::Error(where + ": HTTP " + std::to_string(r.status));
  *out = r.body;
  return Status::Ok();
}

Status Ec2Client::FetchRoleCredentials(const std::string& token) {
  std::string roles, text;
  Status s = ImdsGet(token, "/latest/meta-data/iam/security-credentials/", &roles);
  if (!s.ok()) {
    return Status::Error(s.message() + "; is an instance role (instance profile) attached?");
  }
  std::vector<std::string> lines = SplitLines(roles);
  std::string role = lines.empty() ? "" : Trim(lines.front());
  if (role.empty()) return Status::Error("the instance has no role: no credentials for EC2");
  s = ImdsGet(token, "/latest/meta-data/iam/security-credentials/" + role, &text);
  if (!s.ok()) return s;
  return ParseRoleCredentials(text, role, &credentials_);
}

Status Ec2Client::FetchIdentity() {
  std::string token;
  Status s = GetImdsToken(&token);
  if (!s.ok()) return s;
  std::string id, region;
  if (!(s = ImdsGet(token, "/latest/meta-data/instance-id", &id)).ok()) return s;
  if (!(s = ImdsGet(token, "/latest/meta-data/placement/region", &region)).ok()) return s;
  instance_id_ = Trim(id);
  region_ = Trim(region);
  // The region becomes part of the API's host name, the id part of the request.
  if (!IsUrlSafeName(instance_id_, 64) || !IsUrlSafeName(region_, 32)) {
    instance_id_.clear();
    return Status::Error(
        "instance metadata gave an instance id or region that is empty or not "
        "letters, digits and '-': \"" +
        Shortened(id) + "\", \"" + Shortened(region) + "\"");
  }
  return static_credentials_ ? Status::Ok() : FetchRoleCredentials(token);
}

CloudResult Ec2Client::TerminateSelf() {
  using Outcome = CloudResult::Outcome;
  if (instance_id_.empty()) return {Outcome::kRetry, "the instance identity is not known yet"};
  if (!static_credentials_) {
    std::string token;
    Status s = GetImdsToken(&token);
    if (s.ok()) s = FetchRoleCredentials(token);
    if (!s.ok()) return {Outcome::kRetry, "cannot refresh the role's credentials: " + s.message()};
  }
  Ec2Api api{endpoints_.ec2.empty() ? Ec2DefaultEndpoint(region_) : endpoints_.ec2, region_,
             credentials_, timeout_};
  return TerminateEc2Instance(api, instance_id_);
}

}  // namespace osg
