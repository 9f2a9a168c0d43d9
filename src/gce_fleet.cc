#include "gce_fleet.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <map>
#include <optional>
#include <thread>
#include <utility>

#include "credential_files.h"
#include "gce.h"
#include "google_auth.h"
#include "http.h"
#include "json_fields.h"
#include "redact.h"
#include "sigv4.h"
#include "text.h"

namespace osg {
namespace {

using Outcome = CloudResult::Outcome;
using Clock = std::chrono::steady_clock;

constexpr char kDefaultEndpoint[] = "https://compute.googleapis.com";
constexpr char kKeyVariable[] = "GOOGLE_APPLICATION_CREDENTIALS";
constexpr char kTokenVariable[] = "GOOGLE_OAUTH_ACCESS_TOKEN";
constexpr size_t kLabelSlugLength = 54;  // + "-" + 8 hex digits = 63, the most a label holds
constexpr int kMaxListPages = 100;       // 500 instances a page: far more than a pool launches
// An insert's Operation is polled for this many request timeouts: machines take tens of seconds,
// and a retry (the same requestId) picks up the same Operation where this one gave up.
constexpr int kOperationWaitTimeouts = 4;

std::string LastSegment(const std::string& url) { return url.substr(url.rfind('/') + 1); }

bool IsBearerToken(const std::string& token) {
  return !token.empty() && std::none_of(token.begin(), token.end(),
                                        [](unsigned char c) { return c <= 0x20 || c >= 0x7f; });
}

const nlohmann::json* Member(const nlohmann::json& object, const char* key) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

// The metadata item `key` of an instance, or nullopt.
std::optional<std::string> MetadataItem(const nlohmann::json& instance, const std::string& key) {
  const nlohmann::json* metadata = Member(instance, "metadata");
  const nlohmann::json* items = metadata ? Member(*metadata, "items") : nullptr;
  if (items == nullptr || !items->is_array()) return std::nullopt;
  for (const nlohmann::json& item : *items) {
    if (item.is_object() && JsonString(item, "key") == key) return JsonString(item, "value");
  }
  return std::nullopt;
}

std::string Slug(const std::string& text) {
  std::string slug;
  for (char c : ToLower(text)) {
    bool allowed = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    char out = allowed ? c : '-';
    if (out == '-' && (slug.empty() || slug.back() == '-')) continue;
    slug += out;
    if (slug.size() == kLabelSlugLength) break;
  }
  while (!slug.empty() && slug.back() == '-') slug.pop_back();
  return slug;
}

// Where the client finds its credential, read once when it is made.
struct GceCredential {
  std::optional<ServiceAccountKey> key;  // GOOGLE_APPLICATION_CREDENTIALS
  std::string access_token;              // else GOOGLE_OAUTH_ACCESS_TOKEN
};

class GceFleet : public CloudFleet {
 public:
  GceFleet(std::string endpoint, std::string project, GceCredential credential,
           std::chrono::milliseconds timeout)
      : endpoint_(std::move(endpoint)),
        project_(std::move(project)),
        credential_(std::move(credential)),
        timeout_(timeout) {}

  std::string CloudName() const override { return "gce"; }

  CloudResult Prepare(const LaunchSpec& spec, int* cores) override {
    return Clean(PrepareOnce(spec, cores));
  }
  CloudResult Create(const LaunchSpec& spec, const std::string& name, const std::string& user_data,
                     std::string* id) override {
    return Clean(CreateOnce(spec, name, user_data, id));
  }
  CloudResult List(const std::string& group, std::vector<FleetInstance>* out) override {
    return Clean(ListOnce(group, out));
  }
  CloudResult Delete(const std::string& id) override { return Clean(DeleteOnce(id)); }

 private:
  CloudResult PrepareOnce(const LaunchSpec& spec, int* cores);
  CloudResult CreateOnce(const LaunchSpec& spec, const std::string& name,
                         const std::string& user_data, std::string* id);
  CloudResult ListOnce(const std::string& group, std::vector<FleetInstance>* out);
  CloudResult DeleteOnce(const std::string& id);

  // An access token: the one given, or the service account's (fetched again near its expiry).
  CloudResult AccessToken(std::string* token);
  // Sends one Compute API request (path from /compute/v1/); kDone once any HTTP answer came.
  CloudResult Send(const std::string& method, const std::string& path, const std::string& body,
                   HttpResponse* response);
  // GETs a resource as JSON; a 404 or other error answer is kRefused or kRetry, as classified.
  CloudResult GetJson(const std::string& path, const std::string& what, nlohmann::json* out);
  // Polls an insert's Operation in `zone` until DONE, for at most kOperationWaitTimeouts.
  CloudResult WaitForOperation(nlohmann::json operation, const std::string& zone);
  // After a 409 on insert: done when the instance of that name is this group's.
  CloudResult ExistingInstance(const LaunchSpec& spec, const std::string& name);
  // Every page of aggregatedList under `filter`, keeping `group`'s (any when "").
  CloudResult ListAll(const std::string& filter, const std::string& group,
                      std::vector<GceListedInstance>* out);
  // The zone of instance `name`: remembered from Create or List, else looked up.
  CloudResult ZoneOf(const std::string& name, std::string* zone);

  // One line, and no secret in it whatever a server echoed.
  CloudResult Clean(CloudResult result) const {
    const std::string& key = credential_.key ? credential_.key->private_key : std::string();
    result.detail = OneLine(RedactSecrets(std::move(result.detail),
                                          {token_.access_token, credential_.access_token, key}));
    return result;
  }

  std::string endpoint_, project_;
  GceCredential credential_;
  std::chrono::milliseconds timeout_;
  GceAccessToken token_;  // the service account's, with its expiry
  Clock::time_point token_expires_{};
  std::map<std::string, std::string> zone_of_;  // instance name -> zone
};

CloudResult GceFleet::AccessToken(std::string* token) {
  if (!credential_.key) {
    *token = credential_.access_token;
    return {Outcome::kDone, ""};
  }
  // A token is good for an hour: a minute's margin keeps a request from carrying a dead one.
  if (token_.access_token.empty() || Clock::now() + std::chrono::minutes(1) >= token_expires_) {
    CloudResult got = FetchServiceAccountToken(*credential_.key, kComputeScope, timeout_, &token_);
    if (got.outcome != Outcome::kDone) return got;
    token_expires_ = Clock::now() + std::chrono::seconds(token_.expires_in);
  }
  *token = token_.access_token;
  return {Outcome::kDone, ""};
}

CloudResult GceFleet::Send(const std::string& method, const std::string& path,
                           const std::string& body, HttpResponse* response) {
  std::string token;
  CloudResult authorized = AccessToken(&token);
  if (authorized.outcome != Outcome::kDone) return authorized;
  HttpRequest request;
  request.method = method;
  request.url = endpoint_ + "/compute/v1/" + path;
  request.headers = {{"Authorization", "Bearer " + token}};
  if (!body.empty()) request.headers.emplace_back("Content-Type", "application/json");
  request.body = body;
  request.timeout = timeout_;
  *response = SendHttp(request);
  if (!response->error.empty()) return ClassifyGceDeleteResponse(*response);
  return {Outcome::kDone, ""};
}

// A failed answer to anything but a delete: a 404 is a missing machine type, image or zone.
CloudResult Failed(const HttpResponse& response) {
  CloudResult result = ClassifyGceDeleteResponse(response);
  if (result.outcome == Outcome::kAlreadyGone) result.outcome = Outcome::kRefused;
  return result;
}

CloudResult GceFleet::GetJson(const std::string& path, const std::string& what,
                              nlohmann::json* out) {
  HttpResponse r;
  CloudResult sent = Send("GET", path, "", &r);
  if (sent.outcome != Outcome::kDone) return {sent.outcome, what + ": " + sent.detail};
  if (!r.ok()) {
    CloudResult failed = Failed(r);
    return {failed.outcome, what + ": " + failed.detail};
  }
  *out = nlohmann::json::parse(r.body, nullptr, /*allow_exceptions=*/false);
  if (!out->is_object()) return {Outcome::kRetry, what + ": the answer is not a JSON object"};
  return {Outcome::kDone, ""};
}

CloudResult GceFleet::PrepareOnce(const LaunchSpec& spec, int* cores) {
  if (spec.zone.empty()) return {Outcome::kRefused, "gce needs a zone"};
  if (!IsGcePathSegment(spec.zone) || !IsGcePathSegment(spec.flavor)) {
    return {Outcome::kRefused, "the zone and the machine type must be names (letters, digits, -)"};
  }
  GceImageRef image;
  Status parsed = ParseGceImage(spec.image, project_, &image);
  if (!parsed.ok()) return {Outcome::kRefused, parsed.message()};

  nlohmann::json type;
  CloudResult got =
      GetJson("projects/" + project_ + "/zones/" + spec.zone + "/machineTypes/" + spec.flavor,
              "machine type " + spec.flavor + " in " + spec.zone, &type);
  if (got.outcome != Outcome::kDone) return got;
  auto cpus = type.find("guestCpus");
  if (cpus == type.end() || !cpus->is_number_integer() || cpus->get<int64_t>() <= 0 ||
      cpus->get<int64_t>() > 100000) {
    return {Outcome::kRetry, "machine type " + spec.flavor + ": no guestCpus in the answer"};
  }

  nlohmann::json found;
  got = GetJson(image.Path(), "image " + image.Path(), &found);
  if (got.outcome != Outcome::kDone) return got;
  std::string status = JsonString(found, "status");
  const nlohmann::json* deprecated = Member(found, "deprecated");
  std::string deprecation = deprecated ? JsonString(*deprecated, "state") : "";
  if (deprecation == "OBSOLETE" || deprecation == "DELETED") {
    return {Outcome::kRefused, "image " + image.Path() + " is " + Shortened(deprecation)};
  }
  if (!status.empty() && status != "READY") {
    return {status == "PENDING" ? Outcome::kRetry : Outcome::kRefused,
            "image " + image.Path() + " is " + Shortened(status) + ", not READY"};
  }
  *cores = static_cast<int>(cpus->get<int64_t>());
  return {Outcome::kDone, "machine type " + spec.flavor + " has " + std::to_string(*cores) +
                              " vCPUs; image " + Shortened(JsonString(found, "name")) +
                              " is ready"};
}

CloudResult GceFleet::CreateOnce(const LaunchSpec& spec, const std::string& name,
                                 const std::string& user_data, std::string* id) {
  if (spec.zone.empty()) return {Outcome::kRefused, "gce needs a zone"};
  if (spec.group.empty()) return {Outcome::kRefused, "a worker needs a group"};
  if (!IsGcePathSegment(spec.zone) || !IsGcePathSegment(spec.flavor) || !IsGcePathSegment(name)) {
    return {Outcome::kRefused,
            "the zone, machine type and instance name must be names (letters, digits, -)"};
  }
  GceImageRef image;
  Status parsed = ParseGceImage(spec.image, project_, &image);
  if (!parsed.ok()) return {Outcome::kRefused, parsed.message()};
  std::string label = GceGroupLabel(spec.group);
  if (label.empty()) return {Outcome::kRetry, std::string(kCryptoLibrary) + " does not load"};

  std::string what = "instances.insert " + name + " in " + spec.zone;
  HttpResponse r;
  CloudResult sent = Send("POST",
                          "projects/" + project_ + "/zones/" + spec.zone + "/instances?requestId=" +
                              GceRequestId("insert", project_, spec.zone, name),
                          GceInsertBody(spec, name, user_data, label, image).dump(), &r);
  if (sent.outcome != Outcome::kDone) return {sent.outcome, what + ": " + sent.detail};
  CloudResult result;
  if (r.status == 409 && ParseGoogleError(r.body).reason == "alreadyExists") {
    // The requestId Google no longer remembers (or another request) made it: ours if it is
    // this group's.
    result = ExistingInstance(spec, name);
  } else if (!r.ok()) {
    result = Failed(r);
  } else {
    result = WaitForOperation(nlohmann::json::parse(r.body, nullptr, false), spec.zone);
  }
  if (result.outcome == Outcome::kDone) {
    *id = name;
    zone_of_[name] = spec.zone;
  }
  return {result.outcome, what + ": " + result.detail};
}

CloudResult GceFleet::WaitForOperation(nlohmann::json operation, const std::string& zone) {
  Clock::time_point deadline = Clock::now() + kOperationWaitTimeouts * timeout_;
  std::chrono::milliseconds pause(250);
  for (;;) {
    CloudResult outcome = GceOperationOutcome(operation);
    std::string name = operation.is_object() ? JsonString(operation, "name") : "";
    if (outcome.outcome != Outcome::kRetry || !IsGcePathSegment(name)) return outcome;
    if (Clock::now() + pause >= deadline) {
      return {Outcome::kRetry,
              outcome.detail + " after " +
                  std::to_string(kOperationWaitTimeouts * timeout_.count() / 1000) +
                  " s (a retry resumes it)"};
    }
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(2000));
    CloudResult got = GetJson("projects/" + project_ + "/zones/" + zone + "/operations/" + name,
                              "zoneOperations.get " + name, &operation);
    if (got.outcome != Outcome::kDone) return got;
  }
}

CloudResult GceFleet::ExistingInstance(const LaunchSpec& spec, const std::string& name) {
  nlohmann::json instance;
  CloudResult got = GetJson("projects/" + project_ + "/zones/" + spec.zone + "/instances/" + name,
                            "an instance of that name exists, and instances.get", &instance);
  if (got.outcome != Outcome::kDone) return got;
  if (MetadataItem(instance, kGceGroupKey) != spec.group) {
    return {Outcome::kRefused, "an instance of that name exists outside the group"};
  }
  return {Outcome::kDone, "exists already (" + Shortened(JsonString(instance, "status")) + ")"};
}

CloudResult GceFleet::ListAll(const std::string& filter, const std::string& group,
                              std::vector<GceListedInstance>* out) {
  std::string page_token;
  for (int page = 0; page < kMaxListPages; ++page) {
    HttpResponse r;
    std::string path = "projects/" + project_ +
                       "/aggregated/instances?filter=" + UriEncode(filter, false) +
                       (page_token.empty() ? "" : "&pageToken=" + UriEncode(page_token, false));
    CloudResult sent = Send("GET", path, "", &r);
    if (sent.outcome != Outcome::kDone) return sent;
    if (!r.ok()) return Failed(r);
    Status parsed = ParseGceInstancePage(r.body, group, out, &page_token);
    if (!parsed.ok()) return {Outcome::kRetry, parsed.message()};
    if (page_token.empty()) {
      for (const GceListedInstance& listed : *out) zone_of_[listed.instance.id] = listed.zone;
      return {Outcome::kDone, ""};
    }
  }
  return {Outcome::kRetry, "more than " + std::to_string(kMaxListPages) + " pages of instances"};
}

CloudResult GceFleet::ListOnce(const std::string& group, std::vector<FleetInstance>* out) {
  std::string label = GceGroupLabel(group);
  if (label.empty()) return {Outcome::kRetry, std::string(kCryptoLibrary) + " does not load"};
  std::vector<GceListedInstance> listed;
  CloudResult result =
      ListAll("labels." + std::string(kGceGroupKey) + " = \"" + label + "\"", group, &listed);
  if (result.outcome != Outcome::kDone)
    return {result.outcome, "instances.aggregatedList: " + result.detail};
  out->clear();
  for (GceListedInstance& l : listed) out->push_back(std::move(l.instance));
  return {Outcome::kDone, std::to_string(out->size()) + " instances in " + project_};
}

CloudResult GceFleet::ZoneOf(const std::string& name, std::string* zone) {
  auto known = zone_of_.find(name);
  if (known != zone_of_.end()) {
    *zone = known->second;
    return {Outcome::kDone, ""};
  }
  std::vector<GceListedInstance> found;
  CloudResult result = ListAll("name = \"" + name + "\"", "", &found);
  if (result.outcome != Outcome::kDone) return result;
  for (const GceListedInstance& listed : found) {
    if (listed.instance.id == name) {
      *zone = listed.zone;
      return {Outcome::kDone, ""};
    }
  }
  return {Outcome::kAlreadyGone, "no instance of that name in " + project_};
}

CloudResult GceFleet::DeleteOnce(const std::string& id) {
  if (!IsGcePathSegment(id)) return {Outcome::kRefused, "an instance name must be a name"};
  std::string what = "instances.delete " + id + ": ";
  std::string zone;
  CloudResult found = ZoneOf(id, &zone);
  if (found.outcome != Outcome::kDone) return {found.outcome, what + found.detail};
  HttpResponse r;
  CloudResult sent = Send("DELETE",
                          "projects/" + project_ + "/zones/" + zone + "/instances/" + id +
                              "?requestId=" + GceRequestId("delete", project_, zone, id),
                          "", &r);
  if (sent.outcome != Outcome::kDone) return {sent.outcome, what + sent.detail};
  CloudResult result = ClassifyGceDeleteResponse(r);
  if (result.outcome == Outcome::kAlreadyGone) zone_of_.erase(id);
  return {result.outcome, what + result.detail};
}

// The credential the environment names, read and checked now so that a wrong one fails before
// any request. Errors name variables and files, never a value.
Status ReadGceCredential(const FleetEnv& env, GceCredential* credential) {
  const char* key_path = env(kKeyVariable);
  const char* token = env(kTokenVariable);
  if (key_path != nullptr && *key_path != '\0') {
    std::string text;
    bool exists = false;
    Status read = ReadCredentialFile(key_path, &text, &exists);
    if (!read.ok()) return Status::Error(std::string(kKeyVariable) + ": " + read.message());
    if (!exists) {
      return Status::Error(std::string(kKeyVariable) + " names " + key_path +
                           ", which does not exist");
    }
    ServiceAccountKey key;
    Status parsed = ParseServiceAccountKey(text, &key);
    std::fill(text.begin(), text.end(), '\0');  // the private key: no copy left behind
    if (!parsed.ok()) return Status::Error(std::string(key_path) + ": " + parsed.message());
    credential->key = std::move(key);
    return Status::Ok();
  }
  if (token != nullptr && *token != '\0') {
    if (!IsBearerToken(token)) {
      return Status::Error(std::string(kTokenVariable) +
                           " holds characters an Authorization header cannot carry");
    }
    credential->access_token = token;
    return Status::Ok();
  }
  return Status::Error(std::string("no Google credential: set ") + kKeyVariable +
                       " to a service account's JSON key file, or " + kTokenVariable +
                       " to an access token");
}

}  // namespace

std::string GceGroupLabel(const std::string& group) {
  std::string hash = Sha256Hex(group);
  if (hash.empty()) return "";
  std::string slug = Slug(group);
  return (slug.empty() ? "" : slug + "-") + hash.substr(0, 8);
}

std::string GceRequestId(const std::string& action, const std::string& project,
                         const std::string& zone, const std::string& name) {
  // Newlines cannot occur in any of these, so the joined text names one request only.
  return UuidFromHex(Sha256Hex("osg-worker " + action + "\n" + project + "\n" + zone + "\n" + name),
                     '8');
}

std::string GceImageRef::Path() const {
  return "projects/" + project + "/global/images/" + (family ? "family/" : "") + name;
}

Status ParseGceImage(const std::string& image, const std::string& default_project,
                     GceImageRef* ref) {
  std::string path = image;
  for (const char* prefix :
       {"https://www.googleapis.com/compute/v1/", "https://compute.googleapis.com/compute/v1/"}) {
    if (path.starts_with(prefix)) path = path.substr(std::string(prefix).size());
  }
  if (path.starts_with("global/")) path = "projects/" + default_project + "/" + path;
  std::vector<std::string> parts;
  for (size_t start = 0;;) {
    size_t slash = path.find('/', start);
    parts.push_back(path.substr(start, slash - start));
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  bool shape = parts.size() >= 5 && parts.size() <= 6 && parts[0] == "projects" &&
               parts[2] == "global" && parts[3] == "images" &&
               (parts.size() == 5 || parts[4] == "family");
  if (!shape || !IsGcePathSegment(parts[1]) || !IsGcePathSegment(parts.back())) {
    return Status::Error("image \"" + Shortened(image) +
                         "\" is not projects/P/global/images/NAME or "
                         "projects/P/global/images/family/FAMILY");
  }
  *ref = {parts[1], parts.back(), parts.size() == 6};
  return Status::Ok();
}

std::string GceNetworkPath(const std::string& network) {
  if (network.empty()) return "global/networks/default";
  if (network.find('/') == std::string::npos) return "global/networks/" + network;
  return network;
}

nlohmann::json GceInsertBody(const LaunchSpec& spec, const std::string& name,
                             const std::string& user_data, const std::string& label,
                             const GceImageRef& image) {
  using json = nlohmann::json;
  json disk = {
      {"boot", true}, {"autoDelete", true}, {"initializeParams", {{"sourceImage", image.Path()}}}};
  json nat = {{"type", "ONE_TO_ONE_NAT"}, {"name", "External NAT"}};
  json interface = {{"network", GceNetworkPath(spec.network)},
                    {"accessConfigs", json::array({nat})}};
  json items = json::array({json{{"key", "user-data"}, {"value", user_data}},
                            json{{"key", kGceGroupKey}, {"value", spec.group}}});
  // The instance's default service account, allowed to call the Compute API: the worker deletes
  // itself with its token (gce.h) when it is idle.
  json account = {{"email", "default"}, {"scopes", json::array({kComputeScope})}};
  return {{"name", name},
          {"machineType", "zones/" + spec.zone + "/machineTypes/" + spec.flavor},
          {"disks", json::array({disk})},
          {"networkInterfaces", json::array({interface})},
          {"metadata", {{"items", items}}},
          {"labels", {{kGceGroupKey, label}}},
          {"serviceAccounts", json::array({account})}};
}

CloudResult GceOperationOutcome(const nlohmann::json& operation) {
  std::string name = operation.is_object() ? Shortened(JsonString(operation, "name")) : "";
  if (name.empty()) return {Outcome::kRetry, "the answer is not an Operation"};
  std::string status = JsonString(operation, "status");
  if (status != "DONE") {
    return {Outcome::kRetry,
            "operation " + name + " is " + (status.empty() ? "?" : Shortened(status))};
  }
  const nlohmann::json* error = Member(operation, "error");
  const nlohmann::json* errors = error ? Member(*error, "errors") : nullptr;
  if (error == nullptr) return {Outcome::kDone, "operation " + name + " DONE"};
  std::string reasons;
  if (errors != nullptr && errors->is_array()) {
    for (const nlohmann::json& e : *errors) {
      if (!e.is_object()) continue;
      std::string message = JsonString(e, "message");
      reasons += (reasons.empty() ? "" : "; ") + JsonString(e, "code") +
                 (message.empty() ? "" : ": " + message);
    }
  }
  return {Outcome::kRefused,
          "operation " + name + " failed: " +
              (reasons.empty() ? std::string("no reason given") : Shortened(OneLine(reasons)))};
}

Status ParseGceInstancePage(const std::string& body, const std::string& group,
                            std::vector<GceListedInstance>* out, std::string* next_page_token) {
  nlohmann::json doc = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) return Status::Error("the instance list is not a JSON object");
  const nlohmann::json* unreachables = Member(doc, "unreachables");
  if (unreachables != nullptr && unreachables->is_array() && !unreachables->empty()) {
    return Status::Error("the instance list is partial: " + std::to_string(unreachables->size()) +
                         " zones did not answer");
  }
  // aggregatedList: items is {"zones/Z": {"instances": [...]}}; instances.list: items is [...].
  std::vector<const nlohmann::json*> lists;
  const nlohmann::json* items = Member(doc, "items");
  if (items != nullptr && items->is_array()) lists.push_back(items);
  if (items != nullptr && items->is_object()) {
    for (const nlohmann::json& scope : *items) {
      const nlohmann::json* instances = Member(scope, "instances");
      if (instances != nullptr && instances->is_array()) lists.push_back(instances);
    }
  }
  for (const nlohmann::json* list : lists) {
    for (const nlohmann::json& instance : *list) {
      std::string name = JsonString(instance, "name");
      if (!IsGcePathSegment(name)) continue;  // not an instance we could name back
      if (!group.empty() && MetadataItem(instance, kGceGroupKey) != group) continue;
      std::string status = Shortened(JsonString(instance, "status"));
      GceListedInstance listed;
      listed.instance = {name, name, FleetStateOf("gce", status), status,
                         ParseRfc3339(JsonString(instance, "creationTimestamp"))};
      listed.zone = LastSegment(JsonString(instance, "zone"));
      if (!IsGcePathSegment(listed.zone)) continue;
      out->push_back(std::move(listed));
    }
  }
  *next_page_token = JsonString(doc, "nextPageToken");
  return Status::Ok();
}

int64_t ParseRfc3339(const std::string& text) {
  std::tm tm{};
  int consumed = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &consumed) != 6 ||
      consumed != 19) {
    return 0;
  }
  size_t at = 19;
  if (at < text.size() && text[at] == '.') {  // fractions of a second: dropped
    ++at;
    while (at < text.size() && text[at] >= '0' && text[at] <= '9') ++at;
  }
  std::string zone = text.substr(at);
  int64_t offset = 0;
  if (zone != "Z" && zone != "z") {
    int hours = 0, minutes = 0;
    if (zone.size() != 6 || (zone[0] != '+' && zone[0] != '-') || zone[3] != ':' ||
        std::sscanf(zone.c_str() + 1, "%2d:%2d", &hours, &minutes) != 2) {
      return 0;
    }
    offset = (zone[0] == '-' ? -1 : 1) * (hours * 3600 + minutes * 60);
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  // The local time at that offset is `offset` ahead of UTC.
  return static_cast<int64_t>(timegm(&tm)) - offset;
}

std::unique_ptr<CloudFleet> MakeGceFleet(const FleetOptions& options, const FleetEnv& env,
                                         std::string* error) {
  GceCredential credential;
  Status read = ReadGceCredential(env, &credential);
  if (!read.ok()) {
    *error = read.message();
    return nullptr;
  }
  std::string project = !options.project.empty() ? options.project
                        : credential.key         ? credential.key->project_id
                                                 : "";
  if (project.empty()) {
    *error = "no GCE project: give one, or use a service account key (its project_id)";
    return nullptr;
  }
  if (!IsGcePathSegment(project)) {
    *error = "the GCE project \"" + Shortened(project) + "\" is not a project id";
    return nullptr;
  }
  std::string endpoint =
      StripTrailingSlash(options.endpoint.empty() ? kDefaultEndpoint : options.endpoint);
  if (!IsSafeCredentialUrl(endpoint)) {
    *error = "the Compute API endpoint must be https (or http on loopback, for tests)";
    return nullptr;
  }
  if (Sha256Hex("").empty()) {  // labels and requestIds are hashes
    *error = std::string("cannot load ") + kCryptoLibrary;
    return nullptr;
  }
  return std::make_unique<GceFleet>(endpoint, project, std::move(credential),
                                    std::chrono::milliseconds(options.timeout_ms));
}

}  // namespace osg
