// clouds.yaml (written by a user or an image builder): any text gives a complete application
// credential or an error, yaml-cpp's exceptions never escape, and no error quotes a secret.

#include <yaml-cpp/yaml.h>

#include <cctype>
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz_check.h"
#include "openstack_credentials.h"
#include "text.h"

namespace {

constexpr char kPath[] = "/etc/openstack/clouds.yaml";

struct Quoted {
  std::vector<std::string> secrets;  // every cloud's application_credential_secret
  std::vector<std::string> names;    // what an error may quote on purpose: names, auth_type
};

std::string Scalar(const YAML::Node& map, const char* key) {
  YAML::Node node = map[key];
  return node && node.IsScalar() ? node.Scalar() : "";
}

// Read here with yaml-cpp directly, not through the parser under test.
Quoted Collect(const std::string& text) {
  Quoted q;
  try {
    YAML::Node clouds = YAML::Load(text)["clouds"];
    if (!clouds || !clouds.IsMap()) return q;
    for (const auto& cloud : clouds) {
      if (cloud.first.IsScalar()) q.names.push_back(cloud.first.Scalar());
      if (!cloud.second.IsMap()) continue;
      q.names.push_back(Scalar(cloud.second, "auth_type"));
      YAML::Node auth = cloud.second["auth"];
      if (auth && auth.IsMap()) q.secrets.push_back(Scalar(auth, "application_credential_secret"));
    }
  } catch (const YAML::Exception&) {
  }
  return q;
}

// A secret no fixed wording or position ("line 3, column 5") can spell by chance.
bool Distinctive(const std::string& secret, const Quoted& q) {
  if (secret.size() < 8) return false;
  bool letter = false, digit = false;
  for (unsigned char c : secret) {
    letter |= std::isalpha(c) != 0;
    digit |= std::isdigit(c) != 0;
  }
  if (!letter || !digit) return false;
  for (const std::string& name : q.names) {
    if (name.find(secret) != std::string::npos) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using osg::fuzz::Require;
  const std::string text(osg::fuzz::Bytes(data, size));
  for (const char* cloud : {"", "openstack"}) {
    osg::OpenStackCredentials c;
    c.source = "unchanged";
    osg::Status status = osg::ParseCloudsYaml(text, kPath, cloud, &c);
    if (status.ok()) {
      Require(!c.auth_url.empty() && !c.id.empty() && !c.secret.empty(),
              "accepted a credential without auth URL, id and secret");
      Require(c.source.find(kPath) != std::string::npos, "a source that does not name the file");
      Require(c.interface == osg::ToLower(c.interface) && !c.interface.ends_with("url"),
              "an interface not normalized");
      continue;
    }
    Require(c.source == "unchanged" && c.secret.empty(), "the credential changed despite an error");
    Require(!status.message().empty(), "an error without a message");
    Quoted q = Collect(text);
    for (const std::string& secret : q.secrets) {
      if (!Distinctive(secret, q)) continue;
      Require(status.message().find(secret) == std::string::npos, "an error quotes the secret");
    }
  }
  return 0;
}
