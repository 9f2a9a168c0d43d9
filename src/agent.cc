#include "agent.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "container_image.h"
#include "join_diagnosis.h"
#include "files.h"
#include "job_firewall.h"
#include "report.h"
#include "shutdown_action.h"
#include "start_switch.h"
#include "token.h"
#include "status_file.h"
#include "text.h"

namespace osg {
namespace {

constexpr auto kDebounce = std::chrono::milliseconds(200);
constexpr Seconds kMaxJoinProbeInterval{30};
// A joined worker asks this often whether the pool still lists it. OSG_WORKER_JOINED_RECHECK_SECONDS
// shortens it for a test (tests/e2e/two_collectors.sh).
constexpr Seconds kJoinedRecheck{300};
constexpr const char* kJoinedRecheckEnv = "OSG_WORKER_JOINED_RECHECK_SECONDS";
constexpr Seconds kProbeTimeout{20};  // RealCondorTools::QueryJoined's limit, per collector
// After the agent changes what the worker advertises, the collectors' copies are checked this
// long after (the startd sends within a second or two), and resent at most kMaxAdResends times,
// each check twice as late as the one before.
constexpr Seconds kAdCheckDelay{10};
constexpr int kMaxAdResends = 3;
constexpr Seconds kReconfigTimeout{30};  // RunCommand's default, which condor_reconfig runs with
constexpr Seconds kStopConfirmTimeout{20};
// A startd silent this long (HTCondor down, restarts failing), or refusing to turn START off,
// ends in a shutdown: no job can start there, and none can be seen (README: "Deadlines").
constexpr Seconds kCondorTimeout{30 * 60};
// The startd is asked this often at least, so that one that stopped answering is noticed
// (Lifecycle's condor_timeout); sooner while it does not answer.
constexpr Seconds kStartdRecheck{300};
constexpr Seconds kStartdRecheckWhileSilent{30};
constexpr Seconds kCondorStopTimeout{120};
// The textfile's counters are refreshed this often at most when nothing else wakes the agent
// (an idle agent wakes ~4 times a minute anyway; a refresh rides along when 30 s have passed).
constexpr Seconds kTextfileRefresh{60};

Lifecycle::Options LifecycleOptions(const Settings& s) {
  return {.idle_timeout = s.idle_timeout,
          .stop_retry = Seconds(30),
          .join_timeout = s.join_timeout,
          .accept_window = s.accept_window,
          .max_lifetime = s.max_lifetime,
          .retirement_time = s.retirement_time,
          .condor_timeout = kCondorTimeout};
}

// Wall time (from the ledger) to the steady clock, as of `now` / `wall_now`.
std::optional<TimePoint> FromWall(std::optional<double> wall, TimePoint now, int64_t wall_now) {
  if (!wall) return std::nullopt;
  return now - std::chrono::duration_cast<Clock::duration>(
                   std::chrono::duration<double>(static_cast<double>(wall_now) - *wall));
}

}  // namespace

Agent::Agent(Settings settings, std::string config_path, CondorPaths paths, AgentSeams seams)
    : settings_(std::move(settings)),
      config_path_(std::move(config_path)),
      paths_(std::move(paths)),
      seams_(std::move(seams)),
      env_(seams_.env),
      tools_(seams_.tools),
      master_(seams_.master),
      activity_([this](const char* event, nlohmann::json fields) { Record(event, std::move(fields)); },
                [this](const std::string& id) { return tools_.QueryJobExit(id); }),
      metrics_(env_.SteadyNow()),
      ledger_(seams_.ledger_path) {}

void Agent::Log(const std::string& line) { seams_.log(line); }

int RandomCollectorSocket() {
  std::random_device random;
  return std::uniform_int_distribution<int>(1, kOspoolCollectorSockets)(random);
}

// The OSPool's collector socket is chosen once per instance: a restarted agent or a rebooted
// machine keeps the collectors and the CCB route it had (its ledger says which).
void Agent::ChoosePool(const InstanceHistory& history) {
  if (settings_.central_managers.empty()) {
    collector_socket_ = history.collector_socket.value_or(0);
    if (collector_socket_ < 1 || collector_socket_ > kOspoolCollectorSockets) {
      collector_socket_ = seams_.pick_collector_socket();
    }
  }
  pool_ = EffectivePool(settings_, collector_socket_);
}

std::optional<int> Agent::Begin() {
  TimePoint now = Now();
  steady_at_start_ = now;
  wall_at_start_ = env_.WallNow();
  state_.agent_pid = getpid();
  state_.config_path = config_path_;
  state_.started_at = wall_at_start_;
  state_.shutdown_action = settings_.shutdown_action.ToString();
  LedgerReadResult ledger = ReadLedger(ledger_.path());
  for (const std::string& note : ledger.notes) Log("ledger: " + note);
  // The deadlines count from the instance's first start, which the ledger keeps across agent
  // restarts and reboots; the join timeout from when it was last in the pool, if later.
  InstanceHistory history = ReadInstanceHistory(ledger.records);
  lifecycle_.emplace(
      LifecycleOptions(settings_),
      [this](Phase from, Phase to, const std::string& reason) { OnTransition(from, to, reason); },
      Lifecycle::Start{.now = now,
                       .instance_start = FromWall(history.first_start, now, wall_at_start_),
                       .in_pool_since = FromWall(history.last_in_pool, now, wall_at_start_)});
  instance_started_at_ = ToWall(lifecycle_->InstanceStart());
  if (instance_started_at_ < wall_at_start_) {
    Log("instance started at " + FormatUtc(instance_started_at_) +
        " (ledger): the deadlines count from then");
  }
  ChoosePool(history);
  // Counted from the agent's start in milliseconds: a stale copy left by an earlier agent on this
  // instance (killed, restarted) can never carry a serial of this one's.
  ad_serial_ = wall_at_start_ * 1000;
  Status installed = InstallCondorConfig(paths_, settings_, pool_, instance_started_at_, ad_serial_,
                                         MountedCvmfsRepositories(ReadFile("/proc/self/mounts").value_or("")));
  if (!installed.ok()) {
    Log("cannot install HTCondor's configuration: " + installed.message());
    return 1;
  }
  Log("configured HTCondor for pool " + JoinAddresses(pool_.collectors) + ", WorkerGroupName \"" +
      settings_.worker_group_name + "\"");
  PrepareStateDirectory();
  InstallFirewall();  // before HTCondor starts (or is adopted): no job runs unfenced
  ResumeIdleClock(ledger.records, now);
  StartMetrics(ledger.records);
  // At the time the deadlines counted from (not now, which a slow start puts seconds later): the
  // next agent on this instance counts from this record, and must find the same retire time.
  Record(kEventAgentStart, {{"pid", state_.agent_pid}}, wall_at_start_);
  Record(kEventBoot, {{"boot_id", CurrentBootId()}});
  Record(kEventJobFirewall,
         {{"result", state_.job_firewall_ok ? "ok" : "failed"}, {"detail", state_.job_firewall}});
  // Settings only, never the token: nothing secret can reach the ledger.
  Record(kEventConfigAccepted,
         {{"worker_group_name", settings_.worker_group_name},
          {"collectors", pool_.collectors},
          {"collector_socket", collector_socket_},
          {"cpus", std::thread::hardware_concurrency()},
          {"memory_mb", sysconf(_SC_PHYS_PAGES) / 1024 * sysconf(_SC_PAGESIZE) / 1024},
          {"idle_timeout_s", settings_.idle_timeout.count()},
          {"accept_window_s", settings_.accept_window.count()}});
  if (mkdir(paths_.Log().c_str(), 0755) != 0 && errno != EEXIST) {
    Log("cannot create " + paths_.Log() + ": " + ErrnoText() + "; HTCondor will say more");
  }
  // What InstallCondorConfig advertised: no reconfig until the state really changes.
  advertised_ = {"Joining", std::nullopt, RetireWallTime(settings_, instance_started_at_)};
  // A restarted agent (killed, crashed) finds HTCondor still running its jobs: it takes it over,
  // and has it reread the configuration just written, instead of starting a second one.
  if (master_.Adopt(now)) {
    if (Status s = tools_.Reconfig(); !s.ok()) Log("after adopting HTCondor: " + s.message());
  } else if (Status s = master_.Start(now); !s.ok()) {
    Log(s.message());
  }
  next_join_probe_ = now + Seconds(1);
  ImageSource image = EffectiveDefaultImage(settings_);
  state_.default_image = image.kind == ImageSource::Kind::kNone
                             ? "none: jobs that name no image run on the host"
                             : "to be prepared once the worker is in the pool: " +
                                   DescribeImageSource(image);
  PublishState();
  return std::nullopt;
}

void Agent::Step(const AgentEvents& events) {
  TimePoint now = Now();
  if (events.master_exit_fd && master_.OnAdoptedExit(now)) OnCondorExit(now);
  for (const auto& [pid, wait_status] : events.exits) {
    if (pid == image_preparer_pid_) {
      OnImagePrepared(wait_status);
      continue;
    }
    if (master_.OnExit(pid, wait_status, now)) OnCondorExit(now);
  }
  if (events.stop_signal && !terminate_) {
    Log("received " + *events.stop_signal +
        (finished_ ? ": the shutdown action has run; exiting"
                   : ": stopping HTCondor; the machine stays up"));
    Record(kEventAgentStop, {{"reason", *events.stop_signal}});
    terminate_ = true;
  }
  if (events.log_changed && !refresh_at_) refresh_at_ = now + kDebounce;
  if (finished_ && !terminate_ && escalate_at_ && now >= *escalate_at_) Escalate(now);
  if (terminate_) return;  // End() stops HTCondor and publishes the last state
  if (finished_) {
    PublishState();
    return;
  }
  if (master_.restart_at() && now >= *master_.restart_at()) {
    if (Status s = master_.Start(now); !s.ok()) Log(s.message());
  }
  if (now >= next_firewall_check_) CheckFirewall(now);
  if (refresh_due_ || (refresh_at_ && now >= *refresh_at_) || now >= next_refresh_) {
    Refresh(now);
  }
  if (now >= next_join_probe_) {
    std::optional<TimePoint> due = DeadlineTooCloseToAsk(now, Seconds(0));
    if (state_.joined && due) {
      next_join_probe_ = *due + Seconds(5);
    } else {
      ProbeJoined(now);
    }
  }
  if (ad_check_at_ && Now() >= *ad_check_at_) {
    // The clock read again: the probes above may have taken their time. A check may resend.
    std::optional<TimePoint> due = DeadlineTooCloseToAsk(Now(), kReconfigTimeout);
    if (!state_.joined) {
      ad_check_at_.reset();  // the join probe comes first; a rejoin schedules the next check
    } else if (due) {
      ad_check_at_ = *due + Seconds(10);  // after the join probe deferred to the same deadline
    } else {
      CheckAdvertised();
    }
  }
  Execute(lifecycle_->Tick(now), now);
  PublishState();
}

int Agent::End() {
  master_.Stop(kCondorStopTimeout);
  master_.StopLeftovers(Seconds(30), image_preparer_pid_);
  ended_ = true;
  state_.condor_master_pid = 0;
  PublishState();
  return 0;
}

void Agent::FillMetricsPollFds(pollfd& listener, pollfd& client) {
  metrics_server_.FillPollFds(listener, client);
}

// Before anything changes the state: a scrape sees the state the interval ended with.
void Agent::ServeMetrics(const pollfd& listener, const pollfd& client) {
  TimePoint now = Now();
  metrics_server_.OnPoll(listener, client, now, [&] {
    AccountTime(now);
    return RenderMetrics(Metrics(), env_.WallNow());
  });
}

std::chrono::milliseconds Agent::WaitTime() const {
  if (terminate_) return std::chrono::milliseconds(0);
  TimePoint now = Now();
  TimePoint wake = now + std::chrono::hours(1);
  if (finished_ && escalate_at_) wake = std::min(wake, *escalate_at_);
  if (!finished_) {
    for (const auto& t : {lifecycle_->NextWakeup(), refresh_at_, master_.restart_at(),
                          std::optional<TimePoint>(next_join_probe_), ad_check_at_,
                          std::optional<TimePoint>(next_refresh_),
                          std::optional<TimePoint>(next_firewall_check_)}) {
      if (t) wake = std::min(wake, *t);
    }
    if (!metrics_textfile_.empty()) wake = std::min(wake, textfile_written_at_ + kTextfileRefresh);
  }
  if (std::optional<TimePoint> client = metrics_server_.Deadline()) wake = std::min(wake, *client);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(wake - now).count();
  return std::chrono::milliseconds(std::clamp<int64_t>(ms + 1, 0, 3600 * 1000));
}

// A query of an unreachable collector blocks for its timeout (and `then`, what may follow it):
// never let it delay a deadline. The deadline, if one is that close.
std::optional<TimePoint> Agent::DeadlineTooCloseToAsk(TimePoint now, Seconds then) const {
  std::optional<TimePoint> due = lifecycle_->NextWakeup();
  Seconds limit = kProbeTimeout * static_cast<int>(pool_.collectors.size()) + then + Seconds(5);
  if (due && *due - now < limit) return due;
  return std::nullopt;
}

// Whether the collectors hold the ad with the latest OSGWorkerAdSerial; if not, the startd is
// asked to send it again (a reconfig sends every slot's ad), at most kMaxAdResends times for
// each serial: after that, later checks only say when the pool has it.
void Agent::CheckAdvertised() {
  ad_check_at_.reset();
  std::optional<std::vector<int64_t>> seen = tools_.QueryAdSerials(pool_.collectors);
  if (!seen) return;  // no collector answered: the join probe says what follows
  if (AdsCurrent(*seen, ad_serial_)) {
    if (ad_resends_ > 0) Log("the pool now holds this worker's current ad");
    ad_resends_ = 0;
    return;
  }
  if (ad_resends_ >= kMaxAdResends) {
    if (ad_resends_ == kMaxAdResends) {
      Log(StaleAdText(*seen) + " after " + std::to_string(kMaxAdResends) +
          " resends; the startd's periodic update (UPDATE_INTERVAL) will bring it");
    }
    ad_resends_ = kMaxAdResends + 1;  // said once; a recheck still tells when the pool has it
    return;
  }
  ++ad_resends_;
  Log(StaleAdText(*seen) + ": asking the startd to send it again");
  if (Status s = tools_.Reconfig(); !s.ok()) Log("could not resend the ad: " + s.message());
  ad_check_at_ = Now() + kAdCheckDelay * (1 << ad_resends_);
}

std::string Agent::StaleAdText(const std::vector<int64_t>& seen) const {
  return "the pool holds " + DescribeAdSerials(seen) +
         " of this worker's ad, not the current OSGWorkerAdSerial " + std::to_string(ad_serial_);
}

void Agent::OnCondorExit(TimePoint now) {
  master_.StopLeftovers(Seconds(30), image_preparer_pid_);
  state_.joined = false;  // it rejoins after the restart; the probe will say when
  next_join_probe_ = now + Seconds(2);
  join_probe_interval_ = Seconds(1);
}

void Agent::Refresh(TimePoint now) {
  refresh_due_ = false;
  refresh_at_.reset();
  std::optional<Observation> observation = tools_.QueryStartd();
  bool silent = !observation || watch_failed_;
  next_refresh_ = now + (silent ? kStartdRecheckWhileSilent : kStartdRecheck);
  // Not up yet, or not answering: the next log change or check brings us back, and the
  // lifecycle's condor_timeout bounds how long that may last.
  if (!observation) return;
  // The startd's log changed while we wait to join (its first update went out, a claim came):
  // ask the collector now rather than at the next backoff step, at most every 2 s.
  if (!state_.joined && now >= last_event_probe_ + Seconds(2)) {
    last_event_probe_ = now;
    ProbeJoined(now);
  }
  observation->joined = state_.joined;
  activity_.Observe(*observation);
  metrics_.SawJobs(observation->running);
  cores_claimed_ = observation->cores_claimed;
  state_.claims = observation->claims;
  state_.jobs = observation->jobs;
  Execute(lifecycle_->Observe(*observation, now), now);
}

void Agent::ProbeJoined(TimePoint before) {
  std::optional<bool> joined = tools_.QueryJoined(pool_.collectors);
  // The join is known once the answer is in: the idle clock starts then, not when the question
  // was asked (a slow collector would otherwise start it before joined_at, and the idle timeout
  // would end up to a probe's length early by the owner's clock).
  TimePoint now = joined.value_or(false) ? Now() : before;
  bool was_joined = state_.joined;
  state_.joined = joined.value_or(false);
  if (state_.joined) {
    if (!was_joined) {
      Log("joined the pool: listed by " + JoinAddresses(pool_.collectors) +
          (pool_.collectors.size() > 1 ? " (one is enough)" : ""));
      Record(kEventJoined);
      state_.joined_at = env_.WallNow();
      // Only now, so that nothing competes with the join: Apptainer goes on (PublishState) and
      // the default image is fetched and tested.
      if (!image_preparer_started_) StartImagePreparer();
      state_.diagnosis.clear();
      refresh_due_ = true;
    }
    next_join_probe_ = now + IntervalOverride(std::getenv(kJoinedRecheckEnv), kJoinedRecheck);
    join_probe_interval_ = Seconds(1);
    // At every join and recheck: an update lost since (a collector restarted, say) is sent again.
    if (!ad_check_at_) ad_check_at_ = now + kAdCheckDelay;
    if (!was_joined) Refresh(now);  // the lifecycle learns it from a real observation
    return;
  }
  if (was_joined) {
    Log("the pool no longer lists this worker; waiting for it to rejoin");
    Record(kEventLeft);
  }
  std::string diagnosis = Diagnose();
  if (diagnosis != state_.diagnosis && !diagnosis.empty()) Log("not joined: " + diagnosis);
  state_.diagnosis = diagnosis;
  next_join_probe_ = now + join_probe_interval_;
  join_probe_interval_ = std::min(join_probe_interval_ * 2, kMaxJoinProbeInterval);
}

std::string Agent::Diagnose() const {
  if (!master_.running()) return "HTCondor is not running (restarting)";
  return DiagnoseJoin(ReadLogTail(paths_.Log() + "/StartLog"),
                      ReadLogTail(paths_.Log() + "/MasterLog"));
}

void Agent::Execute(const std::vector<Action>& actions, TimePoint now) {
  for (Action action : actions) {
    switch (action) {
      case Action::kStopAccepting:
        StopAccepting(now);
        break;
      case Action::kResumeAccepting:
        ResumeAccepting();
        break;
      case Action::kShutdown:
        Shutdown();
        break;
    }
  }
}

void Agent::StopAccepting(TimePoint now) {
  StartOffResult off = TurnStartOff(env_, tools_, paths_.Stopping(), kStopConfirmTimeout);
  if (!off.status.ok()) {
    Execute(lifecycle_->StopFailed(off.status.message(), now), now);
    return;
  }
  state_.claims = off.holds->claims;
  state_.jobs = off.holds->jobs;
  cores_claimed_ = off.holds->cores_claimed;
  Execute(lifecycle_->StopConfirmed(*off.holds, env_.SteadyNow()), now);
}

void Agent::ResumeAccepting() {
  Status status = TurnStartOn(env_, tools_, paths_.Stopping());
  if (!status.ok()) Log("could not turn START back on: " + status.message());
}

void Agent::Shutdown() {
  Log("shutting down: " + ShutdownReason() + "; stopping HTCondor first");
  master_.Stop(kCondorStopTimeout);
  master_.StopLeftovers(Seconds(30), image_preparer_pid_);
  state_.condor_master_pid = 0;
  bool ok = seams_.shutdown_action(settings_, [this](const ShutdownStep& s) { ReportStep(s); });
  finished_ = true;
  // `none` is the owner's choice to keep the machine; anything else must end it. A failed action
  // escalates at once; a machine still up long after a successful one, later (Escalate).
  if (settings_.shutdown_action.kind == ShutdownAction::Kind::kNone) return;
  escalate_at_ = Now() + (ok ? settings_.shutdown_grace : Seconds(0));
  if (ok) {
    Log("the machine should go now; if it is still up in " + FormatDuration(settings_.shutdown_grace) +
        ", it is powered off");
  }
}

void Agent::ReportStep(const ShutdownStep& step) {
  Log("shutdown action " + step.action + ": " + (step.ok ? "ok" : "failed") +
      (step.detail.empty() ? "" : " (" + step.detail + ")"));
  Record(kEventShutdownAction,
         {{"action", step.action}, {"result", step.ok ? "ok" : "failed"}, {"detail", step.detail}});
  last_action_ = step.action;
  last_action_ok_ = step.ok;
  WriteMetricsTextfile(Now());  // before a power-off takes the machine
}

// The decision was taken and the machine is still up: power it off, harder at each call.
void Agent::Escalate(TimePoint now) {
  Log("the machine is still up after the shutdown action: powering off (level " +
      std::to_string(escalation_level_) + ")");
  ReportStep(EscalatePowerOff(escalation_level_, seams_.power_off));
  ++escalation_level_;
  escalate_at_ = now + kEscalationGrace;
}

void Agent::Record(const char* event, nlohmann::json fields, std::optional<int64_t> at) {
  Status status =
      ledger_.Append({static_cast<double>(at.value_or(env_.WallNow())), event, std::move(fields)});
  if (status.ok() != ledger_failing_) return;
  ledger_failing_ = !status.ok();  // say it once when it starts failing, once when it recovers
  state_.ledger_error = status.ok() ? "" : status.message();
  Log(status.ok() ? "the ledger is writable again"
                  : "cannot write the ledger: " + status.message());
}

void Agent::OnTransition(Phase from, Phase to, const std::string& reason) {
  Log(Lifecycle::FormatTransition(from, to, reason));
  Record(kEventPhase, {{"from", PhaseName(from)}, {"to", PhaseName(to)}, {"reason", reason}});
  if (from == Phase::kIdle && to != Phase::kIdle) Record(kEventIdleEnd);
  if (to == Phase::kIdle && from != Phase::kIdle)
    Record(kEventIdleStart, {{"boottime", env_.BootNow()}});
  if (to == Phase::kRetiring) Record(kEventRetire, {{"reason", reason}});
  if (to == Phase::kShuttingDown) Record(kEventShutdownDecision, {{"reason", ShutdownReason()}});
}

// After a restart (kill -9, a crash) in the same boot, the idle clock continues from the
// ledger's last idle_start instead of from zero.
void Agent::ResumeIdleClock(const std::vector<LedgerRecord>& records, TimePoint now) {
  std::optional<LedgerRecord> idle_start = ResumeIdleSince(records, CurrentBootId());
  if (!idle_start) return;
  double seconds = IdleSeconds(*idle_start, static_cast<double>(env_.WallNow()), env_.BootNow());
  auto idle_for =
      std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  lifecycle_->ResumeIdleFrom(now - idle_for);
  Log("resuming the idle clock: idle for " + FormatDuration(Seconds(std::llround(seconds))));
}

// The policy's reason, with HTCondor's own words when the worker never joined.
std::string Agent::ShutdownReason() const {
  std::string reason = lifecycle_->shutdown_reason();
  if (!reason.empty() && !state_.joined && !state_.diagnosis.empty()) {
    reason += " (" + state_.diagnosis + ")";
  }
  return reason;
}

int64_t Agent::ToWall(TimePoint t) const {
  return wall_at_start_ + std::chrono::duration_cast<Seconds>(t - steady_at_start_).count();
}

// Jobs must not reach the cloud metadata service. If nft fails the agent keeps running and says
// so loudly (log, status, ledger): the rules are defence in depth, as the credentials the agent
// itself holds are in root-only files and an instance role should allow no more than deleting
// this instance (README). Refusing to run would leave a machine that costs money and does
// nothing until someone notices, while this one keeps the owner's jobs running and reports it.
// The table is left in place when the agent stops: a restart replaces it in one transaction,
// so there is no moment without it, and leaving it costs nothing.
void Agent::InstallFirewall() {
  std::vector<std::string> notes;
  std::vector<BlockedEndpoint> targets = JobFirewallTargets(settings_, seams_.resolve, &notes);
  for (const std::string& note : notes) Log("job firewall: " + note);
  firewall_targets_ = targets;
  next_firewall_check_ = Now() + JobFirewallCheckInterval(std::getenv(kJobFirewallCheckEnv));
  Status status = InstallJobFirewall(RenderJobFirewall(targets), FirewallFile(),
                                     [this](const std::vector<std::string>& argv) {
                                       return env_.Run(argv, std::chrono::seconds(20));
                                     });
  state_.job_firewall_ok = status.ok();
  if (status.ok()) {
    state_.job_firewall =
        DescribeJobFirewall(targets) + " (nftables table " + kJobFirewallTable + ")";
    Log("job firewall: " + state_.job_firewall);
  } else {
    state_.job_firewall =
        "NOT INSTALLED: " + status.message() + "; jobs can reach the cloud metadata service";
    Log("WARNING: job firewall " + state_.job_firewall);
  }
}

// Anyone may remove the table later (`systemctl reload nftables` flushes the whole ruleset):
// put it back and say so (job_firewall.h). Only news is logged and recorded.
void Agent::CheckFirewall(TimePoint now) {
  next_firewall_check_ = now + JobFirewallCheckInterval(std::getenv(kJobFirewallCheckEnv));
  JobFirewallCheck check =
      CheckJobFirewall(firewall_targets_, FirewallFile(),
                       [this](const std::vector<std::string>& argv) {
                         return env_.Run(argv, std::chrono::seconds(10));
                       },
                       state_.job_firewall_ok);
  if (!check.changed) return;
  Log(check.log);
  state_.job_firewall_ok = check.ok;
  state_.job_firewall = check.status;
  if (check.result == "reinstalled") ++state_.job_firewall_reinstalls;
  Record(kEventJobFirewall, {{"result", check.result}, {"detail", check.detail}});
}

// The owner sees the lifecycle in the seed's condor_status query: a changed state is written
// and the startd reconfigured (a rare event: phase changes, not ticks).
void Agent::StartImagePreparer() {
  image_preparer_started_ = true;
  ImageSource source = EffectiveDefaultImage(settings_);
  if (source.kind == ImageSource::Kind::kNone) return;
  env_.RemoveFile(seams_.image_report_path);
  if (seams_.start_image_preparer) image_preparer_pid_ = seams_.start_image_preparer();
  if (image_preparer_pid_ < 0) {
    OnImagePrepared(-1);
    return;
  }
  state_.default_image = "preparing " + DescribeImageSource(source);
  Log("default image: preparing " + DescribeImageSource(source) + " (pid " +
      std::to_string(image_preparer_pid_) + ")");
}

// The preparer's report becomes the ad's (60-osg-worker-image.conf): jobs that name no image
// match from now on, or never on this instance, with the reason in the ad and in `status`.
void Agent::OnImagePrepared(int wait_status) {
  image_preparer_pid_ = -1;
  std::optional<ImageReport> report = ImageReportFromJson(ReadFile(seams_.image_report_path).value_or(""));
  if (!report) {
    report = ImageReport{};
    report->source = DescribeImageSource(EffectiveDefaultImage(settings_));
    report->problem = wait_status < 0 ? "the image preparer could not start"
                                      : "the image preparer ended (wait status " +
                                            std::to_string(wait_status) + ") without a report";
  }
  state_.default_image = report->ready ? "ready: " + report->os.String() +
                                             (report->gpu ? " (the GPU image)" : "") + " in " +
                                             report->path
                                       : "NOT USABLE: " + report->problem;
  Log("default image: " + state_.default_image);
  Record(kEventDefaultImage, {{"ready", report->ready},
                              {"source", report->source},
                              {"problem", report->problem},
                              {"os", report->ready ? report->os.String() : ""}});
  Status status = env_.WriteFile(paths_.Image(), RenderImageStateConfig(report), 0644);
  if (status.ok()) status = SendAd();
  if (!status.ok()) Log("could not advertise the default image: " + status.message());
}

void Agent::Advertise(const AdvertisedState& state) {
  if (state == advertised_) return;
  advertised_ = state;
  if (Status status = SendAd(); !status.ok()) Log("could not advertise the state: " + status.message());
}

// Every change goes out with a new OSGWorkerAdSerial, and once the worker is in the pool the
// collectors' copies are checked for it (CheckAdvertised): under load an update can be lost or
// overtaken by the one before it, and the startd sends the next by itself only at
// UPDATE_INTERVAL (300 s by default).
Status Agent::SendAd() {
  Status status = env_.WriteFile(paths_.State(), RenderStateConfig(advertised_, ad_serial_ + 1), 0644);
  if (!status.ok()) return status;
  ++ad_serial_;
  if (master_.running()) status = tools_.Reconfig();
  // Checked even after a failed reconfig (the check resends); changes in a row do not postpone it.
  ad_resends_ = 0;
  TimePoint check = Now() + kAdCheckDelay;
  if (state_.joined && (!ad_check_at_ || *ad_check_at_ > check)) ad_check_at_ = check;
  return status;
}

// The status file is readable by anyone on the machine (it holds no secret); the firewall's
// ruleset in the same directory is root-only by its own mode.
void Agent::PrepareStateDirectory() {
  MakePrivateDirectory(seams_.state_dir);
  chmod(seams_.state_dir.c_str(), 0755);
}

void Agent::PublishState() {
  state_.condor_master_pid = master_.running() ? master_.pid() : 0;
  // After the shutdown action, or after a stop signal (HTCondor stopped, the machine kept).
  state_.phase = finished_ ? "ShutDown" : ended_ ? "Stopped" : PhaseName(lifecycle_->phase());
  std::optional<TimePoint> since = lifecycle_->idle_since();
  std::optional<TimePoint> deadline = lifecycle_->IdleDeadline();
  state_.idle_since = since && lifecycle_->phase() != Phase::kBusy
                          ? std::optional<int64_t>(ToWall(*since))
                          : std::nullopt;
  state_.shutdown_at = deadline ? std::optional<int64_t>(ToWall(*deadline)) : std::nullopt;
  state_.retire_at = ToWall(lifecycle_->RetireTime());
  state_.shutdown_reason = ShutdownReason();
  AccountTime(Now());
  WriteMetricsTextfile(Now());
  // Idle since: only while the idle clock runs (a Joining worker's clock start is no news).
  std::optional<int64_t> idle_since = state_.shutdown_at ? state_.idle_since : std::nullopt;
  if (!finished_ && !ended_) {
    Advertise({state_.phase, state_.shutdown_at, state_.retire_at, idle_since,
               /*containers=*/state_.joined_at.has_value()});
  }
  WorkerState unstamped = state_;
  unstamped.updated_at = 0;
  std::string json = WorkerStateToJson(unstamped);
  if (json == last_published_) return;  // rewrite only on change: idle means no disk writes
  last_published_ = json;
  state_.updated_at = env_.WallNow();
  PrepareStateDirectory();
  env_.WriteFile(seams_.state_dir + "/status.json", WorkerStateToJson(state_), 0644);
}

// The counters carry on across an agent restart on the same boot: busy and idle seconds from the
// ledger's report, and the jobs it saw start (a job still running is not counted twice).
void Agent::StartMetrics(const std::vector<LedgerRecord>& records) {
  metrics_.Restore(records, CurrentBootId(), static_cast<double>(env_.WallNow()));
  metrics_textfile_ = settings_.metrics_textfile;
  if (metrics_textfile_ == kMetricsTextfileAuto) {
    struct stat info {};
    bool found = stat(kNodeExporterTextfileDir, &info) == 0 && S_ISDIR(info.st_mode);
    metrics_textfile_ = found ? std::string(kNodeExporterTextfileDir) + "/osg_worker.prom" : "";
  }
  if (!metrics_textfile_.empty()) Log("metrics: textfile " + metrics_textfile_);
  if (settings_.metrics_port) {
    Status status = metrics_server_.Listen(*settings_.metrics_port);
    Log(status.ok()
            ? "metrics: http://127.0.0.1:" + std::to_string(metrics_server_.port()) + "/metrics"
            : "metrics: " + status.message() + "; no HTTP endpoint");
  }
}

// The interval since the last call is counted in the state it had (the loop changes the state
// only after a wakeup, and this runs first).
void Agent::AccountTime(TimePoint now) {
  metrics_.Account(now, state_.claims > 0 || state_.jobs > 0, state_.joined);
}

MetricsSnapshot Agent::Metrics() const {
  return {.phase = state_.phase,
          .joined = state_.joined,
          .slots_claimed = state_.claims,
          .cores_claimed = cores_claimed_,
          .cores_total = static_cast<double>(std::thread::hardware_concurrency()),
          .jobs_running = state_.jobs,
          .jobs_total = metrics_.jobs_total(),
          .busy_seconds = metrics_.busy_seconds(),
          .idle_seconds = metrics_.idle_seconds(),
          .shutdown_at = state_.shutdown_at,
          .last_action = last_action_,
          .last_action_ok = last_action_ok_,
          .agent_started_at = state_.started_at};
}

// Rewritten at once when something but the counters changed; otherwise when the loop wakes and
// half the refresh interval has passed, or at the refresh interval (WaitTimeoutMs).
void Agent::WriteMetricsTextfile(TimePoint now) {
  if (metrics_textfile_.empty()) return;
  MetricsSnapshot snapshot = Metrics();
  MetricsSnapshot content = snapshot;
  content.busy_seconds = content.idle_seconds = 0;
  bool changed = !textfile_written_ || content != *textfile_written_;
  bool stale = !finished_ && now - textfile_written_at_ >= kTextfileRefresh / 2;
  if (!changed && !stale) return;
  Status status =
      env_.WriteFile(metrics_textfile_, RenderMetrics(snapshot, env_.WallNow()), 0644);
  textfile_written_ = content;
  textfile_written_at_ = now;
  if (status.ok() == !textfile_failing_) return;
  textfile_failing_ = !status.ok();  // say it once when it starts failing, once when it recovers
  Log(status.ok() ? "metrics: the textfile is writable again"
                  : "metrics: cannot write the textfile: " + status.message());
}

}  // namespace osg
