#include "pool_view.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <sstream>

#include "duration.h"

namespace osg {
namespace {

std::optional<double> Number(const nlohmann::json& ad, const char* key) {
  auto it = ad.find(key);
  if (it == ad.end() || !it->is_number()) return std::nullopt;  // null: undefined in the ad
  return it->get<double>();
}

// Beyond the year 5000, or before 1970: no clock gave it. Such a value is read as undefined, so
// that neither the conversion nor the uptime and countdown arithmetic can overflow.
constexpr double kMaxTime = 1e11;

std::optional<int64_t> Time(const nlohmann::json& ad, const char* key) {
  std::optional<double> value = Number(ad, key);
  if (!value || !(*value >= 0 && *value <= kMaxTime)) return std::nullopt;
  return static_cast<int64_t>(*value);
}

std::string Text(const nlohmann::json& ad, const char* key) {
  auto it = ad.find(key);
  return it != ad.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// The machine a slot belongs to: Machine, or what follows '@' in "slot1@host".
std::string MachineOf(const nlohmann::json& ad) {
  std::string machine = Text(ad, "Machine");
  if (!machine.empty()) return machine;
  std::string name = Text(ad, "Name");
  size_t at = name.find('@');
  return at == std::string::npos ? name : name.substr(at + 1);
}

void AddSlot(WorkerRow& row, const nlohmann::json& ad) {
  std::string type = Text(ad, "SlotType");
  double cpus = Number(ad, "Cpus").value_or(0);
  if (type == "Partitionable") {
    row.cores_total += Number(ad, "TotalSlotCpus").value_or(cpus);
  } else {
    if (type != "Dynamic") row.cores_total += cpus;  // static: its cores are its own
    std::string state = Text(ad, "State");
    if (state == "Claimed" || state == "Preempting") row.cores_busy += cpus;
  }
  std::string activity = Text(ad, "Activity");
  if (type != "Partitionable" && (activity == "Busy" || activity == "Retiring")) ++row.jobs;
  // Every slot of a startd carries the same startd-wide attributes; the first one seen wins.
  if (row.state.empty()) row.state = Text(ad, "OSGWorkerState");
  if (row.launch_name.empty()) row.launch_name = Text(ad, "OSGWorkerLaunchName");
  if (!row.started_at) row.started_at = Time(ad, "DaemonStartTime");
  if (!row.idle_since) row.idle_since = Time(ad, "OSGWorkerIdleSince");
  if (!row.shutdown_at) row.shutdown_at = Time(ad, "OSGWorkerShutdownTime");
  if (!row.retire_at) row.retire_at = Time(ad, "OSGWorkerRetireTime");
}

std::string Cores(double n) {
  char buffer[32];
  if (n == std::floor(n)) {
    std::snprintf(buffer, sizeof buffer, "%.0f", n);
  } else {
    std::snprintf(buffer, sizeof buffer, "%.1f", n);
  }
  return buffer;
}

std::string Pad(const std::string& text, size_t width) {
  return text.size() >= width ? text + " " : text + std::string(width - text.size(), ' ');
}

std::string Uptime(const WorkerRow& w, int64_t now) {
  return w.started_at ? FormatDuration(Seconds(std::max<int64_t>(0, now - *w.started_at))) : "-";
}

std::optional<int64_t> IdleMinutes(const WorkerRow& w, int64_t now) {
  if (!w.idle_since) return std::nullopt;
  return std::max<int64_t>(0, now - *w.idle_since) / 60;
}

std::optional<int64_t> ShutdownIn(const WorkerRow& w, int64_t now) {
  if (!w.shutdown_at) return std::nullopt;
  return *w.shutdown_at - now;
}

std::string ShutdownText(const WorkerRow& w, int64_t now) {
  std::optional<int64_t> in = ShutdownIn(w, now);
  if (!in) return "-";
  // Past the deadline: the worker is stopping, or its ad is older than the deadline.
  return *in >= 0 ? FormatDuration(Seconds(*in)) : "due";
}

template <typename T>
nlohmann::json OrNull(const std::optional<T>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

}  // namespace

const char* const kPoolAttributes =
    "Name,Machine,SlotType,State,Activity,Cpus,TotalSlotCpus,DaemonStartTime,OSGWorkerState,"
    "OSGWorkerIdleSince,OSGWorkerShutdownTime,OSGWorkerRetireTime,WorkerGroupName,OSGWorkerLaunchName";

std::string QuoteClassAdString(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') {
      out += "\\\"";
    } else {
      out += c;  // a backslash is literal, even before an escaped quote: "a\\"b" is a\"b
    }
  }
  return out + "\"";
}

std::string GroupConstraint(std::string_view group) {
  // A literal cannot end with a backslash (\" would escape the closing quote), so such a name
  // is compared with one more character on both sides.
  if (!group.empty() && group.back() == '\\') {
    return "strcat(WorkerGroupName, \"#\") == " + QuoteClassAdString(std::string(group) + "#");
  }
  return "WorkerGroupName == " + QuoteClassAdString(group);
}

std::vector<std::string> PoolQueryArgv(std::string_view group, std::string_view pool) {
  std::vector<std::string> argv = {"condor_status"};
  if (!pool.empty()) {
    argv.push_back("-pool");
    argv.emplace_back(pool);
  }
  for (std::string arg : {std::string("-const"), GroupConstraint(group), std::string("-json"),
                          std::string("-attributes"), std::string(kPoolAttributes)}) {
    argv.push_back(std::move(arg));
  }
  return argv;
}

PoolView ParsePoolView(std::string_view text, std::string_view group) {
  PoolView view;
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) return view;  // no ad
  nlohmann::json ads = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (ads.is_discarded() || !ads.is_array()) {
    view.error = "condor_status did not print a JSON array of ads";
    return view;
  }
  std::map<std::string, WorkerRow> rows;
  for (const nlohmann::json& ad : ads) {
    // The constraint already selected the group; checking again here makes an escaping slip
    // show as a missing worker, never as a stranger's.
    if (!ad.is_object() || Text(ad, "WorkerGroupName") != group) continue;
    std::string machine = MachineOf(ad);
    if (machine.empty()) continue;
    WorkerRow& row = rows[machine];
    row.name = machine;
    AddSlot(row, ad);
  }
  for (auto& [name, row] : rows) {
    row.cores_total = std::max(row.cores_total, row.cores_busy);  // a partitionable ad missing
    view.workers.push_back(std::move(row));
  }
  return view;
}

std::string FormatPoolView(const PoolView& view, int64_t now) {
  size_t name_width = 4;
  for (const WorkerRow& w : view.workers) name_width = std::max(name_width, w.name.size());
  std::ostringstream out;
  auto line = [&](const std::string& name, const std::string& state, const std::string& cores,
                  const std::string& jobs, const std::string& uptime, const std::string& idle,
                  const std::string& shutdown) {
    std::string text = Pad(name, name_width + 2) + Pad(state, 14) + Pad(cores, 8) +
                       std::string(jobs.size() < 4 ? 4 - jobs.size() : 0, ' ') + jobs + "  " +
                       Pad(uptime, 12) + Pad(idle, 10) + shutdown;
    while (!text.empty() && text.back() == ' ') text.pop_back();
    out << text << "\n";
  };
  line("NAME", "STATE", "CORES", "JOBS", "UPTIME", "IDLE MIN", "SHUTDOWN IN");
  double busy = 0, total = 0;
  int jobs = 0;
  std::map<std::string, int> states;
  for (const WorkerRow& w : view.workers) {
    std::optional<int64_t> idle = IdleMinutes(w, now);
    line(w.name, w.state.empty() ? "?" : w.state, Cores(w.cores_busy) + "/" + Cores(w.cores_total),
         std::to_string(w.jobs), Uptime(w, now), idle ? std::to_string(*idle) : "-",
         ShutdownText(w, now));
    busy += w.cores_busy;
    total += w.cores_total;
    jobs += w.jobs;
    ++states[w.state.empty() ? "?" : w.state];
  }
  out << "total: " << view.workers.size() << (view.workers.size() == 1 ? " worker" : " workers")
      << ", " << Cores(busy) << "/" << Cores(total) << " cores busy, " << jobs
      << (jobs == 1 ? " job" : " jobs") << " running";
  const char* separator = "; ";
  for (const auto& [state, count] : states) {
    out << separator << count << " " << state;
    separator = ", ";
  }
  out << "\n";
  return out.str();
}

nlohmann::json PoolViewToJson(const PoolView& view, int64_t now) {
  nlohmann::json workers = nlohmann::json::array();
  nlohmann::json states = nlohmann::json::object();
  double busy = 0, total = 0;
  int jobs = 0;
  for (const WorkerRow& w : view.workers) {
    std::optional<int64_t> uptime;
    if (w.started_at) uptime = std::max<int64_t>(0, now - *w.started_at);
    workers.push_back({{"name", w.name},
                       {"state", w.state.empty() ? nlohmann::json(nullptr) : nlohmann::json(w.state)},
                       {"cores_busy", w.cores_busy},
                       {"cores_total", w.cores_total},
                       {"jobs", w.jobs},
                       {"started_at", OrNull(w.started_at)},
                       {"uptime_s", OrNull(uptime)},
                       {"idle_since", OrNull(w.idle_since)},
                       {"idle_minutes", OrNull(IdleMinutes(w, now))},
                       {"shutdown_at", OrNull(w.shutdown_at)},
                       {"shutdown_in_s", OrNull(ShutdownIn(w, now))},
                       {"retire_at", OrNull(w.retire_at)}});
    busy += w.cores_busy;
    total += w.cores_total;
    jobs += w.jobs;
    std::string state = w.state.empty() ? "?" : w.state;
    states[state] = states.value(state, 0) + 1;
  }
  return {{"now", now},
          {"workers", workers},
          {"total",
           {{"workers", view.workers.size()},
            {"cores_busy", busy},
            {"cores_total", total},
            {"jobs", jobs},
            {"states", states}}}};
}

}  // namespace osg
