#include "condor_tools.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <set>
#include <sstream>
#include <vector>

#include "files.h"
#include "subprocess.h"
#include "text.h"

namespace osg {

namespace {

std::vector<std::string> SplitTabs(const std::string& line) {
  std::vector<std::string> column;
  std::istringstream in(line);
  for (std::string field; std::getline(in, field, '\t');) column.push_back(Trim(field));
  return column;
}

double ToCpus(const std::string& text) {
  return text.empty() ? 0 : std::strtod(text.c_str(), nullptr);
}

}  // namespace

Observation CountSlots(const std::string& lines) {
  Observation observation;
  for (const std::string& line : SplitLines(lines)) {
    std::vector<std::string> column = SplitTabs(line);
    if (column.size() < 2) continue;
    auto value = [&column](size_t i) {
      return i < column.size() && column[i] != "undefined" ? column[i] : std::string();
    };
    const std::string& state = column[0];
    const std::string& activity = column[1];
    if (state == "Claimed" || state == "Matched" || state == "Preempting") {
      ++observation.claims;
      observation.held.push_back({value(7), value(8), value(3), ToCpus(value(5))});
      observation.cores_claimed += ToCpus(value(5));
    }
    if (activity != "Busy" && activity != "Retiring") continue;
    ++observation.jobs;
    observation.running.push_back({value(2), value(3), value(4), ToCpus(value(5)), value(6)});
  }
  return observation;
}

std::optional<JobExit> ParseJobExit(const std::string& history_line) {
  std::vector<std::string> column = SplitTabs(history_line.substr(0, history_line.find('\n')));
  if (column.size() < 4) return std::nullopt;
  auto number = [](const std::string& text) -> std::optional<int> {
    char* end = nullptr;
    long value = std::strtol(text.c_str(), &end, 10);
    if (text.empty() || *end != '\0') return std::nullopt;
    return static_cast<int>(value);
  };
  JobExit exit;
  if (column[0] == "true") {
    exit.exit_signal = number(column[2]);
  } else if (column[0] == "false") {
    exit.exit_code = number(column[1]);
  }
  if (column[3] != "undefined") exit.how = column[3];
  if (!exit.exit_code && !exit.exit_signal && exit.how.empty()) return std::nullopt;
  return exit;
}

RealCondorTools::RealCondorTools(std::string log_dir) : log_dir_(std::move(log_dir)) {}

std::optional<std::string> RealCondorTools::StartdAddress() const {
  // The startd writes its address here at start; asking it directly needs no collector.
  std::optional<std::string> text = ReadFile(log_dir_ + "/.startd_address");
  if (!text) return std::nullopt;
  std::string address = Trim(text->substr(0, text->find('\n')));
  if (address.empty()) return std::nullopt;
  return address;
}

std::optional<Observation> RealCondorTools::QueryStartd() {
  std::optional<std::string> address = StartdAddress();
  if (!address) return std::nullopt;
  std::vector<std::string> argv = {"condor_status", "-direct", *address, "-af:t"};
  for (const char* column : kSlotColumns) argv.push_back(column);
  CommandResult result = RunCommand(argv);
  if (!result.ok()) return std::nullopt;
  return CountSlots(result.output);
}

std::vector<int64_t> ParseAdSerials(const std::string& lines) {
  std::vector<int64_t> serials;
  std::istringstream in(lines);
  for (std::string line; std::getline(in, line);) {
    line = Trim(line);
    if (line.empty()) continue;
    char* end = nullptr;
    long long value = std::strtoll(line.c_str(), &end, 10);
    serials.push_back(*end == '\0' && value >= 0 ? value : kNoSerial);
  }
  return serials;
}

bool AdsCurrent(const std::vector<int64_t>& seen, int64_t serial) {
  return !seen.empty() &&
         std::all_of(seen.begin(), seen.end(), [serial](int64_t s) { return s == serial; });
}

std::string DescribeAdSerials(const std::vector<int64_t>& seen) {
  if (seen.empty()) return "no copy";
  std::set<int64_t> serials(seen.begin(), seen.end());
  std::vector<std::string> parts;
  for (int64_t s : serials) {
    parts.push_back(s == kNoSerial ? "a copy without OSGWorkerAdSerial"
                                   : "OSGWorkerAdSerial " + std::to_string(s));
  }
  std::string text;
  for (size_t i = 0; i < parts.size(); ++i) {
    text += (i == 0 ? "" : i + 1 == parts.size() ? " and " : ", ") + parts[i];
  }
  return text;
}

bool RealCondorTools::LearnMachine() {
  if (!machine_.empty()) return true;
  // The collector is asked for the name the startd itself advertises, read from the startd.
  std::optional<std::string> address = StartdAddress();
  if (!address) return false;
  CommandResult own = RunCommand({"condor_status", "-direct", *address, "-af", "Machine"});
  std::string first_line = own.output.substr(0, own.output.find('\n'));
  if (!own.ok() || Trim(first_line).empty()) return false;
  machine_ = Trim(first_line);
  return true;
}

std::optional<std::vector<int64_t>> RealCondorTools::QueryAdSerials(
    const std::vector<std::string>& collectors) {
  if (!LearnMachine()) return std::nullopt;
  for (const std::string& collector : LastAnsweredFirst(collectors)) {
    CommandResult result = RunCommand({"condor_status", "-pool", collector, "-af",
                                       "OSGWorkerAdSerial", "-const", "Machine == \"" + machine_ + "\""},
                                      std::chrono::seconds(20));
    if (!result.ok()) continue;
    last_answered_ = collector;
    return ParseAdSerials(result.output);
  }
  return std::nullopt;
}

std::vector<std::string> RealCondorTools::LastAnsweredFirst(std::vector<std::string> collectors) const {
  auto last = std::find(collectors.begin(), collectors.end(), last_answered_);
  if (last != collectors.end()) std::rotate(collectors.begin(), last, last + 1);
  return collectors;
}

std::optional<bool> RealCondorTools::QueryJoined(const std::vector<std::string>& collectors) {
  if (!LearnMachine()) return std::nullopt;
  // Slot ads, as the owner's own `condor_status -const 'WorkerGroupName == ...'` reads them. Not
  // `-startd`: in HTCondor 23 that reads the startd's daemon ad, which the collector may lack
  // while it lists the slots (seen in the stop race).
  // Each collector in turn, the one that answered last first (another may be down, and each
  // unreachable one costs its timeout): one that lists the worker is enough.
  std::optional<bool> joined;
  for (const std::string& collector : LastAnsweredFirst(collectors)) {
    CommandResult result = RunCommand({"condor_status", "-pool", collector, "-af", "Name",
                                       "-const", "Machine == \"" + machine_ + "\""},
                                      std::chrono::seconds(20));
    if (!result.ok()) continue;
    last_answered_ = collector;
    if (!Trim(result.output).empty()) return true;
    joined = false;
  }
  return joined;
}

Status RealCondorTools::Reconfig() {
  CommandResult result = RunCommand({"condor_reconfig", "-daemon", "startd"});
  if (!result.ok()) return Status::Error("condor_reconfig failed");
  return Status::Ok();
}

std::optional<bool> RealCondorTools::StartdAccepting() {
  CommandResult result = RunCommand({"condor_config_val", "-startd", "OSG_WORKER_ACCEPTING"});
  if (!result.ok()) return std::nullopt;
  std::string value = ToLower(Trim(result.output));
  if (value == "true") return true;
  if (value == "false") return false;
  return std::nullopt;
}

std::optional<JobExit> RealCondorTools::QueryJobExit(const std::string& global_job_id) {
  if (global_job_id.empty() || global_job_id.find('"') != std::string::npos) return std::nullopt;
  std::vector<std::string> argv = {"condor_history",
                                   "-file",
                                   log_dir_ + "/startd_history",
                                   "-limit",
                                   "1",
                                   "-const",
                                   "GlobalJobId == \"" + global_job_id + "\"",
                                   "-af:t"};
  for (const char* column : kExitColumns) argv.push_back(column);
  CommandResult result = RunCommand(argv);
  if (!result.ok()) return std::nullopt;
  return ParseJobExit(result.output);
}

}  // namespace osg
