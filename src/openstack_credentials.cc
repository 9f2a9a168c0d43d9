#include "openstack_credentials.h"

#include <yaml-cpp/yaml.h>

#include <cstdlib>

#include "credential_files.h"
#include "text.h"

namespace osg {
namespace {

std::string Normalize(std::string interface) {
  interface = ToLower(interface);
  if (interface.ends_with("url")) interface.resize(interface.size() - 3);  // "publicURL"
  return interface;
}

std::string Env(const EnvLookup& env, const char* name) {
  const char* value = env(name);
  return value ? Trim(value) : "";
}

// All three of auth URL, id and secret, or an error naming what `source` lacks.
Status Complete(const OpenStackCredentials& c) {
  std::string missing;
  if (c.auth_url.empty()) missing += " auth URL";
  if (c.id.empty()) missing += " application credential id";
  if (c.secret.empty()) missing += " application credential secret";
  if (missing.empty()) return Status::Ok();
  return Status::Error("the OpenStack credential from " + c.source + " lacks:" + missing);
}

std::string YamlString(const YAML::Node& map, const char* key) {
  YAML::Node node = map[key];
  return node && node.IsScalar() ? Trim(node.as<std::string>()) : "";
}

}  // namespace

const char* RealEnv(const char* name) { return std::getenv(name); }

std::vector<std::string> CloudsYamlPaths(const EnvLookup& env, const std::string& home) {
  std::vector<std::string> paths;
  std::string file = Env(env, "OS_CLIENT_CONFIG_FILE");
  if (!file.empty()) paths.push_back(file);
  if (!home.empty()) paths.push_back(StripTrailingSlash(home) + "/.config/openstack/clouds.yaml");
  paths.push_back("/etc/openstack/clouds.yaml");
  return paths;
}

std::vector<std::string> CloudsYamlPaths(const EnvLookup& env) {
  return CloudsYamlPaths(env, HomeDirectory());
}

Status ParseCloudsYaml(const std::string& text, const std::string& path, const std::string& cloud,
                       OpenStackCredentials* out) {
  // yaml-cpp reports errors by exception; none leaves this function. Its messages give a line
  // and column, never the text, so they cannot leak the secret.
  try {
    YAML::Node clouds = YAML::Load(text)["clouds"];
    if (!clouds || !clouds.IsMap() || clouds.size() == 0) {
      return Status::Error(path + ": no \"clouds:\" section");
    }
    std::string name = cloud;
    if (name.empty()) {
      if (clouds.size() != 1) {
        return Status::Error(path + " holds several clouds: set OS_CLOUD or OpenStackCloud");
      }
      name = clouds.begin()->first.as<std::string>();
    }
    YAML::Node entry = clouds[name];
    if (!entry || !entry.IsMap()) return Status::Error(path + ": no cloud named " + name);
    YAML::Node auth = entry["auth"];
    OpenStackCredentials c;
    c.source = "clouds.yaml (cloud " + name + " in " + path + ")";
    std::string auth_type = YamlString(entry, "auth_type");
    if (!auth || !auth.IsMap()) return Status::Error(c.source + " has no auth section");
    c.auth_url = YamlString(auth, "auth_url");
    c.id = YamlString(auth, "application_credential_id");
    c.secret = YamlString(auth, "application_credential_secret");
    if (c.id.empty() && !auth_type.empty() && auth_type != "v3applicationcredential") {
      return Status::Error(c.source + " uses auth_type " + auth_type +
                           "; only an application credential (v3applicationcredential) is used");
    }
    c.region = YamlString(entry, "region_name");
    std::string interface = YamlString(entry, "interface");
    if (!interface.empty()) c.interface = Normalize(interface);
    Status complete = Complete(c);
    if (!complete.ok()) return complete;
    *out = std::move(c);
    return Status::Ok();
  } catch (const YAML::Exception& e) {
    return Status::Error(path + ": not valid YAML: " + e.what());
  }
}

Status ResolveOpenStackCredentials(const OpenStackSettings& file, const EnvLookup& env,
                                   const std::vector<std::string>& clouds_yaml_paths,
                                   OpenStackCredentials* out) {
  OpenStackCredentials c;
  Status status = Status::Ok();
  if (!file.credential_id.empty() || !file.credential_secret.empty() || !file.auth_url.empty()) {
    c = {file.auth_url, file.credential_id, file.credential_secret, "",
         "public",      "the config file"};
    status = Complete(c);
  } else if (!Env(env, "OS_APPLICATION_CREDENTIAL_ID").empty() ||
             !Env(env, "OS_APPLICATION_CREDENTIAL_SECRET").empty()) {
    c = {Env(env, "OS_AUTH_URL"),
         Env(env, "OS_APPLICATION_CREDENTIAL_ID"),
         Env(env, "OS_APPLICATION_CREDENTIAL_SECRET"),
         Env(env, "OS_REGION_NAME"),
         "public",
         "the OS_* environment variables"};
    std::string interface = Env(env, "OS_INTERFACE");
    if (!interface.empty()) c.interface = Normalize(interface);
    status = Complete(c);
  } else {
    std::string cloud = file.cloud.empty() ? Env(env, "OS_CLOUD") : file.cloud;
    std::string found;
    for (const std::string& path : clouds_yaml_paths) {
      std::string text;
      bool exists = false;
      Status read = ReadCredentialFile(path, &text, &exists);
      if (!exists) continue;
      found = path;
      status = read.ok() ? ParseCloudsYaml(text, path, cloud, &c) : read;
      break;
    }
    if (found.empty()) {
      return Status::Error(
          "no OpenStack application credential: set OpenStackAuthURL, "
          "OpenStackApplicationCredentialID and OpenStackApplicationCredentialSecret in the "
          "config file, or OS_AUTH_URL, OS_APPLICATION_CREDENTIAL_ID and "
          "OS_APPLICATION_CREDENTIAL_SECRET in the agent's environment, or write a clouds.yaml "
          "(looked for: " +
          [&] {
            std::string list;
            for (const std::string& p : clouds_yaml_paths) list += (list.empty() ? "" : ", ") + p;
            return list;
          }() +
          ")");
    }
  }
  if (!status.ok()) return status;
  if (!file.region.empty()) c.region = file.region;
  if (!file.interface.empty()) c.interface = file.interface;
  if (c.interface != "public" && c.interface != "internal" && c.interface != "admin") {
    return Status::Error("the OpenStack interface from " + c.source + " is \"" + c.interface +
                         "\"; use public, internal or admin");
  }
  *out = std::move(c);
  return Status::Ok();
}

}  // namespace osg
