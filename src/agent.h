#pragma once

#include <poll.h>
#include <sys/types.h>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "activity_recorder.h"
#include "condor_config.h"
#include "condor_tools.h"
#include "config.h"
#include "env.h"
#include "job_firewall.h"
#include "ledger.h"
#include "lifecycle.h"
#include "metrics.h"
#include "metrics_accounting.h"
#include "metrics_server.h"
#include "pool_endpoints.h"
#include "shutdown_action.h"
#include "status_file.h"
#include "supervisor.h"

namespace osg {

// Everything the agent touches outside its own memory. RealAgentSeams() is the machine; a unit
// test (agent_test.cc) passes a fake clock, a fake HTCondor, a fake master process, a shutdown
// action that only records, and files under a temporary directory.
int RandomCollectorSocket();

struct AgentSeams {
  Env& env;            // clocks, sleep, file writes, processes (nft)
  CondorTools& tools;  // condor_status, condor_reconfig, condor_history
  MasterProcess& master;
  // Carries out the configured action once HTCondor is stopped (PerformShutdownAction).
  std::function<bool(const Settings&, const ShutdownReporter&)> shutdown_action;
  PowerOffSeams power_off;  // the escalation after a decision (EscalatePowerOff)
  std::function<void(const std::string&)> log;
  HostResolver resolve = ResolveHost;  // the metadata URLs' hosts, for the job firewall
  // The OSPool's ?sock=collectorN for a new instance (a random N in 1..10); an instance keeps
  // the N its ledger names.
  std::function<int()> pick_collector_socket = RandomCollectorSocket;
  std::string ledger_path = kLedgerPath;
  // Starts the default container image's preparation in a child (`osg-worker default-image`,
  // image_preparer.h) that writes its ImageReport to `image_report_path`; -1 when it cannot.
  // Unset: no preparation (the image stays not ready).
  std::function<pid_t()> start_image_preparer;
  std::string image_report_path = std::string(kStateDir) + "/default-image.json";
  // The status file (status.json) and the job firewall's ruleset live here.
  std::string state_dir = kStateDir;
};

// What woke the loop: each field as the real loop (RunAgentLoop) read it from its descriptors.
struct AgentEvents {
  std::optional<std::string> stop_signal;   // SIGTERM or SIGINT (its name)
  std::vector<std::pair<pid_t, int>> exits;  // children reaped: pid, wait status
  bool master_exit_fd = false;              // the adopted master's pidfd is readable
  bool log_changed = false;                 // StartLog, MasterLog or .startd_address changed
};

// `osg-worker run`'s core: installs HTCondor's configuration, keeps condor_master running,
// watches the startd, drives the lifecycle policy and carries out its actions. It owns no file
// descriptor but the metrics server's and reads time only through the Env: RunAgentLoop
// (agent_loop.h) feeds it the events of signals, inotify and the master's exit; a test feeds
// made-up ones and moves a fake clock by WaitTime().
class Agent {
 public:
  Agent(Settings settings, std::string config_path, CondorPaths paths, AgentSeams seams);

  // Reads the ledger, installs HTCondor's configuration and the job firewall, starts (or adopts)
  // HTCondor. An exit status when the agent cannot go on.
  std::optional<int> Begin();
  // One turn of the loop, at the Env's now.
  void Step(const AgentEvents& events);
  // How long the loop may sleep before the next Step is due (at most an hour).
  std::chrono::milliseconds WaitTime() const;
  // A stop signal came: End() is next.
  bool stopping() const { return terminate_; }
  // Stops HTCondor (the machine stays up) and publishes the final state. The exit status.
  int End();

  // The adopted master's pidfd, readable when it exits; -1 when none.
  int master_exit_fd() const { return master_.exit_fd(); }
  // No inotify watch on HTCondor's log directory: the startd is then asked every 30 s.
  void WatchUnavailable() { watch_failed_ = true; }
  // The metrics endpoint's descriptors, for the loop's poll, and serving what poll found.
  void FillMetricsPollFds(pollfd& listener, pollfd& client);
  void ServeMetrics(const pollfd& listener, const pollfd& client);

 private:
  TimePoint Now() const { return env_.SteadyNow(); }
  void Log(const std::string& line);
  // `at`: the wall time it happened, when not now.
  void Record(const char* event, nlohmann::json fields = nlohmann::json::object(),
              std::optional<int64_t> at = std::nullopt);
  void OnTransition(Phase from, Phase to, const std::string& reason);
  void ChoosePool(const InstanceHistory& history);
  void ResumeIdleClock(const std::vector<LedgerRecord>& records, TimePoint now);
  void StartMetrics(const std::vector<LedgerRecord>& records);
  void AccountTime(TimePoint now);
  MetricsSnapshot Metrics() const;
  void WriteMetricsTextfile(TimePoint now);
  void Refresh(TimePoint now);
  void ProbeJoined(TimePoint before);  // `before`: when the step began
  void Execute(const std::vector<Action>& actions, TimePoint now);
  void StopAccepting(TimePoint now);
  void ResumeAccepting();
  void Shutdown();
  void ReportStep(const ShutdownStep& step);
  void Escalate(TimePoint now);
  void OnCondorExit(TimePoint now);
  void PrepareStateDirectory();
  void PublishState();
  std::string Diagnose() const;
  int64_t ToWall(TimePoint t) const;
  std::string ShutdownReason() const;
  void Advertise(const AdvertisedState& state);
  Status SendAd();
  void CheckAdvertised();
  std::string StaleAdText(const std::vector<int64_t>& seen) const;
  std::optional<TimePoint> DeadlineTooCloseToAsk(TimePoint now, Seconds then) const;
  void InstallFirewall();
  void StartImagePreparer();
  void OnImagePrepared(int wait_status);
  void CheckFirewall(TimePoint now);
  std::string FirewallFile() const { return seams_.state_dir + "/job-firewall.nft"; }

  Settings settings_;
  PoolEndpoints pool_;  // where the ads go (EffectivePool), fixed in Begin
  int collector_socket_ = 0;
  std::string config_path_;
  CondorPaths paths_;
  AgentSeams seams_;
  Env& env_;
  CondorTools& tools_;
  MasterProcess& master_;
  // The job firewall's rules, checked (and put back if gone) at next_firewall_check_.
  std::vector<BlockedEndpoint> firewall_targets_;
  TimePoint next_firewall_check_{};
  pid_t image_preparer_pid_ = -1;  // the running `osg-worker default-image`, if any
  bool image_preparer_started_ = false;  // once per agent, at its first join
  ActivityRecorder activity_;  // observations -> claim and job records in the ledger
  MetricsAccounting metrics_;  // busy and idle seconds, jobs started
  std::optional<Lifecycle> lifecycle_;  // made in Begin, once the ledger says when the instance began
  WorkerState state_;
  bool refresh_due_ = true;
  std::optional<TimePoint> refresh_at_;
  TimePoint next_join_probe_{};
  TimePoint last_event_probe_{};
  Seconds join_probe_interval_{1};
  bool terminate_ = false;
  bool ended_ = false;     // End() ran: HTCondor is stopped for good
  bool finished_ = false;  // the shutdown action ran: escalate if still up, else wait for SIGTERM
  std::string last_published_;
  Ledger ledger_;
  bool ledger_failing_ = false;
  AdvertisedState advertised_;
  int64_t ad_serial_ = 0;  // OSGWorkerAdSerial of the last change sent
  std::optional<TimePoint> ad_check_at_;  // when to check that the collectors hold it
  int ad_resends_ = 0;     // for this serial; kMaxAdResends + 1 once the giving up was logged
  // Metrics: the textfile ("" off) and the HTTP endpoint, and the counters behind them.
  std::string metrics_textfile_;
  MetricsServer metrics_server_;
  double cores_claimed_ = 0;
  std::string last_action_;
  bool last_action_ok_ = false;
  std::optional<MetricsSnapshot> textfile_written_;  // its content, counters zeroed
  TimePoint textfile_written_at_{};
  bool textfile_failing_ = false;
  int64_t wall_at_start_ = 0;  // wall times shown are derived from the monotonic clock
  TimePoint steady_at_start_{};
  int64_t instance_started_at_ = 0;  // wall time of the instance's first start (the ledger)
  bool watch_failed_ = false;        // no inotify on the log directory: check the startd often
  TimePoint next_refresh_{};         // the startd is asked by then at the latest
  // After the shutdown action, if the machine is still up: the next power-off level and when.
  std::optional<TimePoint> escalate_at_;
  int escalation_level_ = 0;
};

}  // namespace osg
