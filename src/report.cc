#include "report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>

#include "duration.h"
#include "token.h"

namespace osg {
namespace {

std::string Str(const LedgerRecord& record, const char* key) {
  auto it = record.fields.find(key);
  return it != record.fields.end() && it->is_string() ? it->get<std::string>() : "";
}

double Number(const LedgerRecord& record, const char* key, double otherwise) {
  auto it = record.fields.find(key);
  return it != record.fields.end() && it->is_number() ? it->get<double>() : otherwise;
}

// Where the current instance's life begins: the first boot record of the latest boot id (and the
// agent_start written just before it); everything if there is no boot record.
size_t LifeStart(const std::vector<LedgerRecord>& records) {
  size_t first = records.size();
  std::string latest;
  for (size_t i = records.size(); i-- > 0;) {
    if (records[i].event != kEventBoot) continue;
    std::string id = Str(records[i], "boot_id");
    if (first == records.size()) {
      latest = id;
    } else if (id != latest) {
      break;
    }
    first = i;
  }
  if (first == records.size()) return 0;
  if (first > 0 && records[first - 1].event == kEventAgentStart) --first;
  return first;
}

// The life's end: the first successful shutdown action that stops the instance.
std::optional<size_t> EndingAction(const std::vector<LedgerRecord>& records, size_t from) {
  for (size_t i = from; i < records.size(); ++i) {
    const LedgerRecord& r = records[i];
    if (r.event == kEventShutdownAction && Str(r, "result") == "ok" && Str(r, "action") != "none")
      return i;
  }
  return std::nullopt;
}

struct OpenJob {
  double start;
  double cpus;
  std::string project;
};

// Accumulates the periods while walking the records in order.
class Sweep {
 public:
  explicit Sweep(Report* report) : report_(report) {}

  void Add(const LedgerRecord& r, double t) {
    const std::string& e = r.event;
    if (e == kEventJoined) {
      if (!joined_since_) joined_since_ = t;
    } else if (e == kEventLeft) {
      EndJoined(t);
    } else if (e == kEventAgentStop) {
      CloseAll(t);
    } else if (e == kEventClaimStart || e == kEventClaimEnd) {
      std::string slot = Str(r, "claim_id");
      if (slot.empty()) slot = Str(r, "slot");
      if (slot.empty()) slot = Str(r, "job_id");
      bool was_busy = Busy();
      if (e == kEventClaimStart) {
        if (claims_.insert(slot).second) ++report_->claims;
      } else {
        claims_.erase(slot);
      }
      Changed(was_busy, t);
    } else if (e == kEventJobStart) {
      std::string id = Str(r, "job_id");
      if (jobs_.count(id)) return;  // repeated by a restarted agent
      bool was_busy = Busy();
      jobs_[id] = OpenJob{t, Number(r, "cpus", 1), Str(r, "project")};
      ++report_->jobs;
      ++report_->projects[jobs_[id].project].jobs;
      Changed(was_busy, t);
    } else if (e == kEventJobEnd) {
      auto it = jobs_.find(Str(r, "job_id"));
      if (it == jobs_.end()) return;  // started before this instance's records
      bool was_busy = Busy();
      if (Number(r, "exit_code", 0) != 0 || r.fields.contains("exit_signal"))
        ++report_->jobs_failed;
      EndJob(it->second, t, false);
      jobs_.erase(it);
      Changed(was_busy, t);
    }
  }

  // HTCondor stops with the agent, or the instance ends: everything open ends at `t`.
  void CloseAll(double t, bool still_running = false) {
    bool was_busy = Busy();
    for (const auto& [id, job] : jobs_) EndJob(job, t, still_running);
    jobs_.clear();
    claims_.clear();
    Changed(was_busy, t);
    EndJoined(t);
  }

 private:
  bool Busy() const { return !claims_.empty() || !jobs_.empty(); }

  void Changed(bool was_busy, double t) {
    if (!was_busy && Busy()) busy_since_ = t;
    if (was_busy && !Busy()) report_->busy_s += t - busy_since_;
  }

  void EndJoined(double t) {
    if (joined_since_) report_->joined_s += t - *joined_since_;
    joined_since_.reset();
  }

  void EndJob(const OpenJob& job, double t, bool still_running) {
    double core_hours = job.cpus * (t - job.start) / 3600;
    report_->core_hours_used += core_hours;
    ProjectUsage& usage = report_->projects[job.project];
    usage.core_hours += core_hours;
    if (still_running) {
      ++usage.running;
      ++report_->jobs_running;
    }
  }

  Report* report_;
  std::optional<double> joined_since_;
  double busy_since_ = 0;
  std::set<std::string> claims_;
  std::map<std::string, OpenJob> jobs_;
};

std::string Fixed(double value, int digits) {
  char text[64];
  std::snprintf(text, sizeof text, "%.*f", digits, value);
  return text;
}

// Clamped like Utc below: a span from a corrupt ledger must print, not overflow llround.
std::string Duration(double seconds) {
  return FormatDuration(Seconds(std::llround(std::clamp(seconds, 0.0, 1e15))));
}

// Clamped: a field of a hand-edited ledger (booted_at = 1e308) must print, not overflow the cast.
std::string Utc(double t) {
  return FormatUtc(static_cast<int64_t>(std::floor(std::clamp(t, -1e15, 1e15))));
}

std::string ShutdownLine(const Report& r) {
  std::string reason = r.shutdown_reason.empty() ? "" : ": " + r.shutdown_reason;
  if (r.shutdown_at) {
    std::string outcome = r.shutdown_result == "ok" ? "ok" : "failed: " + r.shutdown_result;
    if (!r.shutdown_detail.empty()) outcome += " (" + r.shutdown_detail + ")";
    return r.shutdown_action + " " + outcome + " at " + Utc(*r.shutdown_at) + reason;
  }
  if (r.shutdown_decided_at) return "decided at " + Utc(*r.shutdown_decided_at) + reason;
  return "not yet";
}

}  // namespace

Report ComputeReport(const std::vector<LedgerRecord>& records, const ReportOptions& options) {
  Report report;
  report.su_per_core_hour = options.su_per_core_hour;
  size_t first = LifeStart(records);
  std::optional<size_t> ending = EndingAction(records, first);
  if (records.empty()) {
    report.started_at = report.ended_at = options.now;
    return report;
  }
  report.started_at = records[first].time;
  report.ended_at = ending ? records[*ending].time : std::max(options.now, records.back().time);
  // A wall clock stepped back can put the ending before the start (found by fuzz/ledger_fuzz):
  // the span is then empty, and std::clamp below needs lo <= hi.
  report.ended_at = std::max(report.ended_at, report.started_at);
  report.shut_down = ending.has_value();

  Sweep sweep(&report);
  size_t last = ending ? *ending + 1 : records.size();
  for (size_t i = first; i < last; ++i) {
    const LedgerRecord& r = records[i];
    double t = std::clamp(r.time, report.started_at, report.ended_at);
    if (r.event == kEventBoot) {
      report.boot_id = Str(r, "boot_id");
      report.started_at = std::min(report.started_at, Number(r, "booted_at", report.started_at));
    } else if (r.event == kEventConfigAccepted) {
      double cpus = Number(r, "cpus", 0);  // 0, unknown, unless a plausible count
      report.cpus = cpus >= 0 && cpus <= 1e6 ? static_cast<int>(cpus) : 0;
    } else if (r.event == kEventShutdownDecision) {
      report.shutdown_decided_at = r.time;
      report.shutdown_reason = Str(r, "reason");
    } else if (r.event == kEventShutdownAction) {
      report.shutdown_at = r.time;
      report.shutdown_action = Str(r, "action");
      report.shutdown_result = Str(r, "result");
      report.shutdown_detail = Str(r, "detail");
    }
    sweep.Add(r, t);
  }
  sweep.CloseAll(report.ended_at, /*still_running=*/!report.shut_down);

  report.up_s = report.ended_at - report.started_at;
  report.idle_s = std::max(0.0, report.joined_s - report.busy_s);
  report.core_hours_paid = report.cpus * report.up_s / 3600;
  report.efficiency =
      report.core_hours_paid > 0 ? report.core_hours_used / report.core_hours_paid : 0;
  report.charge_su = report.core_hours_paid * report.su_per_core_hour;
  return report;
}

std::string FormatReport(const Report& r) {
  std::string out;
  auto line = [&out](const std::string& label, const std::string& value) {
    out += label + std::string(13 - label.size(), ' ') + value + "\n";
  };
  line("instance:",
       (r.boot_id.empty() ? "" : "boot " + r.boot_id + ", ") + "since " + Utc(r.started_at));
  line("up:", Duration(r.up_s) + (r.shut_down ? ", until " + Utc(r.ended_at) : " (still up)"));
  line("joined:", Duration(r.joined_s));
  line("busy:", Duration(r.busy_s));
  line("idle:", Duration(r.idle_s));
  line("jobs:",
       std::to_string(r.jobs) + " run" +
           (r.jobs_failed ? ", " + std::to_string(r.jobs_failed) + " failed" : "") +
           (r.jobs_running ? ", " + std::to_string(r.jobs_running) + " still running" : "") +
           " in " + std::to_string(r.claims) + (r.claims == 1 ? " claim" : " claims"));
  size_t width = 0;
  for (const auto& [project, usage] : r.projects)
    width = std::max(width, (project.empty() ? std::string("(no project)") : project).size());
  for (const auto& [project, usage] : r.projects) {
    std::string name = project.empty() ? "(no project)" : project;
    char numbers[96];
    std::snprintf(numbers, sizeof numbers, "%5d jobs  %8.2f core-hours", usage.jobs,
                  usage.core_hours);
    out += "  " + name + std::string(width - name.size() + 1, ' ') + numbers +
           (usage.running ? ", " + std::to_string(usage.running) + " running" : "") + "\n";
  }
  line("core-hours:", Fixed(r.core_hours_used, 2) + " used, " + Fixed(r.core_hours_paid, 2) +
                          " paid (" + std::to_string(r.cpus) + " cpus for " + Duration(r.up_s) +
                          ")");
  line("efficiency:", Fixed(r.efficiency * 100, 1) + "%");
  line("charge:", Fixed(r.charge_su, 2) + " SUs, estimated at " + Fixed(r.su_per_core_hour, 2) +
                      " SU per core-hour");
  line("shutdown:", ShutdownLine(r));
  return out;
}

nlohmann::json ReportToJson(const Report& r) {
  auto optional_time = [](const std::optional<double>& t) {
    return t ? nlohmann::json(*t) : nlohmann::json(nullptr);
  };
  nlohmann::json projects = nlohmann::json::object();
  for (const auto& [project, usage] : r.projects) {
    projects[project] = {
        {"jobs", usage.jobs}, {"running", usage.running}, {"core_hours", usage.core_hours}};
  }
  return {
      {"boot_id", r.boot_id},
      {"started_at", r.started_at},
      {"ended_at", r.ended_at},
      {"shut_down", r.shut_down},
      {"cpus", r.cpus},
      {"up_s", r.up_s},
      {"joined_s", r.joined_s},
      {"busy_s", r.busy_s},
      {"idle_s", r.idle_s},
      {"jobs", r.jobs},
      {"jobs_running", r.jobs_running},
      {"jobs_failed", r.jobs_failed},
      {"claims", r.claims},
      {"projects", projects},
      {"core_hours_used", r.core_hours_used},
      {"core_hours_paid", r.core_hours_paid},
      {"efficiency", r.efficiency},
      {"su_per_core_hour", r.su_per_core_hour},
      {"charge_su", r.charge_su},
      {"shutdown",
       {{"decided_at", optional_time(r.shutdown_decided_at)},
        {"reason", r.shutdown_reason},
        {"at", optional_time(r.shutdown_at)},
        {"action", r.shutdown_action},
        {"result", r.shutdown_result},
        {"detail", r.shutdown_detail}}},
  };
}

}  // namespace osg
