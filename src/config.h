#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config_diagnostic.h"
#include "duration.h"
#include "token.h"

namespace osg {

inline constexpr const char* kDefaultConfigPath = "/etc/osg-worker.conf";
inline constexpr const char* kMetricsTextfileAuto = "auto";
inline constexpr const char* kNodeExporterTextfileDir = "/var/lib/prometheus/node-exporter";

// What to do to the machine once the worker's work is over.
struct ShutdownAction {
  // kAuto: kDelete when a Cloud is configured, kPowerOff otherwise. kShelve: OpenStack only.
  enum class Kind { kAuto, kDelete, kShelve, kPowerOff, kNone, kCommand };
  Kind kind = Kind::kAuto;
  std::string command;  // for kCommand: an absolute path, run with no arguments

  std::string ToString() const;
  bool operator==(const ShutdownAction&) const = default;
};

// Where a worker's default container image comes from (DefaultImage, DefaultGPUImage): a job
// that names no image runs in it. kNone keeps such jobs on the host, as before containers.
struct ImageSource {
  enum class Kind { kNone, kPath, kUrl, kOspool };
  Kind kind = Kind::kNone;
  // kPath: an absolute path of a SIF; kUrl: an http(s) URL of one; kOspool: the OSPool image's
  // name on its image server ("htc/rocky:9").
  std::string value;
  bool operator==(const ImageSource&) const = default;
};

// OpenStack settings from the file. The credential may instead come from the agent's OS_*
// variables or clouds.yaml, known only at run time (see openstack_credentials.h).
struct OpenStackSettings {
  std::string auth_url;           // Keystone v3, e.g. https://keystone.example:5000/v3
  std::string credential_id;      // application credential id
  std::string credential_secret;  // secret: never print it
  std::string region;             // "": any region of the catalog
  std::string interface;          // "": the credential source's, else public
  std::string cloud;              // the clouds.yaml entry ("": OS_CLOUD)
  std::string metadata_url = "http://169.254.169.254";
  std::string config_drive;  // a mounted config drive; "": look for one
  bool operator==(const OpenStackSettings&) const = default;
};

// A machine with no running worker this long after its boot powers off (boot_deadline.h); also
// the timeout when no valid config says otherwise.
inline constexpr std::chrono::seconds kDefaultBootTimeout{30 * 60};
inline constexpr std::chrono::seconds kDefaultShutdownGrace{10 * 60};

// The effective settings of /etc/osg-worker.conf, defaults filled in. The keys that set them,
// with the defaults as users read them, are in config_keys.h.
struct Settings {
  std::string worker_group_name = "OSG Cloud Worker";
  std::string token;  // secret: never print it; print token_claims instead
  TokenClaims token_claims;
  std::string start;
  // The pool's collectors, "host[:port][?sock=name]" each; empty: the OSPool (pool_endpoints.h).
  std::vector<std::string> central_managers;
  Seconds idle_timeout = std::chrono::minutes(25);
  Seconds accept_window = std::chrono::hours(24 * 7);
  Seconds join_timeout = std::chrono::minutes(30);
  Seconds boot_timeout = kDefaultBootTimeout;  // osg-worker boot-deadline
  std::optional<Seconds> max_lifetime;  // none unless set
  Seconds retirement_time = std::chrono::hours(1);
  ShutdownAction shutdown_action;
  // How long the machine may still be up after a successful action before it is powered off: a
  // cloud's delete takes a minute or two, a power-off seconds.
  Seconds shutdown_grace = kDefaultShutdownGrace;
  std::string cloud;  // "", "ec2", "gce" or "openstack": whose API deletes the instance
  std::string ec2_metadata_url = "http://169.254.169.254";
  std::string ec2_endpoint;  // "": https://ec2.<region>.amazonaws.com
  // Static EC2 credentials (both or neither), instead of the instance role's. From the file, or
  // (osg-worker run) from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN.
  std::string ec2_access_key_id;
  std::string ec2_secret_access_key;  // secret: never print it
  std::string ec2_session_token;      // secret: never print it; from the environment only
  std::string gce_metadata_url = "http://metadata.google.internal";
  std::string gce_compute_endpoint = "https://compute.googleapis.com";
  OpenStackSettings openstack;
  // While a GPU is free, only jobs that ask for one start (the OSPool pilots' default).
  bool gpu_jobs_first = true;
  // DefaultImage and DefaultGPUImage; nullopt: auto (container_image.h, EffectiveDefaultImage).
  std::optional<ImageSource> default_image;
  std::optional<ImageSource> default_gpu_image;
  std::string glidein_country = "US";
  std::string launch_name;  // LaunchName: set by `osg-worker launch`; "" when launched by hand
  std::string glidein_site = "Cloud";
  std::string glidein_resource_name = "Cloud";
  std::optional<int> metrics_port;  // none: no HTTP endpoint; else 127.0.0.1:port
  // Where node_exporter's textfile collector reads our metrics: kMetricsTextfileAuto (the
  // Debian package's directory, if it exists when the agent starts), "" (off), or a path.
  std::string metrics_textfile = kMetricsTextfileAuto;
  bool operator==(const Settings&) const = default;
};

struct LoadedConfig {
  Settings settings;
  Diagnostics diagnostics;  // errors and warnings, in file order
  bool ok() const { return !HasErrors(diagnostics); }
};

// A drop-in of the config: a file of /etc/osg-worker.conf.d/ (PATH.d/*.conf for a config at
// PATH), read before the main file in name order. It holds an image's or a site's defaults
// (IdleTimeout, DefaultImage, ...); the main file, the user-data's, overrides any of them. It
// may hold no secret: every copy of the image carries it.
struct DropIn {
  std::string path;
  std::string text;
};

// Parses the text of a config file after its drop-ins. `path` names it in messages; `now` (seconds
// since the epoch) decides whether the token has expired.
LoadedConfig ParseConfig(std::string_view text, const std::string& path, int64_t now,
                         const std::vector<DropIn>& drop_ins = {});

// The drop-ins of the config at `path` alone, without the checks that need the main file: what an
// image sets before any user-data is there (BootTimeout, for the boot deadline).
LoadedConfig LoadDropIns(const std::string& path, int64_t now);

// Reads and parses the file at `path` and its drop-ins (PATH.d/*.conf), adding problems with the
// files themselves: missing, unreadable, or readable by other users while it holds a token.
LoadedConfig LoadConfig(const std::string& path, int64_t now);

// LoadConfig for `osg-worker run`, which osg-worker.path starts the moment the file appears:
// user-data's `cat >file <<EOF` creates it before writing it, and its first lines (Token, Start)
// may already be a valid file while later ones (Cloud, ShutdownAction) are still to come. So it
// first waits until no process holds the file open for writing, for at most `writer_limit` (then
// it reads what is there, with a warning). A file that is still not valid but was changed in the
// last two seconds is read again until it is valid or has been still for two seconds (at most
// 10 s): a writer may open and close it more than once (`echo >>` line by line).
LoadedConfig LoadConfigWhenWritten(const std::string& path,
                                   std::chrono::milliseconds writer_limit = std::chrono::minutes(1));

// A human summary of the effective settings, with the token shown only by its claims.
std::string DescribeSettings(const Settings& settings);

}  // namespace osg
