#pragma once

#include <set>
#include <string>

#include "condor_config.h"
#include "condor_tools.h"
#include "job_firewall.h"
#include "config.h"
#include "ledger.h"
#include "lifecycle.h"
#include "metrics.h"
#include "metrics_server.h"
#include "supervisor.h"
#include "worker_state.h"

namespace osg {

// `osg-worker run`: installs HTCondor's configuration, supervises condor_master, watches the
// startd through its log directory (inotify: no polling while nothing happens), drives the
// lifecycle policy and carries out its actions. Returns the process exit status.
class Agent {
 public:
  Agent(Settings settings, std::string config_path, CondorPaths paths, CondorTools& tools);
  int Run();

 private:
  struct Fds;
  void Log(const std::string& line);
  void Record(const char* event, nlohmann::json fields = nlohmann::json::object());
  void OnTransition(Phase from, Phase to, const std::string& reason);
  void RecordJobs(const std::vector<RunningJob>& running);
  void RecordClaims(const std::vector<HeldClaim>& held);
  void ResumeIdleClock(const std::vector<LedgerRecord>& records, TimePoint now);
  void StartMetrics(const std::vector<LedgerRecord>& records);
  void AccountTime(TimePoint now);
  MetricsSnapshot Metrics() const;
  void WriteMetricsTextfile(TimePoint now);
  void Refresh(TimePoint now);
  void ProbeJoined(TimePoint now);
  void Execute(const std::vector<Action>& actions, TimePoint now);
  void StopAccepting(TimePoint now);
  void ResumeAccepting();
  void Shutdown();
  void ReapChildren(TimePoint now);
  void OnCondorExit(TimePoint now);
  int WaitTimeoutMs(TimePoint now) const;
  void PublishState();
  std::string Diagnose() const;
  int64_t ToWall(TimePoint t) const;
  std::string ShutdownReason() const;
  void Advertise(const AdvertisedState& state);
  void InstallFirewall();
  void CheckFirewall(TimePoint now);

  Settings settings_;
  // The job firewall's rules, checked (and put back if gone) at next_firewall_check_.
  std::vector<BlockedEndpoint> firewall_targets_;
  TimePoint next_firewall_check_{};
  std::string config_path_;
  CondorPaths paths_;
  CondorTools& tools_;
  Lifecycle lifecycle_;
  Supervisor supervisor_;
  WorkerState state_;
  bool refresh_due_ = true;
  std::optional<TimePoint> refresh_at_;
  TimePoint next_join_probe_{};
  TimePoint last_event_probe_{};
  Seconds join_probe_interval_{1};
  bool terminate_ = false;
  bool finished_ = false;
  std::string last_published_;
  Ledger ledger_;
  bool ledger_failing_ = false;
  std::vector<RunningJob> running_;  // as last recorded in the ledger
  std::vector<HeldClaim> held_;      // as last recorded in the ledger
  AdvertisedState advertised_;
  // Metrics: the textfile ("" off) and the HTTP endpoint, and the counters behind them.
  std::string metrics_textfile_;
  MetricsServer metrics_server_;
  std::set<std::string> jobs_seen_;  // job ids started on this boot (the ledger's, then ours)
  double busy_seconds_ = 0;
  double idle_seconds_ = 0;
  TimePoint accounted_at_{};
  bool accounted_busy_ = false;
  bool accounted_joined_ = false;
  double cores_claimed_ = 0;
  std::string last_action_;
  bool last_action_ok_ = false;
  std::optional<MetricsSnapshot> textfile_written_;  // its content, counters zeroed
  TimePoint textfile_written_at_{};
  bool textfile_failing_ = false;
  int64_t wall_at_start_ = 0;    // wall times shown are derived from the monotonic clock
  TimePoint steady_at_start_{};  // the shutdown action ran: wait for SIGTERM only
};

}  // namespace osg
