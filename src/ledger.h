#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "status.h"

namespace osg {

// Under /var/lib, not /run: the ledger must survive reboots (prepare-image removes it).
inline constexpr const char* kLedgerDir = "/var/lib/osg-worker";
inline constexpr const char* kLedgerPath = "/var/lib/osg-worker/ledger.jsonl";

// Event names. Their fields:
//   agent_start: pid                       boot: boot_id (and booted_at, if known)
//   config_accepted: worker_group_name, collectors, collector_socket (the OSPool's N, kept for
//     the instance's life), cpus, memory_mb, idle_timeout_s, accept_window_s; never a secret:
//     only these settings, so the token cannot reach the ledger
//   joined, left (the pool no longer lists the worker), idle_end: none
//   idle_start: boottime (CLOCK_BOOTTIME seconds: immune to wall-clock steps)
//   phase: from, to, reason (the lifecycle's transition)
//   claim_start, claim_end: slot, claim_id (HTCondor's PublicClaimId, "" while only Matched),
//     owner, cpus
//   job_start, job_end: job_id, owner, project, cpus; job_end also exit_code or exit_signal and
//     how (HTCondor's ToE.How), when the startd's history holds them
//   retire, shutdown_decision, agent_stop: reason
//   shutdown_action: action, result ("ok" or an error), detail
inline constexpr const char* kEventAgentStart = "agent_start";
inline constexpr const char* kEventBoot = "boot";
inline constexpr const char* kEventConfigAccepted = "config_accepted";
inline constexpr const char* kEventJoined = "joined";
inline constexpr const char* kEventLeft = "left";
inline constexpr const char* kEventPhase = "phase";
inline constexpr const char* kEventClaimStart = "claim_start";
inline constexpr const char* kEventClaimEnd = "claim_end";
inline constexpr const char* kEventJobStart = "job_start";
inline constexpr const char* kEventJobEnd = "job_end";
inline constexpr const char* kEventIdleStart = "idle_start";
inline constexpr const char* kEventIdleEnd = "idle_end";
inline constexpr const char* kEventRetire = "retire";
inline constexpr const char* kEventShutdownDecision = "shutdown_decision";
inline constexpr const char* kEventShutdownAction = "shutdown_action";
inline constexpr const char* kEventAgentStop = "agent_stop";
inline constexpr const char* kEventJobFirewall = "job_firewall";
inline constexpr const char* kEventDefaultImage = "default_image";

struct LedgerRecord {
  double time = 0;  // wall clock, seconds since the epoch: the ledger outlives any steady clock
  std::string event;
  nlohmann::json fields = nlohmann::json::object();  // "t" and "event" are reserved
};

// The append-only ledger. One line per record: the JSON object ({"t":..,"event":..,fields...}),
// a tab, the CRC-32 of the JSON text as 8 hex digits, '\n'. Each Append is fsynced before it
// returns Ok, so a record the agent acted on survives kill -9 and power loss; a write cut short
// leaves at most one torn line, which ReadLedger skips and the next Append steps over.
class Ledger {
 public:
  explicit Ledger(std::string path = kLedgerPath);
  ~Ledger();
  Ledger(const Ledger&) = delete;
  Ledger& operator=(const Ledger&) = delete;

  // Opens the file on first use (parent directory 0700, file 0600); a failed open is retried at
  // the next Append.
  Status Append(const LedgerRecord& record);
  const std::string& path() const { return path_; }

 private:
  Status Open();
  Status EndWithNewline();

  std::string path_;
  int fd_ = -1;
};

// The line Append writes for `record`, without the '\n'; exposed for tests.
std::string FormatLedgerLine(const LedgerRecord& record);

struct LedgerReadResult {
  bool found = false;                 // the file exists and could be read
  std::vector<LedgerRecord> records;  // the valid lines, in file order
  int skipped = 0;
  std::vector<std::string> notes;  // one per skipped line (or why the file could not be read)
};

// Never fails: a torn or corrupt line is skipped and noted, the rest is returned.
LedgerReadResult ReadLedger(const std::string& path);

// What ReadLedger does with the file's bytes (pure, for tests and the fuzzer); `name` prefixes
// each note. `found` is set: the text is there.
LedgerReadResult ParseLedgerText(std::string_view text, const std::string& name);

// For an agent restarted without a reboot: if the records say that on boot `boot_id` the worker
// became idle and nothing (claim, job, idle_end, leaving the pool) happened since, returns the
// wall time it became idle, so the idle clock resumes instead of starting from zero. Nullopt after
// a reboot, when busy, or when never idle. The new agent's own agent_start/boot records may
// already be in `records`. Returns the idle_start record.
std::optional<LedgerRecord> ResumeIdleSince(const std::vector<LedgerRecord>& records,
                                            const std::string& boot_id);

// Seconds since `idle_start` (found by ResumeIdleSince, so of this boot): from its "boottime"
// field and the boot-time clock when it has one, so that a step of the wall clock (NTP fixing a
// bad clock at boot, an admin's date -s) neither ends nor extends the idle period; else from the
// wall clock. Never negative.
double IdleSeconds(const LedgerRecord& idle_start, double wall_now, double boottime_now);

// What the ledger says of the instance's life before this agent, for the deadlines that count
// from the instance's start and not from an agent's (a crash loop or a reboot must not reset
// them).
struct InstanceHistory {
  std::optional<double> first_start;   // wall time of the first agent_start
  std::optional<double> last_in_pool;  // of the last record written while the worker was in the
                                       // pool (joined, or holding a claim or a job)
  std::optional<int> collector_socket;  // the first config_accepted's collector_socket above 0
};
InstanceHistory ReadInstanceHistory(const std::vector<LedgerRecord>& records);

// CLOCK_BOOTTIME in seconds: steady within a boot, the same for every process.
double BootTimeNow();

// The boot id of the running kernel (/proc/sys/kernel/random/boot_id), or "" if unreadable.
std::string CurrentBootId();

}  // namespace osg
