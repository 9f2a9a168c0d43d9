// Paid-but-idle minutes over a synthetic day of job arrivals: our lifecycle (the real
// osg::Lifecycle, driven by a fake clock) against the seed's policy as its README and HTCondor
// describe it. Deterministic: every draw comes from a seeded std::mt19937_64, whose output the
// standard fixes, through our own transforms (std::*_distribution differ between standard
// libraries), so one seed prints the same table everywhere.
//
// Usage: idle_cost_day [SEED] [DELETE_AFTER]   (defaults: 1 and 8h; DELETE_AFTER like "90m")
//
// Model, both policies alike: one instance takes every job (one partitionable slot, enough cores
// for the jobs that overlap); a job that arrives when no instance is up launches a new one, which
// bills its boot from the launch and starts the jobs that came meanwhile once it has joined. A
// job that arrives after the instance decided to stop launches a new instance too. Jobs arrive
// during 24 h only; the instances then run out their policy, and that tail counts.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <limits>
#include <optional>
#include <queue>
#include <random>
#include <string>
#include <vector>

#include "duration.h"
#include "lifecycle.h"

namespace {

using Secs = std::int64_t;
constexpr Secs kMinute = 60, kHour = 60 * kMinute, kDay = 24 * kHour;
constexpr Secs kNever = std::numeric_limits<Secs>::max();
constexpr Secs kBoot = 2 * kMinute;  // launch to joined, billed, for both
constexpr Secs kOurDeleteDelay = 1;  // decision to billing stopped with ShutdownAction = delete
// The seed: STARTD_NOCLAIM_SHUTDOWN = 25m, checked at each UPDATE_INTERVAL (5m), then its cron
// (up to 2m) notices; drawn uniformly over that range (the mean, 28.5m, is what matters).
constexpr Secs kSeedStopMin = 25 * kMinute, kSeedStopMax = 32 * kMinute;

class Rng {
 public:
  explicit Rng(std::uint64_t seed) : engine_(seed) {}
  double Uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }  // [0, 1)
  double Uniform(double lo, double hi) { return lo + (hi - lo) * Uniform(); }
  double Exponential(double mean) { return -mean * std::log1p(-Uniform()); }

 private:
  std::mt19937_64 engine_;
};

struct Job {
  Secs arrival;
  Secs duration;
};

// Short jobs: exponential, mean 20m, at least 1m.
Secs ShortJob(Rng& rng) {
  return std::max<Secs>(kMinute, std::llround(rng.Exponential(20.0 * kMinute)));
}

std::vector<Job> Poisson(Rng& rng, double mean_gap) {
  std::vector<Job> jobs;
  for (double t = rng.Exponential(mean_gap); t < kDay; t += rng.Exponential(mean_gap)) {
    Secs arrival = std::llround(t);
    jobs.push_back({arrival, ShortJob(rng)});
  }
  return jobs;
}

struct Workload {
  const char* name;
  std::function<std::vector<Job>(Rng&)> make;
};

const std::vector<Workload>& Workloads() {
  static const std::vector<Workload> workloads = {
      {"burst: 40 jobs 08-09h",
       [](Rng& rng) {
         std::vector<Job> jobs;
         for (int i = 0; i < 40; ++i) {
           Secs arrival = std::llround(rng.Uniform(8.0 * kHour, 9.0 * kHour));
           jobs.push_back({arrival, ShortJob(rng)});
         }
         return jobs;
       }},
      {"Poisson, mean gap 10m", [](Rng& rng) { return Poisson(rng, 10.0 * kMinute); }},
      {"Poisson, mean gap 30m", [](Rng& rng) { return Poisson(rng, 30.0 * kMinute); }},
      {"Poisson, mean gap 60m", [](Rng& rng) { return Poisson(rng, 60.0 * kMinute); }},
      {"4 long jobs (2-6h)",
       [](Rng& rng) {
         std::vector<Job> jobs;
         for (int i = 0; i < 4; ++i) {
           Secs arrival = std::llround(rng.Uniform(0, kDay));
           jobs.push_back({arrival, std::llround(rng.Uniform(2.0 * kHour, 6.0 * kHour))});
         }
         return jobs;
       }},
  };
  return workloads;
}

// Ours: the real policy. Observations at each job start and end, as the agent sees the startd's
// log; Tick at NextWakeup; the stop is confirmed at once with what runs then (the startd answers
// within a second or two; a job arriving in that gap is rare enough to ignore here).
class Ours {
 public:
  void Start(Secs now, int running) {
    lifecycle_.emplace(osg::Lifecycle::Options{.idle_timeout = osg::Seconds(kIdleTimeout)}, nullptr,
                       At(now));
    Changed(now, running);
  }
  void Changed(Secs now, int running) { lifecycle_->Observe(Observe(running), At(now)); }
  Secs Next() const {
    std::optional<osg::TimePoint> wake = lifecycle_->NextWakeup();
    if (!wake) return kNever;
    return std::chrono::ceil<std::chrono::seconds>(wake->time_since_epoch()).count();
  }
  // Returns when billing stops once the instance decided to go, or nullopt while it stays.
  std::optional<Secs> Wake(Secs now, int running) {
    std::vector<osg::Action> actions = lifecycle_->Tick(At(now));
    if (Has(actions, osg::Action::kStopAccepting)) {
      actions = lifecycle_->StopConfirmed(Observe(running), At(now));
    }
    if (Has(actions, osg::Action::kShutdown)) return now + kOurDeleteDelay;
    return std::nullopt;
  }

  static constexpr Secs kIdleTimeout = 25 * kMinute;

 private:
  static osg::TimePoint At(Secs t) { return osg::TimePoint(std::chrono::seconds(t)); }
  static osg::Observation Observe(int running) {
    return {.joined = true, .claims = running, .jobs = running};
  }
  static bool Has(const std::vector<osg::Action>& actions, osg::Action action) {
    return std::find(actions.begin(), actions.end(), action) != actions.end();
  }
  std::optional<osg::Lifecycle> lifecycle_;
};

// The seed: the stop comes 25-32m after the last claim ended (or after the startd started).
// Full rate until then; the half-rate tail until a person deletes it is added by the caller.
class Seed {
 public:
  explicit Seed(Rng& rng) : rng_(rng) {}
  void Start(Secs now, int running) { Changed(now, running); }
  void Changed(Secs now, int running) {
    stop_at_ = running > 0 ? kNever : now + std::llround(rng_.Uniform(kSeedStopMin, kSeedStopMax));
  }
  Secs Next() const { return stop_at_; }
  std::optional<Secs> Wake(Secs now, int /*running*/) { return now; }

 private:
  Rng& rng_;
  Secs stop_at_ = kNever;
};

struct Result {
  int instances = 0;
  Secs busy = 0;       // instance time with at least one job running
  Secs full_rate = 0;  // launch to billing stopped at the full rate
};

template <class Policy>
Result Simulate(const std::vector<Job>& jobs, Policy& policy) {
  Result result;
  size_t next = 0;
  while (next < jobs.size()) {
    ++result.instances;
    Secs launch = jobs[next].arrival, joined = launch + kBoot, busy_since = 0;
    std::priority_queue<Secs, std::vector<Secs>, std::greater<>> ends;
    auto start_job = [&](Secs now) {
      if (ends.empty()) busy_since = now;
      ends.push(now + jobs[next++].duration);
    };
    while (next < jobs.size() && jobs[next].arrival <= joined) start_job(joined);
    policy.Start(joined, static_cast<int>(ends.size()));
    for (;;) {
      Secs end = ends.empty() ? kNever : ends.top();
      Secs arrival = next < jobs.size() ? jobs[next].arrival : kNever;
      Secs wake = policy.Next();
      if (end != kNever && end <= arrival && end <= wake) {
        ends.pop();
        if (ends.empty()) result.busy += end - busy_since;
        policy.Changed(end, static_cast<int>(ends.size()));
      } else if (arrival != kNever && arrival <= wake) {  // a claim at the deadline wins
        start_job(arrival);
        policy.Changed(arrival, static_cast<int>(ends.size()));
      } else if (wake != kNever) {
        if (std::optional<Secs> billed_until = policy.Wake(wake, static_cast<int>(ends.size()))) {
          result.full_rate += *billed_until - launch;
          break;
        }
      } else {
        std::fprintf(stderr, "idle_cost_day: stuck: no event and no wakeup\n");
        std::exit(1);
      }
    }
  }
  return result;
}

double Minutes(Secs s) { return static_cast<double>(s) / kMinute; }

std::string Short(Secs s) {
  if (s % kHour == 0) return std::to_string(s / kHour) + "h";
  if (s % kMinute == 0) return std::to_string(s / kMinute) + "m";
  return osg::FormatDuration(osg::Seconds(s));
}

void PrintRow(const char* workload, size_t jobs, const std::string& policy, const Result& r,
              double half_rate, double ours_idle) {
  double paid = Minutes(r.full_rate) + half_rate, idle = paid - Minutes(r.busy);
  std::printf("%-22s %5s  %-20s %4d %7.0f %9.0f %9.0f %7.0f %9.0f %9.0f %7.1f\n", workload,
              jobs ? std::to_string(jobs).c_str() : "", policy.c_str(), r.instances,
              Minutes(r.busy), Minutes(r.full_rate), half_rate, paid, idle, idle / r.instances,
              ours_idle > 0 ? idle / ours_idle : 0.0);
}

}  // namespace

int main(int argc, char** argv) {
  char* rest = nullptr;
  std::uint64_t seed = argc > 1 ? std::strtoull(argv[1], &rest, 10) : 1;
  std::optional<osg::Seconds> delete_after = osg::ParseDuration(argc > 2 ? argv[2] : "8h");
  if ((rest && *rest) || !delete_after || argc > 3) {
    std::fprintf(stderr, "usage: idle_cost_day [SEED] [DELETE_AFTER, e.g. 8h]\n");
    return 2;
  }
  std::vector<Secs> delays = {1 * kHour, 8 * kHour, 24 * kHour};
  if (std::find(delays.begin(), delays.end(), delete_after->count()) == delays.end()) {
    delays.push_back(delete_after->count());
    std::sort(delays.begin(), delays.end());
  }

  std::printf("idle_cost_day: seed %llu; jobs arrive during 24h; every launch bills a %s boot\n",
              static_cast<unsigned long long>(seed), Short(kBoot).c_str());
  std::printf("  ours: osg::Lifecycle, IdleTimeout %s, billing stops %llds after the decision\n",
              Short(Ours::kIdleTimeout).c_str(), static_cast<long long>(kOurDeleteDelay));
  std::printf(
      "  seed: stops 25-32m (uniform) after the last claim, then half rate until a person\n"
      "        deletes it (* = DELETE_AFTER, %s)\n",
      Short(delete_after->count()).c_str());
  std::printf("  short jobs: exponential, mean 20m, at least 1m; long jobs: uniform 2-6h\n");
  std::printf(
      "  minutes; half = half-rate minutes as full-rate ones; idle = paid - busy;\n"
      "  x ours = idle / ours' idle\n\n");
  std::printf("%-22s %5s  %-20s %4s %7s %9s %9s %7s %9s %9s %7s\n", "workload", "jobs", "policy",
              "inst", "busy", "full-rate", "half", "paid", "idle", "idle/inst", "x ours");

  for (size_t w = 0; w < Workloads().size(); ++w) {
    // Separate streams, so that both policies see the very same jobs.
    Rng jobs_rng(seed * 1000 + 2 * w), seed_rng(seed * 1000 + 2 * w + 1);
    std::vector<Job> jobs = Workloads()[w].make(jobs_rng);
    std::sort(jobs.begin(), jobs.end(),
              [](const Job& a, const Job& b) { return a.arrival < b.arrival; });
    Ours ours;
    Result our = Simulate(jobs, ours);
    double ours_idle = Minutes(our.full_rate) - Minutes(our.busy);
    PrintRow(Workloads()[w].name, jobs.size(), "ours", our, 0, ours_idle);
    Seed seed_policy(seed_rng);
    Result seeds = Simulate(jobs, seed_policy);  // the stop times do not depend on the delay
    for (Secs delay : delays) {
      std::string label =
          "seed, deleted " + Short(delay) + (delay == delete_after->count() ? " *" : "");
      PrintRow("", 0, label, seeds, seeds.instances * Minutes(delay) / 2, ours_idle);
    }
  }
  return 0;
}
