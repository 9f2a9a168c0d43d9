#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "diagnostic.h"
#include "duration.h"
#include "token.h"

namespace osg {

inline constexpr const char* kDefaultConfigPath = "/etc/osg-worker.conf";
inline constexpr const char* kMetricsTextfileAuto = "auto";
inline constexpr const char* kNodeExporterTextfileDir = "/var/lib/prometheus/node-exporter";

// What to do to the machine once the worker's work is over.
struct ShutdownAction {
  // kAuto: kDelete when a Cloud is configured, kPowerOff otherwise.
  enum class Kind { kAuto, kDelete, kPowerOff, kNone, kCommand };
  Kind kind = Kind::kAuto;
  std::string command;  // for kCommand: an absolute path, run with no arguments

  std::string ToString() const;
};

// The effective settings of /etc/osg-worker.conf, defaults filled in.
struct Settings {
  std::string worker_group_name = "OSG Cloud Worker";
  std::string token;  // secret: never print it; print token_claims instead
  TokenClaims token_claims;
  std::string start;
  std::string central_manager = "flock.opensciencegrid.org";
  Seconds idle_timeout = std::chrono::minutes(25);
  Seconds accept_window = std::chrono::hours(24 * 7);
  Seconds join_timeout = std::chrono::minutes(30);
  std::optional<Seconds> max_lifetime;  // none unless set
  Seconds retirement_time = std::chrono::hours(1);
  ShutdownAction shutdown_action;
  std::string cloud;  // "" or "ec2": whose API deletes the instance
  std::string ec2_metadata_url = "http://169.254.169.254";
  std::string ec2_endpoint;  // "": https://ec2.<region>.amazonaws.com
  std::string glidein_site = "Cloud";
  std::string glidein_resource_name = "Cloud";
  std::optional<int> metrics_port;  // none: no HTTP endpoint; else 127.0.0.1:port
  // Where node_exporter's textfile collector reads our metrics: kMetricsTextfileAuto (the
  // Debian package's directory, if it exists when the agent starts), "" (off), or a path.
  std::string metrics_textfile = kMetricsTextfileAuto;
};

struct LoadedConfig {
  Settings settings;
  Diagnostics diagnostics;  // errors and warnings, in file order
  bool ok() const { return !HasErrors(diagnostics); }
};

// Parses the text of a config file. `path` names it in messages; `now` (seconds since the
// epoch) decides whether the token has expired.
LoadedConfig ParseConfig(std::string_view text, const std::string& path, int64_t now);

// Reads and parses the file at `path`, adding problems with the file itself: missing, unreadable,
// or readable by other users while it holds a token.
LoadedConfig LoadConfig(const std::string& path, int64_t now);

// A human summary of the effective settings, with the token shown only by its claims.
std::string DescribeSettings(const Settings& settings);

}  // namespace osg
