#pragma once

#include <set>
#include <string>

#include "activity_recorder.h"
#include "condor_config.h"
#include "condor_tools.h"
#include "env.h"
#include "config.h"
#include "ledger.h"
#include "lifecycle.h"
#include "metrics.h"
#include "metrics_accounting.h"
#include "metrics_server.h"
#include "shutdown_action.h"
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
  void ReportStep(const ShutdownStep& step);
  void Escalate(TimePoint now);
  void ReapChildren(TimePoint now);
  void OnCondorExit(TimePoint now);
  int WaitTimeoutMs(TimePoint now) const;
  void PublishState();
  std::string Diagnose() const;
  int64_t ToWall(TimePoint t) const;
  std::string ShutdownReason() const;
  void Advertise(const AdvertisedState& state);
  void InstallFirewall();

  Settings settings_;
  std::string config_path_;
  CondorPaths paths_;
  CondorTools& tools_;
  Env& env_ = Env::Real();  // clocks, sleep, files, processes (env.h)
  ActivityRecorder activity_;  // observations -> claim and job records in the ledger
  MetricsAccounting metrics_;  // busy and idle seconds, jobs started
  std::optional<Lifecycle> lifecycle_;  // made in Run, once the ledger says when the instance began
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
  AdvertisedState advertised_;
  // Metrics: the textfile ("" off) and the HTTP endpoint, and the counters behind them.
  std::string metrics_textfile_;
  MetricsServer metrics_server_;
  double cores_claimed_ = 0;
  std::string last_action_;
  bool last_action_ok_ = false;
  std::optional<MetricsSnapshot> textfile_written_;  // its content, counters zeroed
  TimePoint textfile_written_at_{};
  bool textfile_failing_ = false;
  int64_t wall_at_start_ = 0;    // wall times shown are derived from the monotonic clock
  TimePoint steady_at_start_{};  // the shutdown action ran: wait for SIGTERM only
  int64_t instance_started_at_ = 0;  // wall time of the instance's first start (the ledger)
  bool watch_failed_ = false;        // no inotify on the log directory: check the startd often
  TimePoint next_refresh_{};         // the startd is asked by then at the latest
  // After the shutdown action, if the machine is still up: the next power-off level and when.
  std::optional<TimePoint> escalate_at_;
  int escalation_level_ = 0;
  PowerOffSeams power_off_ = RealPowerOffSeams();
};

}  // namespace osg
