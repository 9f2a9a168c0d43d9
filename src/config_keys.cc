#include "config_keys.h"

#include <algorithm>
#include <cctype>
#include <sstream>

#include "config.h"
#include "container_image.h"
#include "pool_endpoints.h"
#include "start_expr.h"
#include "text.h"

namespace osg {
namespace {

using Problems = std::vector<std::string>;

// WorkerGroupName and GLIDEIN_*: any printable text, passed to the worker's ad byte for byte.
// These are escaped, not refused (QuoteConfigString: '"' as \", '$' as $(DOLLAR)), because they
// are free text that owners already fill with anything ("Bob's $5 workers") and the seed's query
// must find them as written.
void CheckLabel(const std::string& value, Problems& problems) {
  if (value.empty()) problems.push_back("must not be empty");
  if (value.size() > 256) problems.push_back("is longer than 256 characters");
  if (value.find('\t') != std::string::npos) problems.push_back("contains a control character");
}

void SetToken(Settings& s, const std::string& value, int64_t now, Problems& problems) {
  s.token = value;
  if (value.empty()) return problems.push_back("must not be empty");
  if (std::any_of(value.begin(), value.end(), [](unsigned char c) { return std::isspace(c); })) {
    return problems.push_back(
        "contains whitespace inside the token (was it wrapped or pasted with a space?); a token is "
        "one unbroken line");
  }
  TokenParseResult parsed = ParseTokenClaims(value);
  if (!parsed.claims) return problems.push_back(parsed.error);
  s.token_claims = *parsed.claims;
  if (parsed.claims->expires_at && *parsed.claims->expires_at <= now) {
    problems.push_back("the token expired at " + FormatUtc(*parsed.claims->expires_at) +
                       "; ask the pool's administrators for a new one");
  }
}

void SetDuration(Seconds& field, const std::string& value, Problems& problems) {
  auto duration = ParseDuration(value);
  if (!duration || duration->count() <= 0) {
    return problems.push_back("\"" + value +
                              "\" is not a duration; write a number with a unit: 90s, 25m, 2h, 7d");
  }
  field = *duration;
}

void SetShutdownAction(ShutdownAction& action, const std::string& value, Problems& problems) {
  std::string lower = ToLower(value);
  if (lower == "auto") {
    action = {ShutdownAction::Kind::kAuto, ""};
  } else if (lower == "delete") {
    action = {ShutdownAction::Kind::kDelete, ""};
  } else if (lower == "shelve") {
    action = {ShutdownAction::Kind::kShelve, ""};
  } else if (lower == "poweroff") {
    action = {ShutdownAction::Kind::kPowerOff, ""};
  } else if (lower == "none") {
    action = {ShutdownAction::Kind::kNone, ""};
  } else if (lower.rfind("command:", 0) == 0 && value.size() > 9 && value[8] == '/') {
    action = {ShutdownAction::Kind::kCommand, value.substr(8)};
  } else {
    problems.push_back("\"" + value +
                       "\" is not a shutdown action; use auto, delete, shelve, poweroff, none or "
                       "command:/absolute/path");
  }
}

void SetCentralManagers(std::vector<std::string>& field, const std::string& value,
                        Problems& problems) {
  std::string problem;
  std::vector<std::string> addresses = ParseCentralManagers(value, &problem);
  if (!problem.empty()) return problems.push_back(problem);
  field = addresses;
}

// DefaultImage, DefaultGPUImage: nullopt stays for "auto" (container_image.h decides).
void SetImageSource(std::optional<ImageSource>& field, const std::string& value,
                    Problems& problems) {
  ParsedImageSource parsed = ParseImageSource(value);
  if (!parsed.error.empty()) return problems.push_back(parsed.error);
  field = parsed.source;
}

void SetBool(bool& field, const std::string& value, Problems& problems) {
  std::string lower = ToLower(value);
  if (lower == "true" || lower == "yes") return void(field = true);
  if (lower == "false" || lower == "no") return void(field = false);
  problems.push_back("\"" + value + "\" is not true or false");
}

void SetUrl(std::string& field, const std::string& value, Problems& problems) {
  bool valid = (value.rfind("http://", 0) == 0 || value.rfind("https://", 0) == 0) &&
               std::none_of(value.begin(), value.end(),
                            [](unsigned char c) { return std::isspace(c) || c < 0x20; });
  if (!valid) return problems.push_back("\"" + value + "\" is not an http:// or https:// URL");
  field = StripTrailingSlash(value);
}

// A cloud credential: one unbroken printable line. A secret's value is never quoted back.
void SetCredential(std::string& field, const std::string& value, bool secret, Problems& problems) {
  if (value.empty()) return problems.push_back("must not be empty");
  if (std::any_of(value.begin(), value.end(),
                  [](unsigned char c) { return c <= 0x20 || c >= 0x7f; })) {
    return problems.push_back(std::string(secret ? "the value" : "\"" + value + "\"") +
                              " holds a space or a character that is not printable ASCII");
  }
  field = value;
}

void SetInterface(std::string& field, const std::string& value, Problems& problems) {
  std::string lower = ToLower(value);
  // "publicURL" is the older spelling that clouds.yaml files and OS_INTERFACE still carry.
  if (lower.ends_with("url")) lower.resize(lower.size() - 3);
  if (lower != "public" && lower != "internal" && lower != "admin") {
    return problems.push_back("\"" + value +
                              "\" is not an endpoint interface; use public, "
                              "internal or admin");
  }
  field = lower;
}

void SetMetricsPort(Settings& s, const std::string& value, int64_t, Problems& problems) {
  if (ToLower(value) == "none") return s.metrics_port.reset();
  bool digits =
      !value.empty() && value.size() <= 5 &&
      std::all_of(value.begin(), value.end(), [](unsigned char c) { return std::isdigit(c); });
  int port = digits ? std::stoi(value) : 0;
  if (port < 1 || port > 65535) {
    return problems.push_back("\"" + value + "\" is not a port; use 1-65535, or none");
  }
  s.metrics_port = port;
}

void SetMetricsTextfile(Settings& s, const std::string& value, int64_t, Problems& problems) {
  std::string lower = ToLower(value);
  if (lower == "none") return s.metrics_textfile.clear();
  if (lower == kMetricsTextfileAuto) return void(s.metrics_textfile = kMetricsTextfileAuto);
  bool prom = value.size() > 6 && value.compare(value.size() - 5, 5, ".prom") == 0;
  if (value[0] != '/' || !prom || value.find("/../") != std::string::npos) {
    return problems.push_back(
        "\"" + value +
        "\" is not an absolute path ending in .prom (node_exporter reads only "
        "*.prom); or use auto or none");
  }
  s.metrics_textfile = value;
}

// Keep the order of the README's reference: `check --keys` prints them so.
const ConfigKey kKeys[] = {
    {"Token", kRequired, "the pool's IDTOKEN", SetToken},
    {"Start", kRequired, "ClassAd expression: which jobs may run",
     [](Settings& s, const std::string& v, int64_t, Problems& p) {
       if (v.empty()) return p.push_back("must not be empty");
       for (auto& problem : CheckStartExpression(v)) p.push_back(problem);
       s.start = v;
     }},
    {"WorkerGroupName", "OSG Cloud Worker", "label advertised in the worker's ad",
     [](Settings& s, const std::string& v, int64_t, Problems& p) {
       CheckLabel(v, p);
       s.worker_group_name = v;
     }},
    {"CentralManager", kOspool,
     "the pool's collectors: ospool (today's OSPool: cm-1 and cm-2.ospool.osg-htc.org, CCB through "
     "ccb-1 and ccb-2, one ?sock=collectorN for the instance), or host[:port][?sock=name], ... "
     "(updates go to each; each is also a CCB server)",
     [](Settings& s, const std::string& v, int64_t, Problems& p) {
       SetCentralManagers(s.central_managers, v, p);
     }},
    {"IdleTimeout", "25m", "shut down after this long without claims or jobs",
     [](Settings& s, const std::string& v, int64_t, Problems& p) {
       SetDuration(s.idle_timeout, v, p);
     }},
    {"AcceptWindow", "7d", "accept new jobs for this long after start",
     [](Settings& s, const std::string& v, int64_t, Problems& p) {
       SetDuration(s.accept_window, v, p);
     }},
    {"BootTimeout", "30m", "power off if no worker runs this long after the boot",
     [](Settings& s, const std::string& v, int64_t, Problems& p) {
       SetDuration(s.boot_timeout, v, p);
     }},
    {"JoinTimeout", "30m", "shut down if the pool has not accepted the worker by then",
     [](Settings& s, const std::string& v, int64_t, Problems& p) {
       SetDuration(s.join_timeout, v, p);
     }},
    {"MaxLifetime", "none", "hard cap on the instance's life",
     [](Settings& s, const std::string& v, int64_t, Problems& p) {
       Seconds lifetime{0};
       SetDuration(lifetime, v, p);
       if (lifetime.count() > 0) s.max_lifetime = lifetime;
     }},
    {"RetirementTime", "1h", "running jobs' grace once MaxLifetime is reached",
     [](Settings& s, const std::string& v, int64_t, Problems& p) {
       SetDuration(s.retirement_time, v, p);
     }},
    {"ShutdownAction", "auto",
     "what to do when the work is over: auto, delete, shelve, poweroff, none or "
     "command:/path",
     [](Settings& s, const std::string& v, int64_t, Problems& p) {
       SetShutdownAction(s.shutdown_action, v, p);
     }},
    {"ShutdownGrace", "10m",
     "after a successful delete, shelve or command, power off if the machine is still up then",
     [](Settings& s, const std::string& v, int64_t, Problems& p) {
       SetDuration(s.shutdown_grace, v, p);
     }},
    {"Cloud", "none", "whose API deletes the instance: ec2, gce or openstack",
     [](Settings& s, const std::string& v, int64_t, Problems& p) {
       std::string cloud = ToLower(v);
       if (cloud != "ec2" && cloud != "gce" && cloud != "openstack")
         return p.push_back("\"" + v + "\" is not a supported cloud; use ec2, gce or openstack");
       s.cloud = cloud;
     }},
    {"EC2MetadataURL", "http://169.254.169.254",
     "the EC2 instance metadata service (tests override it)",
     [](Settings& s, const std::string& v, int64_t, Problems& p) {
       SetUrl(s.ec2_metadata_url, v, p);
     }},
    {"EC2Endpoint", "the region's", "the EC2 API endpoint",
     [](Settings& s, const std::string& v, int64_t, Problems& p) { SetUrl(s.ec2_endpoint, v, p); }},
    {"EC2AccessKeyID", "none",
     "static EC2 access key id, with EC2SecretAccessKey (instead of the instance role's)",
     [](Settings& s, const std::string& v, int64_t, Problems& p) {
       SetCredential(s.ec2_access_key_id, v, /*secret=*/false, p);
     }},
    {"EC2SecretAccessKey", "none", "static EC2 secret access key, with EC2AccessKeyID",
     [](Settings& s, const std::string& v, int64_t, Problems& p) {
       SetCredential(s.ec2_secret_access_key, v, /*secret=*/true, p);
     }},
    {"GCEMetadataURL", "http://metadata.google.internal",
     "the GCE metadata server (tests override it)",
     [](Settings& s, const std::string& v, int64_t, Problems& p) {
       SetUrl(s.gce_metadata_url, v, p);
     }},
    {"GCEComputeEndpoint", "https://compute.googleapis.com", "the Compute Engine API endpoint",
     [](Settings& s, const std::string& v, int64_t, Problems& p) {
       SetUrl(s.gce_compute_endpoint, v, p);
     }},
    {"OpenStackAuthURL", "none", "Keystone v3 URL for the application credential",
     [](Settings& s, const std::string& v, int64_t, Problems& p) {
       SetUrl(s.openstack.auth_url, v, p);
     }},
    {"OpenStackApplicationCredentialID", "none", "the application credential's id",
     [](Settings& s, const std::string& v, int64_t, Problems& p) {
       SetCredential(s.openstack.credential_id, v, /*secret=*/false, p);
     }},
    {"OpenStackApplicationCredentialSecret", "none", "the application credential's secret",
     [](Settings& s, const std::string& v, int64_t, Problems& p) {
       SetCredential(s.openstack.credential_secret, v, /*secret=*/true, p);
     }},
    {"OpenStackRegion", "any region", "the region whose compute endpoint to use",
     [](Settings& s, const std::string& v, int64_t, Problems& p) {
       SetCredential(s.openstack.region, v, /*secret=*/false, p);
     }},
    {"OpenStackInterface", "the source's, else public",
     "the endpoint interface: public, internal or admin",
     [](Settings& s, const std::string& v, int64_t, Problems& p) {
       SetInterface(s.openstack.interface, v, p);
     }},
    {"OpenStackCloud", "from OS_CLOUD", "the cloud's entry in clouds.yaml",
     [](Settings& s, const std::string& v, int64_t, Problems& p) {
       SetCredential(s.openstack.cloud, v, /*secret=*/false, p);
     }},
    {"OpenStackMetadataURL", "http://169.254.169.254",
     "the OpenStack metadata service (tests override it)",
     [](Settings& s, const std::string& v, int64_t, Problems& p) {
       SetUrl(s.openstack.metadata_url, v, p);
     }},
    {"OpenStackConfigDrive", "looked for", "where the config drive is mounted",
     [](Settings& s, const std::string& v, int64_t, Problems& p) {
       if (v.empty() || v[0] != '/') return p.push_back("must be an absolute path");
       s.openstack.config_drive = v;
     }},
    {"GpuJobsFirst", "true",
     "while one of the worker's GPUs is free, start only jobs that ask for a GPU; false lets "
     "CPU-only jobs take any free cores",
     [](Settings& s, const std::string& v, int64_t, Problems& p) {
       SetBool(s.gpu_jobs_first, v, p);
     }},
    {"GLIDEIN_Site", "Cloud", "site name advertised as GLIDEIN_Site",
     [](Settings& s, const std::string& v, int64_t, Problems& p) {
       CheckLabel(v, p);
       s.glidein_site = v;
     }},
    {"GLIDEIN_ResourceName", "Cloud", "resource name advertised as GLIDEIN_ResourceName",
     [](Settings& s, const std::string& v, int64_t, Problems& p) {
       CheckLabel(v, p);
       s.glidein_resource_name = v;
     }},
    {"GLIDEIN_Country", "US", "country advertised as GLIDEIN_Country (OSPool jobs may ask for it)",
     [](Settings& s, const std::string& v, int64_t, Problems& p) {
       CheckLabel(v, p);
       s.glidein_country = v;
     }},
    {"LaunchName", "not set",
     "written by osg-worker launch and scale: the instance's name, advertised as "
     "OSGWorkerLaunchName so that the controller knows which of its instances joined",
     [](Settings& s, const std::string& v, int64_t, Problems& p) {
       if (!IsUrlSafeName(v, 63, "-._")) {
         return p.push_back("\"" + v + "\" is not a launch name (1-63 letters, digits, - . _)");
       }
       s.launch_name = v;
     }},
    {"DefaultImage", "auto",
     "the container image a job that names none runs in: an http(s) URL or absolute path of a "
     ".sif, ospool:NAME (the OSPool's image server), or none (such jobs run on the host); auto: "
     "ospool:htc/rocky:9 for the OSPool, none for other pools",
     [](Settings& s, const std::string& v, int64_t, Problems& p) {
       SetImageSource(s.default_image, v, p);
     }},
    {"DefaultGPUImage", "auto",
     "the default image on a machine with GPUs (every job that names none runs in it there): the "
     "same forms as DefaultImage; auto: ospool:htc/rocky:9-cuda-12.6.0 for the OSPool, "
     "DefaultImage for other pools; unused when DefaultImage is none",
     [](Settings& s, const std::string& v, int64_t, Problems& p) {
       SetImageSource(s.default_gpu_image, v, p);
     }},
    {"MetricsPort", "none", "serve Prometheus metrics on 127.0.0.1:PORT, or none", SetMetricsPort},
    {"MetricsTextfile", "auto",
     "node_exporter textfile for the metrics: auto, none, or /absolute/path.prom",
     SetMetricsTextfile},
};
}  // namespace

std::span<const ConfigKey> ConfigKeys() { return kKeys; }

const ConfigKey* FindConfigKey(std::string_view name) {
  std::string lower = ToLower(std::string(name));
  for (const ConfigKey& key : kKeys) {
    if (ToLower(key.name) == lower) return &key;
  }
  return nullptr;
}

std::string DescribeConfigKeys() {
  size_t name_width = 3, default_width = 7;
  for (const ConfigKey& key : kKeys) {
    name_width = std::max(name_width, std::string_view(key.name).size());
    default_width = std::max(default_width, std::string_view(key.default_shown).size());
  }
  auto row = [&](std::string_view name, std::string_view default_shown, std::string_view meaning) {
    std::string line(name);
    line.resize(name_width + 2, ' ');
    line += default_shown;
    line.resize(name_width + 2 + default_width + 2, ' ');
    return line + std::string(meaning) + "\n";
  };
  std::string out = row("Key", "Default", "Meaning");
  for (const ConfigKey& key : kKeys) out += row(key.name, key.default_shown, key.meaning);
  return out;
}

}  // namespace osg
