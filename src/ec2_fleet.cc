#include "ec2_fleet.h"

#include <cctype>
#include <chrono>
#include <memory>
#include <optional>
#include <utility>

#include "base64.h"
#include "ec2.h"
#include "ec2_xml.h"
#include "google_auth.h"
#include "redact.h"
#include "text.h"

namespace osg {
namespace {

using Outcome = CloudResult::Outcome;

constexpr size_t kReadableTokenLength = 40;  // of the name, in the ClientToken
constexpr size_t kTokenHashDigits = 20;      // 80 bits: two names never share a token
constexpr char kListPageSize[] = "1000";     // the most DescribeInstances gives a page
constexpr int kMaxListPages = 100;           // far more than a pool launches
// DescribeInstances lists these; shutting-down and terminated instances are gone for the
// controller (and terminated ones stay listed for an hour).
constexpr const char* kListedStates[] = {"pending", "running", "stopping", "stopped"};

bool IsClientTokenChar(unsigned char c) {
  return std::isalnum(c) != 0 || c == '-' || c == '_' || c == '.';
}

// The tag specification `index` for `resource_type`: WorkerGroupName and Name.
void AddTagSpecification(HeaderList* form, int index, const char* resource_type,
                         const std::string& group, const std::string& name) {
  std::string prefix = "TagSpecification." + std::to_string(index) + ".";
  form->insert(form->end(), {{prefix + "ResourceType", resource_type},
                             {prefix + "Tag.1.Key", kEc2GroupTag},
                             {prefix + "Tag.1.Value", group},
                             {prefix + "Tag.2.Key", "Name"},
                             {prefix + "Tag.2.Value", name}});
}

// A filter value that matches `text` alone: EC2 reads '*' and '?' in filter values as wildcards,
// and '\' as their escape.
std::string LiteralFilterValue(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '*' || c == '?' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

class Ec2Fleet : public CloudFleet {
 public:
  explicit Ec2Fleet(Ec2Api api) : api_(std::move(api)) {}

  std::string CloudName() const override { return "ec2"; }

  CloudResult Prepare(const LaunchSpec& spec, int* cores) override;
  CloudResult Create(const LaunchSpec& spec, const std::string& name, const std::string& user_data,
                     std::string* id) override;
  CloudResult List(const std::string& group, std::vector<FleetInstance>* out) override;
  CloudResult Delete(const std::string& id) override { return TerminateEc2Instance(api_, id); }

 private:
  // Sends one call about `what`: kDone with `answer` set when EC2 answered 2xx, else
  // Ec2Failure's outcome (`sent`: what of the request the detail must not quote).
  CloudResult Call(const HeaderList& form, const std::string& what, HttpResponse* answer,
                   std::initializer_list<std::string_view> sent = {});

  // Every detail that quotes EC2 passes here: no credential in it whatever a server echoed.
  CloudResult WithoutSecrets(CloudResult result) const {
    result.detail = RedactSecrets(std::move(result.detail), {api_.credentials.secret_access_key,
                                                             api_.credentials.session_token});
    return result;
  }

  Ec2Api api_;
};

CloudResult Ec2Fleet::Call(const HeaderList& form, const std::string& what, HttpResponse* answer,
                           std::initializer_list<std::string_view> sent) {
  std::optional<HttpResponse> response = CallEc2(api_, form);
  if (!response) return {Outcome::kRetry, what + ": " + kEc2CannotSign};
  if (!response->ok()) return WithoutSecrets(Ec2Failure(*response, what, sent));
  *answer = std::move(*response);
  return {Outcome::kDone, ""};
}

CloudResult Ec2Fleet::Prepare(const LaunchSpec& spec, int* cores) {
  if (spec.flavor.empty() || spec.image.empty()) {
    return {Outcome::kRefused, "an EC2 launch needs an instance type and an AMI id"};
  }
  std::string type_what = "instance type " + Shortened(spec.flavor);
  HttpResponse answer;
  CloudResult called = Call(Ec2DescribeInstanceTypesForm(spec.flavor), type_what, &answer);
  if (called.outcome != Outcome::kDone) return called;
  if (Status s = ParseEc2InstanceTypeCores(answer.body, spec.flavor, cores); !s.ok()) {
    return {Outcome::kRefused, "EC2 refused " + type_what + ": " + s.message()};
  }
  std::string image_what = "image " + Shortened(spec.image);
  called = Call(Ec2DescribeImagesForm(spec.image), image_what, &answer);
  if (called.outcome != Outcome::kDone) return called;
  if (!Ec2ImageListed(answer.body, spec.image)) {
    return {Outcome::kRefused, "EC2 refused " + image_what + ": DescribeImages does not list it"};
  }
  return {Outcome::kDone,
          type_what + " has " + std::to_string(*cores) + " vCPUs; " + image_what + " exists"};
}

CloudResult Ec2Fleet::Create(const LaunchSpec& spec, const std::string& name,
                             const std::string& user_data, std::string* id) {
  std::string what = "RunInstances for " + Shortened(name);
  std::string client_token = Ec2ClientToken(spec.group, name);
  if (client_token.empty()) return {Outcome::kRetry, what + ": " + kEc2CannotSign};
  HttpResponse answer;
  std::string encoded = EncodeBase64(user_data);
  CloudResult called = Call(Ec2RunInstancesForm(spec, name, user_data, client_token), what, &answer,
                            {user_data, encoded});
  if (called.outcome != Outcome::kDone) return called;
  std::string instance_id = ParseEc2RunInstancesId(answer.body);
  // Retrying is safe: the same ClientToken gives this same instance.
  if (!IsUrlSafeName(instance_id, 64)) {
    return {Outcome::kRetry, what + ": EC2's answer names no instance"};
  }
  *id = instance_id;
  return {Outcome::kDone, "EC2 created " + instance_id + " for " + Shortened(name)};
}

CloudResult Ec2Fleet::List(const std::string& group, std::vector<FleetInstance>* out) {
  out->clear();
  std::string what = "DescribeInstances for group " + Shortened(group);
  std::string next_token;
  for (int page = 0; page < kMaxListPages; ++page) {
    HttpResponse answer;
    CloudResult called = Call(Ec2DescribeInstancesForm(group, next_token), what, &answer);
    if (called.outcome != Outcome::kDone) {
      out->clear();  // a partial list would hide workers
      return called;
    }
    if (Status s = ParseEc2InstancePage(answer.body, group, out, &next_token); !s.ok()) {
      out->clear();
      return {Outcome::kRetry, what + ": " + s.message()};
    }
    if (next_token.empty()) {
      return {Outcome::kDone, std::to_string(out->size()) +
                                  (out->size() == 1 ? " instance" : " instances") + " in group " +
                                  Shortened(group)};
    }
  }
  out->clear();
  return {Outcome::kRetry,
          what + ": more than " + std::to_string(kMaxListPages) + " pages of instances"};
}

}  // namespace

std::string Ec2ClientToken(const std::string& group, const std::string& name) {
  // The group's length first, so that no other group and name spell the same text.
  std::string hash = Sha256Hex(std::to_string(group.size()) + ":" + group + name);
  if (hash.empty()) return "";
  std::string readable;
  for (unsigned char c : name) {
    if (readable.size() == kReadableTokenLength || !IsClientTokenChar(c)) break;
    readable += static_cast<char>(c);
  }
  return (readable.empty() ? "osg-worker" : readable) + "-" + hash.substr(0, kTokenHashDigits);
}

HeaderList Ec2DescribeInstanceTypesForm(const std::string& instance_type) {
  return {{"Action", "DescribeInstanceTypes"}, {"InstanceType.1", instance_type}};
}

HeaderList Ec2DescribeImagesForm(const std::string& image_id) {
  return {{"Action", "DescribeImages"}, {"ImageId.1", image_id}};
}

HeaderList Ec2RunInstancesForm(const LaunchSpec& spec, const std::string& name,
                               const std::string& user_data, const std::string& client_token) {
  HeaderList form = {{"Action", "RunInstances"},
                     {"ImageId", spec.image},
                     {"InstanceType", spec.flavor},
                     {"MinCount", "1"},
                     {"MaxCount", "1"},
                     {"UserData", EncodeBase64(user_data)},
                     {"ClientToken", client_token},
                     // A worker that powers itself off is gone, not a stopped volume that bills.
                     {"InstanceInitiatedShutdownBehavior", "terminate"},
                     // IMDSv2 only: the worker's own client (ec2.h) asks for a session token.
                     {"MetadataOptions.HttpTokens", "required"},
                     {"MetadataOptions.HttpEndpoint", "enabled"}};
  if (!spec.instance_profile.empty()) {
    form.emplace_back("IamInstanceProfile.Name", spec.instance_profile);
  }
  if (!spec.network.empty()) form.emplace_back("SubnetId", spec.network);
  if (!spec.key_name.empty()) form.emplace_back("KeyName", spec.key_name);
  int ids = 0, names = 0;
  for (const std::string& group : spec.security_groups) {
    if (group.starts_with("sg-")) {
      form.emplace_back("SecurityGroupId." + std::to_string(++ids), group);
    } else {
      form.emplace_back("SecurityGroup." + std::to_string(++names), group);
    }
  }
  AddTagSpecification(&form, 1, "instance", spec.group, name);
  AddTagSpecification(&form, 2, "volume", spec.group, name);
  return form;
}

HeaderList Ec2DescribeInstancesForm(const std::string& group, const std::string& next_token) {
  HeaderList form = {{"Action", "DescribeInstances"},
                     {"Filter.1.Name", std::string("tag:") + kEc2GroupTag},
                     {"Filter.1.Value.1", LiteralFilterValue(group)},
                     {"Filter.2.Name", "instance-state-name"},
                     {"MaxResults", kListPageSize}};
  int index = 0;
  for (const char* state : kListedStates) {
    form.emplace_back("Filter.2.Value." + std::to_string(++index), state);
  }
  if (!next_token.empty()) form.emplace_back("NextToken", next_token);
  return form;
}

Status ParseEc2InstanceTypeCores(const std::string& body, const std::string& instance_type,
                                 int* cores) {
  std::optional<std::string_view> root = XmlChildContent(body, "DescribeInstanceTypesResponse");
  if (!root) return Status::Error("the answer is not a DescribeInstanceTypesResponse");
  for (std::string_view item : XmlListItems(*root, "instanceTypeSet")) {
    if (XmlChildText(item, "instanceType") != instance_type) continue;
    std::optional<std::string_view> vcpus = XmlChildContent(item, "vCpuInfo");
    std::string count = vcpus ? XmlChildText(*vcpus, "defaultVCpus") : "";
    int value = 0;
    if (!count.empty() && count.size() <= 6 &&
        count.find_first_not_of("0123456789") == std::string::npos) {
      value = std::stoi(count);
    }
    if (value <= 0) {
      return Status::Error("its VCpuInfo/DefaultVCpus is not a positive number");
    }
    *cores = value;
    return Status::Ok();
  }
  return Status::Error("DescribeInstanceTypes does not list it");
}

bool Ec2ImageListed(const std::string& body, const std::string& image_id) {
  std::optional<std::string_view> root = XmlChildContent(body, "DescribeImagesResponse");
  if (!root) return false;
  for (std::string_view item : XmlListItems(*root, "imagesSet")) {
    if (XmlChildText(item, "imageId") == image_id) return true;
  }
  return false;
}

std::string ParseEc2RunInstancesId(const std::string& body) {
  std::optional<std::string_view> root = XmlChildContent(body, "RunInstancesResponse");
  if (!root) return "";
  std::vector<std::string_view> items = XmlListItems(*root, "instancesSet");
  return items.empty() ? "" : XmlChildText(items.front(), "instanceId");
}

Status ParseEc2InstancePage(const std::string& body, const std::string& group,
                            std::vector<FleetInstance>* out, std::string* next_token) {
  next_token->clear();
  std::optional<std::string_view> root = XmlChildContent(body, "DescribeInstancesResponse");
  if (!root || !XmlChildContent(*root, "reservationSet")) {
    return Status::Error("the answer is not a DescribeInstancesResponse with a reservationSet");
  }
  for (std::string_view reservation : XmlListItems(*root, "reservationSet")) {
    for (std::string_view item : XmlListItems(reservation, "instancesSet")) {
      FleetInstance instance;
      std::string instance_group;
      for (std::string_view tag : XmlListItems(item, "tagSet")) {
        std::string key = XmlChildText(tag, "key");
        if (key == "Name") instance.name = Shortened(XmlChildText(tag, "value"));
        if (key == kEc2GroupTag) instance_group = XmlChildText(tag, "value");
      }
      // The filter already chose the group; this keeps a wildcard or a server's loose match out.
      if (instance_group != group) continue;
      instance.id = Shortened(XmlChildText(item, "instanceId"));
      std::optional<std::string_view> state = XmlChildContent(item, "instanceState");
      instance.cloud_state = state ? Shortened(XmlChildText(*state, "name")) : "";
      instance.state = FleetStateOf("ec2", instance.cloud_state);
      instance.launched_at = ParseRfc3339(XmlChildText(item, "launchTime")).value_or(0);
      out->push_back(std::move(instance));
    }
  }
  *next_token = XmlChildText(*root, "nextToken");
  return Status::Ok();
}

bool SharesRun(std::string_view text, std::string_view other, size_t run) {
  if (run == 0 || text.size() < run || other.size() < run) return false;
  for (size_t at = 0; at + run <= text.size(); ++at) {
    if (other.find(text.substr(at, run)) != std::string_view::npos) return true;
  }
  return false;
}

CloudResult Ec2Failure(const HttpResponse& response, const std::string& what,
                       std::initializer_list<std::string_view> sent) {
  if (!response.error.empty()) {
    CloudResult failed = Ec2TransportFailure(response);
    return {failed.outcome, what + ": " + failed.detail};
  }
  // The whole code decides; the detail quotes it shortened.
  std::string code = XmlElementText(response.body, "Code");
  Ec2Error error = ParseEc2Error(response.body);
  for (std::string_view part : sent) {
    if (SharesRun(error.code, part, kQuotedRun) || SharesRun(error.message, part, kQuotedRun)) {
      error = {"?", "(withheld: it quotes the request)"};
    }
  }
  bool retry = IsRetryableEc2Error(response.status, code);
  std::string reason = error.code.empty() ? "no error code" : error.code;
  if (!error.message.empty()) reason += ": " + error.message;
  return {retry ? Outcome::kRetry : Outcome::kRefused,
          OneLine(std::string(retry ? "EC2 could not serve " : "EC2 refused ") + what + ": " +
                  reason + " (HTTP " + std::to_string(response.status) + ")")};
}

Status ChooseEc2Region(const std::string& given, const FleetEnv& env, std::string* region) {
  *region = given;
  for (const char* name : {"AWS_REGION", "AWS_DEFAULT_REGION"}) {
    if (!region->empty()) break;
    const char* value = env(name);
    *region = value ? Trim(value) : "";
  }
  if (region->empty()) {
    return Status::Error("no EC2 region: give one, or set AWS_REGION or AWS_DEFAULT_REGION");
  }
  // The region becomes part of the endpoint's host name and of the signature's scope.
  if (!IsUrlSafeName(*region, 32)) {
    return Status::Error("the EC2 region \"" + Shortened(*region) +
                         "\" is not a region name (letters, digits and '-')");
  }
  return Status::Ok();
}

std::unique_ptr<CloudFleet> MakeEc2Fleet(const FleetOptions& options, const FleetEnv& env,
                                         std::string* error) {
  std::optional<AwsCredentials> credentials;
  std::string source;
  // Only the environment: the owner's machine has no instance role to fall back on.
  Status chosen = ChooseEc2Credentials({}, env, &credentials, &source);
  if (chosen.ok() && !credentials) {
    chosen = Status::Error(
        "no EC2 credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and "
        "AWS_SESSION_TOKEN with temporary ones) in the environment");
  }
  std::string region;
  if (chosen.ok()) chosen = ChooseEc2Region(options.region, env, &region);
  std::string endpoint =
      StripTrailingSlash(options.endpoint.empty() ? Ec2DefaultEndpoint(region) : options.endpoint);
  if (chosen.ok() && !IsSafeCredentialUrl(endpoint)) {
    chosen = Status::Error("the EC2 endpoint must be https (or http on loopback, for tests)");
  }
  if (chosen.ok() && Sha256Hex("").empty()) {  // signatures and ClientTokens are hashes
    chosen = Status::Error(std::string("cannot load ") + kCryptoLibrary);
  }
  if (!chosen.ok()) {
    *error = chosen.message();
    return nullptr;
  }
  return std::make_unique<Ec2Fleet>(Ec2Api{endpoint, region, std::move(*credentials),
                                           std::chrono::milliseconds(options.timeout_ms)});
}

}  // namespace osg
