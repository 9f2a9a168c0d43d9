#pragma once

#include <functional>
#include <string>
#include <vector>

#include "config.h"
#include "status.h"

namespace osg {

// An OpenStack application credential and where to use it. `secret` is a secret: never print it.
struct OpenStackCredentials {
  std::string auth_url;  // Keystone v3 base, e.g. https://keystone.example:5000/v3
  std::string id;
  std::string secret;
  std::string region;                // "": any region
  std::string interface = "public";  // which catalog endpoint: public, internal or admin
  std::string source;                // where they came from, for messages
};

// Looks up an environment variable: nullptr when unset. Tests pass a map's lookup.
using EnvLookup = std::function<const char*(const char*)>;

// Finds the credential, from the first source that names one: the config file's OpenStack*
// keys, then the agent's OS_AUTH_URL / OS_APPLICATION_CREDENTIAL_ID /
// OS_APPLICATION_CREDENTIAL_SECRET (with OS_REGION_NAME, OS_INTERFACE), then the cloud named by
// OpenStackCloud or OS_CLOUD in clouds.yaml (the first of `clouds_yaml_paths` that exists; one
// owned by another user than root is refused: ReadCredentialFile).
// The credential and auth URL all come from that one source; OpenStackRegion and
// OpenStackInterface in the file override the source's. Errors name the source and the missing
// field, never a value.
Status ResolveOpenStackCredentials(const OpenStackSettings& file, const EnvLookup& env,
                                   const std::vector<std::string>& clouds_yaml_paths,
                                   OpenStackCredentials* out);

// Where clouds.yaml is looked for, as OpenStack's clients do for a root service:
// OS_CLIENT_CONFIG_FILE, then HOME/.config/openstack/clouds.yaml, then /etc/openstack/. `home`
// is the passwd entry's (HomeDirectory), not $HOME: systemd starts the agent without HOME.
std::vector<std::string> CloudsYamlPaths(const EnvLookup& env, const std::string& home);
// The same for the running uid's home directory.
std::vector<std::string> CloudsYamlPaths(const EnvLookup& env);

// Reads cloud `cloud` ("": the only one in the file) from the text of a clouds.yaml at `path`.
// Only application credentials (auth_type v3applicationcredential, or an auth section with
// application_credential_id) are accepted: the agent never holds a user's password.
Status ParseCloudsYaml(const std::string& text, const std::string& path, const std::string& cloud,
                       OpenStackCredentials* out);

// The process's own environment.
const char* RealEnv(const char* name);

}  // namespace osg
