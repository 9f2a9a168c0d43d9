#include "openstack_fleet.h"

#include <cctype>
#include <chrono>
#include <memory>
#include <utility>

#include "base64.h"
#include "http.h"
#include "json_fields.h"
#include "openstack.h"
#include "openstack_credentials.h"
#include "redact.h"
#include "sigv4.h"
#include "text.h"

namespace osg {
namespace {

using Outcome = CloudResult::Outcome;

constexpr int kMaxPages = 50;  // of 1000 servers each: far beyond any project's quota

// Glance's and Neutron's catalog URLs may or may not carry the API version.
std::string WithVersion(const std::string& url, const std::string& version) {
  return url.ends_with("/" + version) ? url : url + "/" + version;
}

bool LooksLikeUuid(const std::string& text) {
  if (text.size() != 36) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? text[i] != '-' : !std::isxdigit(static_cast<unsigned char>(text[i]))) return false;
  }
  return true;
}

class OpenStackFleet : public CloudFleet {
 public:
  OpenStackFleet(OpenStackCredentials credentials, std::chrono::milliseconds timeout)
      : credentials_(std::move(credentials)), timeout_(timeout) {}

  std::string CloudName() const override { return "openstack"; }

  CloudResult Prepare(const LaunchSpec& spec, int* cores) override {
    HttpResponse r;
    if (CloudResult got = Call("GET", "/flavors/detail", "", "Nova", &r); !Done(got)) return got;
    Status flavor = FindFlavor(Json(r), spec.flavor, &launch_.flavor_id, &launch_.cores);
    if (!flavor.ok()) return {Outcome::kRefused, flavor.message()};
    if (CloudResult image = ResolveImage(spec.image); !Done(image)) return image;
    if (CloudResult network = ResolveNetwork(spec.network); !Done(network)) return network;
    *cores = launch_.cores;
    prepared_ = true;
    return {Outcome::kDone, "flavor " + spec.flavor + ": " + std::to_string(launch_.cores) +
                                " cores"};
  }

  CloudResult Create(const LaunchSpec& spec, const std::string& name, const std::string& user_data,
                     std::string* id) override {
    if (!prepared_) return {Outcome::kRefused, "Prepare was not called"};
    // A POST whose answer was lost may have made the server: look for the name first, so that a
    // retry never makes a second one.
    std::vector<FleetInstance> same_name;
    CloudResult listed = ListPages("/servers/detail?name=" + UriEncode("^" + name + "$", false),
                                   spec.group, &same_name);
    if (!Done(listed)) return listed;
    for (const FleetInstance& server : same_name) {
      if (server.name == name) {
        *id = server.id;
        return {Outcome::kDone, "server " + name + " exists already (" + server.id + ")"};
      }
    }
    HttpResponse r;
    CloudResult created = Call("POST", "/servers",
                               NovaCreateServerBody(spec, launch_, name, user_data), "Nova", &r);
    if (!Done(created)) return created;
    *id = JsonString(Json(r).value("server", nlohmann::json::object()), "id");
    if (!IsUrlSafeName(*id, 64)) return {Outcome::kRetry, "Nova's answer names no server id"};
    return {Outcome::kDone, "server " + name + " is " + *id};
  }

  CloudResult List(const std::string& group, std::vector<FleetInstance>* out) override {
    out->clear();
    return ListPages("/servers/detail?limit=1000", group, out);
  }

  CloudResult Delete(const std::string& id) override {
    if (!IsUrlSafeName(id, 64)) return {Outcome::kRefused, "not a server id: " + Shortened(id)};
    HttpResponse r;
    CloudResult login = Login();
    if (!Done(login)) return login;
    r = Send("DELETE", session_.compute_url + "/servers/" + id, "");
    CloudResult result = ClassifyNovaResponse(/*shelve=*/false, r);
    result.detail = Redacted(result.detail);
    return result;
  }

 private:
  static bool Done(const CloudResult& result) { return result.outcome == Outcome::kDone; }

  static nlohmann::json Json(const HttpResponse& r) {
    return nlohmann::json::parse(r.body, nullptr, /*allow_exceptions=*/false);
  }

  std::string Redacted(const std::string& text) const {
    return RedactSecrets(text, {credentials_.secret, session_.token});
  }

  CloudResult Login() {
    if (!session_.token.empty()) return {Outcome::kDone, ""};
    return KeystoneLogin(credentials_, timeout_, &session_);
  }

  HttpResponse Send(const std::string& method, const std::string& url, const std::string& body) {
    HttpRequest request;
    request.method = method;
    request.url = url;
    request.headers = {{"X-Auth-Token", session_.token},
                       {"Accept", "application/json"},
                       {"OpenStack-API-Version", std::string("compute ") + kNovaMicroversion}};
    if (!body.empty()) {
      request.headers.emplace_back("Content-Type", "application/json");
      request.body = body;
    }
    request.timeout = timeout_;
    return SendHttp(request);
  }

  // One request to `path` under the compute endpoint (or a full URL), logged in first; a 401
  // (an expired token) logs in again once. kDone only for a 2xx.
  CloudResult Call(const std::string& method, const std::string& path, const std::string& body,
                   const char* who, HttpResponse* r) {
    for (int attempt = 0; attempt < 2; ++attempt) {
      CloudResult login = Login();
      if (!Done(login)) return login;
      std::string url = path.starts_with("http") ? path : session_.compute_url + path;
      *r = Send(method, url, body);
      if (r->status != 401) break;
      session_.token.clear();
    }
    if (r->ok()) return {Outcome::kDone, ""};
    if (!r->error.empty()) {
      return {Outcome::kRetry, Redacted(std::string("cannot reach ") + who + ": " + r->error)};
    }
    bool retry = r->status == 429 || r->status >= 500;
    return {retry ? Outcome::kRetry : Outcome::kRefused, Redacted(HttpDetail(who, *r))};
  }

  CloudResult ServiceUrl(const char* type, const char* version, std::string* url) {
    CloudResult login = Login();
    if (!Done(login)) return login;
    Status found =
        ChooseEndpoint(session_.catalog, type, credentials_.interface, credentials_.region, url);
    if (!found.ok()) return {Outcome::kRefused, found.message()};
    *url = WithVersion(*url, version);
    return {Outcome::kDone, ""};
  }

  CloudResult ResolveImage(const std::string& image) {
    std::string glance;
    if (CloudResult got = ServiceUrl("image", "v2", &glance); !Done(got)) return got;
    HttpResponse r;
    if (LooksLikeUuid(image)) {
      CloudResult got = Call("GET", glance + "/images/" + image, "", "Glance", &r);
      if (!Done(got)) return {got.outcome, "image " + image + ": " + got.detail};
      launch_.image_id = image;
      return got;
    }
    CloudResult got = Call("GET", glance + "/images?name=" + UriEncode(image, false), "", "Glance", &r);
    if (!Done(got)) return got;
    Status one = FindOneByIdOrName(Json(r), "images", "image", image, &launch_.image_id);
    return one.ok() ? CloudResult{Outcome::kDone, ""} : CloudResult{Outcome::kRefused, one.message()};
  }

  CloudResult ResolveNetwork(const std::string& network) {
    if (network.empty()) {
      return {Outcome::kRefused,
              "a network is required (its name or id; or auto, or none): Nova's API from 2.37 on "
              "asks for one"};
    }
    if (network == "auto" || network == "none" || LooksLikeUuid(network)) {
      launch_.network = network;
      return {Outcome::kDone, ""};
    }
    std::string neutron;
    if (CloudResult got = ServiceUrl("network", "v2.0", &neutron); !Done(got)) return got;
    HttpResponse r;
    CloudResult got =
        Call("GET", neutron + "/networks?name=" + UriEncode(network, false), "", "Neutron", &r);
    if (!Done(got)) return got;
    Status one = FindOneByIdOrName(Json(r), "networks", "network", network, &launch_.network);
    return one.ok() ? CloudResult{Outcome::kDone, ""} : CloudResult{Outcome::kRefused, one.message()};
  }

  CloudResult ListPages(std::string path, const std::string& group, std::vector<FleetInstance>* out) {
    for (int page = 0; page < kMaxPages && !path.empty(); ++page) {
      HttpResponse r;
      CloudResult got = Call("GET", path, "", "Nova", &r);
      if (!Done(got)) return got;
      nlohmann::json doc = Json(r);
      for (FleetInstance& server : ParseServers(doc, group)) out->push_back(std::move(server));
      path.clear();
      for (const nlohmann::json& link : doc.value("servers_links", nlohmann::json::array())) {
        if (link.is_object() && JsonString(link, "rel") == "next") path = JsonString(link, "href");
      }
    }
    return {Outcome::kDone, ""};
  }

  OpenStackCredentials credentials_;
  std::chrono::milliseconds timeout_;
  KeystoneSession session_;
  NovaLaunch launch_;
  bool prepared_ = false;
};

}  // namespace

Status FindFlavor(const nlohmann::json& flavors_detail, const std::string& flavor, std::string* id,
                  int* cores) {
  const nlohmann::json flavors = flavors_detail.is_object()
                                     ? flavors_detail.value("flavors", nlohmann::json::array())
                                     : nlohmann::json::array();
  for (const nlohmann::json& f : flavors) {
    if (!f.is_object() || (JsonString(f, "id") != flavor && JsonString(f, "name") != flavor)) continue;
    auto vcpus = f.find("vcpus");
    if (vcpus == f.end() || !vcpus->is_number_integer() || vcpus->get<int>() < 1) {
      return Status::Error("flavor " + flavor + " has no vcpus");
    }
    *id = JsonString(f, "id");
    *cores = vcpus->get<int>();
    return Status::Ok();
  }
  return Status::Error("Nova has no flavor " + Shortened(flavor) +
                       " (openstack flavor list shows the ones this project may use)");
}

Status FindOneByIdOrName(const nlohmann::json& answer, const char* list_key, const char* what,
                         const std::string& wanted, std::string* id) {
  const nlohmann::json items = answer.is_object() ? answer.value(list_key, nlohmann::json::array())
                                                  : nlohmann::json::array();
  int found = 0;
  for (const nlohmann::json& item : items) {
    if (!item.is_object()) continue;
    if (JsonString(item, "id") != wanted && JsonString(item, "name") != wanted) continue;
    *id = JsonString(item, "id");
    ++found;
  }
  if (found == 1) return Status::Ok();
  if (found == 0) return Status::Error(std::string("no ") + what + " is named " + Shortened(wanted));
  return Status::Error(std::to_string(found) + " " + what + "s are named " + Shortened(wanted) +
                       ": give its id");
}

std::string NovaCreateServerBody(const LaunchSpec& spec, const NovaLaunch& launch,
                                 const std::string& name, const std::string& user_data) {
  nlohmann::json server = {
      {"name", name},
      {"imageRef", launch.image_id},
      {"flavorRef", launch.flavor_id},
      {"user_data", EncodeBase64(user_data)},
      {"metadata", {{kGroupMetadataKey, spec.group}}},
  };
  if (launch.network == "auto" || launch.network == "none") {
    server["networks"] = launch.network;
  } else {
    server["networks"] = nlohmann::json::array({{{"uuid", launch.network}}});
  }
  if (!spec.key_name.empty()) server["key_name"] = spec.key_name;
  if (!spec.zone.empty()) server["availability_zone"] = spec.zone;
  if (!spec.security_groups.empty()) {
    nlohmann::json groups = nlohmann::json::array();
    for (const std::string& group : spec.security_groups) groups.push_back({{"name", group}});
    server["security_groups"] = groups;
  }
  return nlohmann::json{{"server", server}}.dump();
}

std::vector<FleetInstance> ParseServers(const nlohmann::json& servers_detail,
                                        const std::string& group) {
  std::vector<FleetInstance> out;
  if (!servers_detail.is_object()) return out;
  for (const nlohmann::json& s : servers_detail.value("servers", nlohmann::json::array())) {
    if (!s.is_object()) continue;
    const nlohmann::json metadata = s.value("metadata", nlohmann::json::object());
    if (!metadata.is_object() || JsonString(metadata, kGroupMetadataKey) != group) continue;
    FleetInstance server;
    server.id = JsonString(s, "id");
    server.name = JsonString(s, "name");
    server.cloud_state = JsonString(s, "status");
    if (server.id.empty() || server.cloud_state == "DELETED") continue;
    server.state = FleetStateOf("openstack", server.cloud_state);
    server.launched_at = ParseRfc3339(JsonString(s, "created")).value_or(0);
    out.push_back(std::move(server));
  }
  return out;
}

std::unique_ptr<CloudFleet> MakeOpenStackFleet(const FleetOptions& options, const FleetEnv& env,
                                               std::string* error) {
  OpenStackSettings none;  // the owner's credential comes from the environment or clouds.yaml
  none.region = options.region;
  OpenStackCredentials credentials;
  Status found = ResolveOpenStackCredentials(none, env, CloudsYamlPaths(env), &credentials);
  if (!found.ok()) {
    *error = found.message();
    return nullptr;
  }
  return std::make_unique<OpenStackFleet>(std::move(credentials),
                                          std::chrono::milliseconds(options.timeout_ms));
}

}  // namespace osg
