#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace osg {

// What the agent knows that Prometheus should see. Times in seconds since the epoch.
struct MetricsSnapshot {
  std::string phase;  // the lifecycle phase name, or ShutDown / Stopped
  bool joined = false;
  int slots_claimed = 0;
  double cores_claimed = 0;
  double cores_total = 0;
  int jobs_running = 0;
  int64_t jobs_total = 0;   // started since the boot (the ledger's count, carried across restarts)
  double busy_seconds = 0;  // a claim or a job held, since the boot
  double idle_seconds = 0;  // joined and not busy, since the boot
  std::optional<int64_t> shutdown_at;  // the idle deadline, when the idle clock runs
  std::string last_action;             // the last shutdown action tried: "" if none yet
  bool last_action_ok = false;
  int64_t agent_started_at = 0;
  bool operator==(const MetricsSnapshot&) const = default;
};

// The Prometheus text exposition format, version 0.0.4: HELP and TYPE for every family,
// osg_worker_ prefix, the state one-hot over every phase. `now` gives the seconds until the
// shutdown (a sample only while there is a deadline). Label values are escaped; no secret is
// ever a label (the only labels are phase names and the shutdown action).
std::string RenderMetrics(const MetricsSnapshot& snapshot, int64_t now);

inline constexpr const char* kMetricsContentType = "text/plain; version=0.0.4; charset=utf-8";

// A label value escaped as the format requires: backslash, double quote and newline.
std::string EscapeLabelValue(std::string_view value);

// The whole HTTP/1.0 response to one request head (request line and headers): 200 with the
// metrics for GET (or HEAD) /metrics, 404 for another path, 405 for another method, 400 for
// anything unparseable. `render` is called only for /metrics.
std::string MetricsHttpReply(std::string_view request_head,
                             const std::function<std::string()>& render);

}  // namespace osg
