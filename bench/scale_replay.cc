// Instance-hours launched per busy instance-hour, and jobs' wait, for three scaling rules replayed
// against the same synthetic queues (issue 12): ours (the real osg::DecideScale, each worker
// retiring itself after IdleTimeout), elastiq's and cloudscheduler's, the last two written here
// from their documentation (no code of theirs). Deterministic: every draw comes from a seeded
// std::mt19937_64, whose output the standard fixes, through our own transforms
// (std::*_distribution differ between standard libraries), so one seed prints the same table
// everywhere.
//
// Usage: scale_replay [SEED]   (default 1)
//
// Model, the same for every rule:
//  - one queue, one cloud; jobs take one core each; job run times exponential, mean 20m, at least
//    1m; a workload's jobs are drawn once and replayed against every rule and fleet shape;
//  - workers of 1 core, then of 4 cores (two fleet shapes); at most 20 workers at once;
//  - a launched worker joins the pool 2m later and is billed from its launch to its deletion;
//  - matchmaking is instant: a queued job starts, first come first served, the second a joined
//    worker has a free core (the first launched worker first); HTCondor's negotiation cycle and
//    the jobs' transfers are left out;
//  - a deletion stops the billing at once (ours' 1 s from decision to delete, the others' drain
//    and cloud API time, are left out);
//  - a fixed step of 1 s; each rule acts at its own documented period within it;
//  - jobs that never start (a rule that launches nothing for them) are counted as "unrun"; the
//    replay stops 24h after the last arrival, or earlier once every job ran and every worker is
//    gone.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "scale_policy.h"

namespace {

using Secs = std::int64_t;
constexpr Secs kMinute = 60, kHour = 60 * kMinute;
constexpr Secs kBootToJoin = 2 * kMinute;
constexpr int kMaxWorkers = 20;
constexpr Secs kWindow = 12 * kHour;  // Poisson arrivals come during this window
constexpr Secs kReplayAfterLastArrival = 24 * kHour;

class Rng {
 public:
  explicit Rng(std::uint64_t seed) : engine_(seed) {}
  double Uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }  // [0, 1)
  double Exponential(double mean) { return -mean * std::log1p(-Uniform()); }

 private:
  std::mt19937_64 engine_;
};

// ---------------------------------------------------------------------------------------------
// Workloads

struct Job {
  Secs arrival = 0;
  Secs duration = 0;
  std::optional<Secs> start;
  std::optional<Secs> end;
};

Secs RunTime(Rng& rng) {
  return std::max<Secs>(kMinute, std::llround(rng.Exponential(20.0 * kMinute)));
}

Job NewJob(Secs arrival, Secs duration) {
  Job job;
  job.arrival = arrival;
  job.duration = duration;
  return job;
}

void AddBurst(Rng& rng, Secs at, int count, std::vector<Job>* jobs) {
  for (int i = 0; i < count; ++i) jobs->push_back(NewJob(at, RunTime(rng)));
}

void AddPoisson(Rng& rng, double mean_gap, std::vector<Job>* jobs) {
  for (double t = rng.Exponential(mean_gap); t < kWindow; t += rng.Exponential(mean_gap)) {
    jobs->push_back(NewJob(std::llround(t), RunTime(rng)));
  }
}

struct Workload {
  const char* name;
  std::function<void(Rng&, std::vector<Job>*)> make;
};

const std::vector<Workload>& Workloads() {
  static const std::vector<Workload> workloads = {
      {"burst: 200 jobs at 0",
       [](Rng& rng, std::vector<Job>* jobs) { AddBurst(rng, 0, 200, jobs); }},
      {"Poisson gap 2m, 12h",
       [](Rng& rng, std::vector<Job>* jobs) { AddPoisson(rng, 2.0 * kMinute, jobs); }},
      {"Poisson gap 10m, 12h",
       [](Rng& rng, std::vector<Job>* jobs) { AddPoisson(rng, 10.0 * kMinute, jobs); }},
      {"Poisson gap 40m, 12h",
       [](Rng& rng, std::vector<Job>* jobs) { AddPoisson(rng, 40.0 * kMinute, jobs); }},
      {"mix: gap 10m + 2x60",
       [](Rng& rng, std::vector<Job>* jobs) {
         AddPoisson(rng, 10.0 * kMinute, jobs);
         AddBurst(rng, 3 * kHour, 60, jobs);
         AddBurst(rng, 8 * kHour, 60, jobs);
       }},
  };
  return workloads;
}

std::vector<Job> MakeJobs(const Workload& workload, std::uint64_t stream_seed) {
  Rng rng(stream_seed);
  std::vector<Job> jobs;
  workload.make(rng, &jobs);
  std::stable_sort(jobs.begin(), jobs.end(),
                   [](const Job& a, const Job& b) { return a.arrival < b.arrival; });
  return jobs;
}

// ---------------------------------------------------------------------------------------------
// The cloud and the pool

struct Worker {
  int id = 0;
  Secs launched = 0;
  Secs joins_at = 0;
  std::vector<Secs> job_ends;  // one per running job
  Secs idle_since = 0;         // its join, or its last job's end; meaningful while it runs none
  bool ran_a_job = false;

  bool Joined(Secs now) const { return now >= joins_at; }
  int Running() const { return static_cast<int>(job_ends.size()); }
};

struct Tally {
  int launched = 0;
  Secs billed = 0;  // instance seconds, launch to deletion
  Secs busy = 0;    // instance seconds with at least one job running
};

class Rule;

// What the rules see and do: the queue, the workers, launches and deletions.
class Fleet {
 public:
  Fleet(std::vector<Job>* jobs, int cores_per_worker)
      : jobs_(*jobs), cores_per_worker_(cores_per_worker) {}

  int cores_per_worker() const { return cores_per_worker_; }
  const std::vector<Worker>& workers() const { return workers_; }
  int IdleJobs() const { return static_cast<int>(queue_.size()); }
  int RunningJobs() const {
    int running = 0;
    for (const Worker& worker : workers_) running += worker.Running();
    return running;
  }
  int Booting(Secs now) const {
    return static_cast<int>(std::count_if(workers_.begin(), workers_.end(),
                                          [now](const Worker& w) { return !w.Joined(now); }));
  }
  const Tally& tally() const { return tally_; }

  void Launch(Secs now, int count) {
    for (int i = 0; i < count && static_cast<int>(workers_.size()) < kMaxWorkers; ++i) {
      Worker worker;
      worker.id = next_id_++;
      worker.launched = now;
      worker.joins_at = now + kBootToJoin;
      worker.idle_since = worker.joins_at;
      workers_.push_back(worker);
      ++tally_.launched;
    }
  }
  // Deletes idle workers only: every rule here retires a worker when it runs nothing.
  void Delete(int id) {
    std::erase_if(workers_, [id](const Worker& w) { return w.id == id && w.Running() == 0; });
  }

  void Step(Secs now, Rule& rule);
  bool Finished() const {
    return next_arrival_ == jobs_.size() && queue_.empty() && workers_.empty();
  }
  Secs LastArrival() const { return jobs_.empty() ? 0 : jobs_.back().arrival; }

 private:
  void EndJobs(Secs now) {
    for (Worker& worker : workers_) {
      if (std::erase(worker.job_ends, now) > 0 && worker.job_ends.empty()) worker.idle_since = now;
    }
  }
  void Arrive(Secs now) {
    while (next_arrival_ < jobs_.size() && jobs_[next_arrival_].arrival <= now) {
      queue_.push_back(next_arrival_++);
    }
  }
  void Match(Secs now) {
    for (Worker& worker : workers_) {
      if (!worker.Joined(now)) continue;
      while (!queue_.empty() && worker.Running() < cores_per_worker_) {
        Job& job = jobs_[queue_.front()];
        queue_.pop_front();
        job.start = now;
        job.end = now + job.duration;
        worker.job_ends.push_back(*job.end);
        worker.ran_a_job = true;
      }
    }
  }
  void Bill() {
    for (const Worker& worker : workers_) {
      ++tally_.billed;
      if (worker.Running() > 0) ++tally_.busy;
    }
  }

  std::vector<Job>& jobs_;
  int cores_per_worker_;
  size_t next_arrival_ = 0;
  std::deque<size_t> queue_;
  std::vector<Worker> workers_;
  int next_id_ = 0;
  Tally tally_;
};

class Rule {
 public:
  virtual ~Rule() = default;
  // Called every second, after job ends, arrivals and matching.
  virtual void Act(Secs now, Fleet& fleet) = 0;
};

void Fleet::Step(Secs now, Rule& rule) {
  EndJobs(now);
  Arrive(now);
  Match(now);  // before the rule: a job that comes at a worker's idle deadline wins
  rule.Act(now, *this);
  Bill();
}

std::vector<int> IdleFor(const Fleet& fleet, Secs now,
                         const std::function<bool(const Worker&)>& due) {
  std::vector<int> ids;
  for (const Worker& worker : fleet.workers()) {
    if (worker.Joined(now) && worker.Running() == 0 && due(worker)) ids.push_back(worker.id);
  }
  return ids;
}

// ---------------------------------------------------------------------------------------------
// Ours: the controller (`osg-worker scale`) polls every 30 s and asks the real osg::DecideScale;
// idle workers are not its business: each worker deletes itself IdleTimeout (25m) after it went
// idle (its last job's end, or its join), to the second.

class Ours : public Rule {
 public:
  static constexpr Secs kPoll = 30;
  static constexpr Secs kIdleTimeout = 25 * kMinute;

  explicit Ours(int cores_per_worker) {
    limits_.max_workers = kMaxWorkers;
    limits_.cores_per_worker = cores_per_worker;  // max_booting, cooldown, join_timeout: defaults
  }
  static std::string Describe() {
    osg::ScaleLimits defaults;
    return "  ours: osg::DecideScale every " + std::to_string(kPoll) + " s, max_booting " +
           std::to_string(defaults.max_booting) + ", cooldown " +
           std::to_string(defaults.cooldown) + " s, join_timeout " +
           std::to_string(defaults.join_timeout) + " s;\n    each worker deletes itself " +
           std::to_string(kIdleTimeout / kMinute) + "m after its last job (or its join)\n";
  }

  void Act(Secs now, Fleet& fleet) override {
    for (int id : IdleFor(fleet, now,
                          [now](const Worker& w) { return now - w.idle_since >= kIdleTimeout; })) {
      fleet.Delete(id);
    }
    if (now % kPoll == 0) Poll(now, fleet);
  }

 private:
  void Poll(Secs now, Fleet& fleet) {
    osg::ScaleInputs inputs;
    inputs.now = now;
    inputs.demand_cores = fleet.IdleJobs();  // one core per job
    inputs.last_launch = last_launch_;
    for (const Worker& worker : fleet.workers()) {
      bool joined = worker.Joined(now);
      inputs.workers.push_back(
          {.id = std::to_string(worker.id),
           .cloud = joined ? osg::ScaledWorker::Cloud::kActive : osg::ScaledWorker::Cloud::kBooting,
           .joined = joined,
           .launched_at = worker.launched});
    }
    osg::ScaleDecision decision = osg::DecideScale(limits_, inputs);
    for (const osg::ScaleDeletion& deletion : decision.deletions) {
      fleet.Delete(std::stoi(deletion.id));  // join timeouts only: never with a 2m boot
    }
    if (decision.launch > 0) {
      fleet.Launch(now, decision.launch);
      last_launch_ = now;
    }
  }

  osg::ScaleLimits limits_;
  std::optional<Secs> last_launch_;
};

// ---------------------------------------------------------------------------------------------
// elastiq (github.com/dberzano/elastiq, last commit aba5b0f, 2018). What its README documents:
// "If too many jobs are waiting, it requests new virtual machines"; "If some machines are idle for
// some time, it turns them off"; a min/max quota of VMs (README.md). Its knobs and their values
// are in the example configuration the README points to (etc/elastiq.conf): check_queue_every_s
// 15, check_vms_every_s 45, waiting_jobs_threshold 10, waiting_jobs_time_s 100, n_jobs_per_vm 4,
// idle_for_time_s 3600, estimated_vm_deploy_time_s 600, min_vms 0, max_vms 3. The daemon's
// built-in values, used when the file leaves a knob out, differ for two of them:
// waiting_jobs_threshold 0 and waiting_jobs_time_s 40 (pylib/elastiq/__init__.py); both sets are
// replayed. The README says no more about what the knobs do; their meaning below was read from
// the daemon (the same file) and written here anew:
//  - every check_queue_every_s: the waiting jobs, less n_jobs_per_vm for each VM launched in the
//    last estimated_vm_deploy_time_s (those are expected to take jobs soon), are compared with
//    waiting_jobs_threshold; once they have stayed at or above it for more than
//    waiting_jobs_time_s, ceil(waiting / n_jobs_per_vm) VMs are requested, at most max_vms in all,
//    and the clock restarts;
//  - every check_vms_every_s: a VM running no job whose state has not changed for more than
//    idle_for_time_s (since its last job ended, or since it joined) is shut down, down to min_vms.
// Simplified: max_vms is the shared cap of 20, not the example's 3; n_jobs_per_vm is the worker's
// cores (4, the default, for the 4-core shape; 1 for the 1-core shape, where 4 would launch a
// quarter of what the queue needs); the quota counts the VMs in the cloud (the daemon also adds
// its "allegedly running" count); elastiq's own deletion of VMs not joined after
// estimated_vm_deploy_time_s never fires with a 2m boot; the idle clock is the exact job end, not
// the one the 45 s poll sees.

struct ElastiqKnobs {
  const char* label;
  int waiting_jobs_threshold;
  Secs waiting_jobs_time_s;
  Secs check_queue_every_s = 15;
  Secs check_vms_every_s = 45;
  Secs idle_for_time_s = 3600;
  Secs estimated_vm_deploy_time_s = 600;
};

const ElastiqKnobs kElastiqExample = {
    .label = "elastiq 10/100s", .waiting_jobs_threshold = 10, .waiting_jobs_time_s = 100};
const ElastiqKnobs kElastiqBuiltIn = {
    .label = "elastiq 0/40s", .waiting_jobs_threshold = 0, .waiting_jobs_time_s = 40};

class Elastiq : public Rule {
 public:
  Elastiq(const ElastiqKnobs& knobs, int cores_per_worker)
      : knobs_(knobs), jobs_per_vm_(cores_per_worker) {}

  void Act(Secs now, Fleet& fleet) override {
    if (now % knobs_.check_vms_every_s == 0) ShutDownIdle(now, fleet);
    if (now % knobs_.check_queue_every_s == 0) CheckQueue(now, fleet);
  }

 private:
  void ShutDownIdle(Secs now, Fleet& fleet) {
    for (int id : IdleFor(fleet, now, [&](const Worker& w) {
           return now - w.idle_since > knobs_.idle_for_time_s;
         })) {
      fleet.Delete(id);
    }
  }

  void CheckQueue(Secs now, Fleet& fleet) {
    while (!recent_launches_.empty() &&
           now - recent_launches_.front() >= knobs_.estimated_vm_deploy_time_s) {
      recent_launches_.pop_front();
    }
    int waiting = fleet.IdleJobs() - jobs_per_vm_ * static_cast<int>(recent_launches_.size());
    if (waiting < knobs_.waiting_jobs_threshold) {
      first_seen_above_.reset();
      return;
    }
    if (!first_seen_above_) {
      first_seen_above_ = now;
      return;
    }
    if (now - *first_seen_above_ <= knobs_.waiting_jobs_time_s) return;
    int wanted = waiting <= 0 ? 0 : (waiting + jobs_per_vm_ - 1) / jobs_per_vm_;
    int room = kMaxWorkers - static_cast<int>(fleet.workers().size());
    int launch = std::min(wanted, room);
    fleet.Launch(now, launch);
    for (int i = 0; i < launch; ++i) recent_launches_.push_back(now);
    first_seen_above_.reset();
  }

  ElastiqKnobs knobs_;
  int jobs_per_vm_;
  std::optional<Secs> first_seen_above_;
  std::deque<Secs> recent_launches_;
};

// ---------------------------------------------------------------------------------------------
// cloudscheduler V2 (github.com/hep-gc/cloudscheduler, commit 65323a6, its documentation only):
//  - scale up: "view_active_resource_shortfall" (docs/schema_doc/views/): shortfall_cores =
//    request_cores (all idle and running jobs) - active_cores (the cores its VMs provide); above
//    zero, VMs are started to meet it. At most max_start_vm_cloud = 5 per cloud per cycle, and
//    new_VMs_throttle = 5: no more new VMs once that many are "starting" or "unregistered"
//    ("view_resource_contention"; values from cli/man/configuration/_csmain.so-x and
//    schema/schema_backup/stable-2.10.4.rc1/csv2_configuration). The cycle: csmain's
//    sleep_interval_main_long, 10 s (same files). The cap: cores_ctl ("csv2_clouds", the most
//    cores it uses on a cloud), here 20 workers' worth.
//  - scale down ("view_idle_vms"): a VM is retired once it exceeds one of: keep_alive, the most
//    seconds it stays idle after completing a job (group vm_keep_alive, default 300 in the schema,
//    schema/schema_backup/stable-2.10.0.rc1/csv2_groups; the man pages say "Default: None" for the
//    option, i.e. the group's); job_alive, registration to its first job (vm_job_alive, 400 s in
//    cli/man/configuration/_SQL.so-x, 2019; the 2023 snapshot stable-2.10.4.rc1 holds 1800);
//    come_alive, instantiation to registration (vm_come_alive, 2400 s there, 7200 in the
//    snapshot: never reached with a 2m boot).
// Simplified: a VM is deleted in the cycle that finds it past a threshold (cloudscheduler sets its
// retire flag there, and the VM goes some poller cycles later); one flavor, one cloud, one group,
// no target aliases, RAM and disk never short.

class CloudScheduler : public Rule {
 public:
  static constexpr Secs kCycle = 10;
  static constexpr int kMaxStartVmCloud = 5;
  static constexpr int kNewVmsThrottle = 5;
  static constexpr Secs kKeepAlive = 300;
  static constexpr Secs kJobAlive = 400;

  void Act(Secs now, Fleet& fleet) override {
    if (now % kCycle != 0) return;
    Retire(now, fleet);
    StartForShortfall(now, fleet);
  }

 private:
  static void Retire(Secs now, Fleet& fleet) {
    for (int id : IdleFor(fleet, now, [now](const Worker& w) {
           return w.ran_a_job ? now - w.idle_since > kKeepAlive : now - w.joins_at > kJobAlive;
         })) {
      fleet.Delete(id);
    }
  }

  static void StartForShortfall(Secs now, Fleet& fleet) {
    int cores = fleet.cores_per_worker();
    int request_cores = fleet.IdleJobs() + fleet.RunningJobs();
    int active_cores = static_cast<int>(fleet.workers().size()) * cores;
    int shortfall = request_cores - active_cores;
    if (shortfall <= 0) return;
    int launch = std::min({(shortfall + cores - 1) / cores, kMaxStartVmCloud,
                           kNewVmsThrottle - fleet.Booting(now),
                           kMaxWorkers - static_cast<int>(fleet.workers().size())});
    if (launch > 0) fleet.Launch(now, launch);
  }
};

// ---------------------------------------------------------------------------------------------
// The replay and the table

struct Outcome {
  Tally tally;
  int unrun = 0;
  double wait_mean_min = 0;
  double wait_p95_min = 0;
  std::optional<Secs> makespan;  // first arrival to last job end; none when a job never ran
};

Outcome Summarize(const std::vector<Job>& jobs, const Tally& tally) {
  Outcome outcome;
  outcome.tally = tally;
  std::vector<Secs> waits;
  Secs last_end = 0;
  for (const Job& job : jobs) {
    if (!job.start) {
      ++outcome.unrun;
      continue;
    }
    waits.push_back(*job.start - job.arrival);
    last_end = std::max(last_end, *job.end);
  }
  if (!waits.empty()) {
    std::sort(waits.begin(), waits.end());
    double sum = 0;
    for (Secs wait : waits) sum += static_cast<double>(wait);
    outcome.wait_mean_min = sum / static_cast<double>(waits.size()) / kMinute;
    size_t rank = static_cast<size_t>(std::ceil(0.95 * static_cast<double>(waits.size())));
    outcome.wait_p95_min = static_cast<double>(waits[rank - 1]) / kMinute;  // nearest rank
  }
  if (outcome.unrun == 0 && !jobs.empty()) outcome.makespan = last_end - jobs.front().arrival;
  return outcome;
}

Outcome Replay(std::vector<Job> jobs, int cores_per_worker, Rule& rule) {
  Fleet fleet(&jobs, cores_per_worker);
  Secs stop = fleet.LastArrival() + kReplayAfterLastArrival;
  for (Secs now = 0; now <= stop && !(now > 0 && fleet.Finished()); ++now) fleet.Step(now, rule);
  return Summarize(jobs, fleet.tally());
}

struct NamedRule {
  std::string name;
  std::function<std::unique_ptr<Rule>(int cores_per_worker)> make;
};

std::vector<NamedRule> Rules() {
  return {
      {"ours", [](int cores) { return std::make_unique<Ours>(cores); }},
      {kElastiqExample.label,
       [](int cores) { return std::make_unique<Elastiq>(kElastiqExample, cores); }},
      {kElastiqBuiltIn.label,
       [](int cores) { return std::make_unique<Elastiq>(kElastiqBuiltIn, cores); }},
      {"cloudscheduler", [](int) { return std::make_unique<CloudScheduler>(); }},
  };
}

double Hours(Secs s) { return static_cast<double>(s) / kHour; }

void PrintHeader(std::uint64_t seed) {
  std::printf("scale_replay: seed %llu; one queue, one cloud, at most %d workers,\n",
              static_cast<unsigned long long>(seed), kMaxWorkers);
  std::printf("  launch to join %lldm (billed); jobs of one core, run time exponential,\n",
              static_cast<long long>(kBootToJoin / kMinute));
  std::printf("  mean 20m, at least 1m; a queued job starts on a free core at once\n");
  std::printf("%s", Ours::Describe().c_str());
  std::printf(
      "  elastiq: waiting_jobs_threshold / waiting_jobs_time_s 10/100s (etc/elastiq.conf)\n"
      "    or 0/40s (built in); queue checked every 15 s; n_jobs_per_vm = cores; VMs\n"
      "    launched in the last 600 s count as taking jobs; idle ones go after 3600 s\n");
  std::printf(
      "  cloudscheduler: every 10 s, VMs for (idle + running job cores) - VM cores, at most\n"
      "    5 a cycle and 5 starting; retired 300 s idle after a job (keep_alive), or 400 s\n"
      "    after joining without a first job (job_alive)\n");
  std::printf(
      "  inst-h: launch to deletion; busy-h: with a job running; x busy = inst-h / busy-h;\n"
      "  wait: submit to start, minutes, jobs that ran; unrun: not started 24h after the\n"
      "  last arrival; makespan: first arrival to last job end, hours\n\n");
  std::printf("%-21s %4s %5s  %-15s %4s %7s %7s %6s %9s %8s %8s %5s\n", "workload", "jobs", "cores",
              "rule", "inst", "inst-h", "busy-h", "x busy", "wait mean", "wait p95", "makespan",
              "unrun");
}

void PrintRow(const std::string& workload, const std::string& jobs, int cores,
              const std::string& rule, const Outcome& o) {
  double busy_h = Hours(o.tally.busy);
  char ratio[16] = "-", makespan[16] = "-";
  if (o.tally.busy > 0) std::snprintf(ratio, sizeof ratio, "%.2f", Hours(o.tally.billed) / busy_h);
  if (o.makespan) std::snprintf(makespan, sizeof makespan, "%.2f", Hours(*o.makespan));
  std::printf("%-21s %4s %5d  %-15s %4d %7.1f %7.1f %6s %9.1f %8.1f %8s %5d\n", workload.c_str(),
              jobs.c_str(), cores, rule.c_str(), o.tally.launched, Hours(o.tally.billed), busy_h,
              ratio, o.wait_mean_min, o.wait_p95_min, makespan, o.unrun);
}

}  // namespace

int main(int argc, char** argv) {
  char* rest = nullptr;
  std::uint64_t seed = argc > 1 ? std::strtoull(argv[1], &rest, 10) : 1;
  if ((rest && *rest) || argc > 2) {
    std::fprintf(stderr, "usage: scale_replay [SEED]\n");
    return 2;
  }
  PrintHeader(seed);
  for (size_t w = 0; w < Workloads().size(); ++w) {
    std::vector<Job> jobs = MakeJobs(Workloads()[w], seed * 1000 + w);
    bool first_row = true;
    for (int cores : {1, 4}) {
      for (const NamedRule& named : Rules()) {
        std::unique_ptr<Rule> rule = named.make(cores);
        Outcome outcome = Replay(jobs, cores, *rule);
        PrintRow(first_row ? Workloads()[w].name : "", first_row ? std::to_string(jobs.size()) : "",
                 cores, named.name, outcome);
        first_row = false;
      }
    }
  }
  return 0;
}
