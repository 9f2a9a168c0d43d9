#include "condor_tools.h"

#include <cstdlib>
#include <sstream>
#include <vector>

#include "files.h"
#include "subprocess.h"
#include "text.h"

namespace osg {

Observation CountSlots(const std::string& lines) {
  Observation observation;
  for (const std::string& line : SplitLines(lines)) {
    std::vector<std::string> column;
    std::istringstream in(line);
    for (std::string field; std::getline(in, field, '\t');) column.push_back(Trim(field));
    if (column.size() < 2) continue;
    const std::string& state = column[0];
    const std::string& activity = column[1];
    auto value = [&column](size_t i) {
      return i < column.size() && column[i] != "undefined" ? column[i] : std::string();
    };
    std::string cpus = value(5);
    if (state == "Claimed" || state == "Matched" || state == "Preempting") {
      ++observation.claims;
      if (!cpus.empty()) observation.cores_claimed += std::strtod(cpus.c_str(), nullptr);
    }
    if (activity != "Busy" && activity != "Retiring") continue;
    ++observation.jobs;
    observation.running.push_back(
        {value(2), value(3), value(4), cpus.empty() ? 0 : std::strtod(cpus.c_str(), nullptr)});
  }
  return observation;
}

RealCondorTools::RealCondorTools(std::string central_manager, std::string log_dir)
    : central_manager_(std::move(central_manager)), log_dir_(std::move(log_dir)) {}

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

std::optional<bool> RealCondorTools::QueryJoined() {
  if (machine_.empty()) {
    // The collector is asked for the name the startd itself advertises, read from the startd.
    std::optional<std::string> address = StartdAddress();
    if (!address) return std::nullopt;
    CommandResult own = RunCommand({"condor_status", "-direct", *address, "-af", "Machine"});
    std::string first_line = own.output.substr(0, own.output.find('\n'));
    if (!own.ok() || Trim(first_line).empty()) return std::nullopt;
    machine_ = Trim(first_line);
  }
  CommandResult result = RunCommand({"condor_status", "-pool", central_manager_, "-startd", "-af",
                                     "Name", "-const", "Machine == \"" + machine_ + "\""},
                                    std::chrono::seconds(20));
  if (!result.ok()) return std::nullopt;
  return !Trim(result.output).empty();
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

}  // namespace osg
