// The body of Keystone's token answer: choosing the compute endpoint from its catalog must give
// either one of the catalog's own compute URLs, for the interface and region asked, or an error.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "fuzz_check.h"
#include "openstack.h"

namespace {

std::string Str(const nlohmann::json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

// Independently of ChooseEndpoint: every URL the catalog offers for compute there.
std::set<std::string> Offered(const std::string& body, const std::string& interface,
                              const std::string& region) {
  std::set<std::string> urls;
  nlohmann::json doc = nlohmann::json::parse(body, nullptr, false);
  if (!doc.is_object() || !doc.contains("token") || !doc["token"].is_object()) return urls;
  nlohmann::json catalog = doc["token"].contains("catalog") ? doc["token"]["catalog"] : nullptr;
  if (!catalog.is_array()) return urls;
  for (const nlohmann::json& service : catalog) {
    if (!service.is_object() || Str(service, "type") != "compute") continue;
    if (!service.contains("endpoints") || !service["endpoints"].is_array()) continue;
    for (const nlohmann::json& endpoint : service["endpoints"]) {
      if (!endpoint.is_object() || Str(endpoint, "interface") != interface) continue;
      if (!region.empty() && Str(endpoint, "region_id") != region &&
          Str(endpoint, "region") != region) {
        continue;
      }
      std::string url = Str(endpoint, "url");
      while (!url.empty() && url.back() == '/') url.pop_back();
      urls.insert(url);
    }
  }
  return urls;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using osg::fuzz::Require;
  const std::string body(osg::fuzz::Bytes(data, size));
  for (const auto& [interface, region] : {std::pair<std::string, std::string>{"public", ""},
                                          {"internal", "RegionOne"},
                                          {"public", "IU"}}) {
    std::string url = "unchanged";
    osg::Status status = osg::ComputeEndpointFromToken(body, interface, region, &url);
    if (!status.ok()) {
      Require(url == "unchanged", "an endpoint set despite an error");
      Require(!status.message().empty(), "an error without a message");
      continue;
    }
    Require(!url.empty() && url.back() != '/', "an empty URL or one ending in '/'");
    Require(Offered(body, interface, region).count(url) == 1,
            "an endpoint that the catalog does not offer for that interface and region");
  }
  return 0;
}
