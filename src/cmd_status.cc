#include <signal.h>

#include <ctime>
#include <iostream>
#include <nlohmann/json.hpp>

#include "commands.h"
#include "config.h"
#include "duration.h"
#include "files.h"
#include "subprocess.h"
#include "token.h"
#include "status_file.h"

namespace osg {
namespace {

std::string When(const std::optional<int64_t>& at, int64_t now) {
  if (!at) return "-";
  Seconds delta(*at - now);
  std::string relative =
      delta.count() >= 0 ? "in " + FormatDuration(delta) : FormatDuration(-delta) + " ago";
  return FormatUtc(*at) + " (" + relative + ")";
}

void PrintHuman(const WorkerState& s, bool agent_alive, bool condor_alive, int64_t now) {
  std::cout << "agent:      "
            << (agent_alive ? "running (pid " + std::to_string(s.agent_pid) + ")" : "not running")
            << "\n"
            << "config:     " << s.config_path << "\n"
            << "HTCondor:   "
            << (condor_alive
                    ? "running (condor_master pid " + std::to_string(s.condor_master_pid) + ")"
                    : "not running")
            << "\n"
            << "pool:       "
            << (s.joined ? "joined " + When(s.joined_at, now)
                         : "not joined" + (s.diagnosis.empty() ? "" : ": " + s.diagnosis))
            << "\n"
            << "phase:      " << s.phase << "\n"
            << "slots:      " << s.claims << " claimed, " << s.jobs << " jobs running\n"
            << "idle since: " << When(s.idle_since, now) << "\n"
            << "shutdown:   " << When(s.shutdown_at, now) << ", action " << s.shutdown_action
            << "\n"
            << "retire:     " << When(s.retire_at, now) << "; no new jobs from then on\n"
            << "firewall:   " << (s.job_firewall.empty() ? "-" : s.job_firewall)
            << (s.job_firewall_reinstalls > 0
                    ? "; put back " + std::to_string(s.job_firewall_reinstalls) +
                          " time(s) after it was removed (see the log)"
                    : "")
            << "\n";
  if (!s.default_image.empty()) std::cout << "image:      " << s.default_image << "\n";
  if (!s.shutdown_reason.empty()) std::cout << "reason:     " << s.shutdown_reason << "\n";
  // The agent keeps working without it, but what it does is not being recorded: say so.
  if (!s.ledger_error.empty()) {
    std::cout << "ledger:     NOT WRITABLE: " << s.ledger_error
              << " (records are lost until it is)\n";
  }
}

}  // namespace

int CommandStatus(bool json) {
  int64_t now = std::time(nullptr);
  std::optional<std::string> text = ReadFile(kStateFile);
  std::optional<WorkerState> state = text ? WorkerStateFromJson(*text) : std::nullopt;
  bool configured = ReadFile(kDefaultConfigPath).has_value();
  if (!state) {
    std::string what =
        configured ? "osg-worker is not running (no " + std::string(kStateFile) + ")"
                   : std::string("not configured: ") + kDefaultConfigPath + " does not exist yet";
    if (json) {
      std::cout << nlohmann::json{{"configured", configured},
                                  {"agent_running", false},
                                  {"message", what}}
                       .dump(2)
                << "\n";
    } else {
      std::cout << what << "\n";
    }
    return 3;  // like systemctl status: not running
  }
  bool agent_alive = ProcessAlive(state->agent_pid);
  bool condor_alive = ProcessAlive(state->condor_master_pid);
  if (json) {
    nlohmann::json out = nlohmann::json::parse(WorkerStateToJson(*state));
    out["configured"] = configured;
    out["agent_running"] = agent_alive;
    out["condor_running"] = condor_alive;
    out["now"] = now;
    std::cout << out.dump(2) << "\n";
  } else {
    PrintHuman(*state, agent_alive, condor_alive, now);
  }
  return agent_alive ? 0 : 3;
}

}  // namespace osg
