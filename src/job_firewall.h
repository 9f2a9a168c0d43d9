#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config.h"
#include "status.h"
#include "subprocess.h"

namespace osg {

// Jobs must not reach the cloud metadata service, where the instance role's credentials live
// (HTCondor's EC2 annex does the same with iptables). osg-worker keeps one nftables table of its
// own, replaced whole at every start; it touches no other table.
inline constexpr const char* kJobFirewallTable = "inet osg_worker";
inline constexpr const char* kJobFirewallFile = "/run/osg-worker/job-firewall.nft";

// A destination that processes of any uid but root may not reach.
struct BlockedEndpoint {
  std::string address;      // numeric IPv4 or IPv6
  std::optional<int> port;  // a TCP port; none: every port and protocol
  bool operator==(const BlockedEndpoint&) const = default;
};

struct HostPort {
  std::string host;  // as written, without IPv6 brackets
  int port = 0;
};

// The host and port of an http:// or https:// URL (default ports 80 and 443); none if malformed.
std::optional<HostPort> UrlHostPort(std::string_view url);

// Numeric addresses of a host name (or the literal itself); empty when it does not resolve.
using HostResolver = std::function<std::vector<std::string>(const std::string& host)>;
std::vector<std::string> ResolveHost(const std::string& host);

// The link-local metadata addresses of every cloud (all ports), then the address and port of
// each configured metadata URL not already covered. A URL whose host does not resolve is
// skipped with a note (GCE's metadata.google.internal resolves only on GCE, where it is
// 169.254.169.254 anyway).
std::vector<BlockedEndpoint> JobFirewallTargets(const Settings& settings,
                                                const HostResolver& resolve,
                                                std::vector<std::string>* notes);

// The nft -f input that replaces the table atomically. Only valid numeric addresses reach it.
std::string RenderJobFirewall(const std::vector<BlockedEndpoint>& targets);

// One line for status: what jobs cannot reach.
std::string DescribeJobFirewall(const std::vector<BlockedEndpoint>& targets);

// Writes the ruleset (root-only) to `path` and loads it with `nft -f`.
using CommandRunner = std::function<CommandResult(const std::vector<std::string>& argv)>;
Status InstallJobFirewall(const std::string& ruleset, const std::string& path,
                          const CommandRunner& run);

// The table is loaded once at start, but anyone may remove it later: Debian's
// `systemctl reload nftables` runs `nft -f /etc/nftables.conf`, which begins with
// `flush ruleset`. So the agent lists the table every kJobFirewallCheckInterval (one short nft
// run; the idle agent's wake-ups are counted, so it stays rare) and puts it back when it is gone
// or lacks a rule. The environment variable OSG_WORKER_FIREWALL_CHECK_SECONDS overrides the
// interval, for tests.
inline constexpr std::chrono::seconds kJobFirewallCheckInterval{300};
inline constexpr const char* kJobFirewallCheckEnv = "OSG_WORKER_FIREWALL_CHECK_SECONDS";
std::chrono::seconds JobFirewallCheckInterval(const char* override_seconds);

// What `listing` (the output of `nft list table inet osg_worker`) lacks of the table rendered
// from `targets`, in words; "" when it lacks nothing.
std::string MissingJobFirewallRules(const std::string& listing,
                                    const std::vector<BlockedEndpoint>& targets);

// One periodic check and what the agent tells of it (log line, status line, ledger record).
struct JobFirewallCheck {
  bool ok = false;       // the table is in place now
  bool changed = false;  // false: nothing to tell (intact, or still failing as before)
  std::string result;    // the ledger's "result": "reinstalled" or "failed"
  std::string detail;    // what was found and what was done
  std::string log;       // the log line
  std::string status;    // status's firewall line
};

// Lists the table and, when it is gone or lacks a rule, reinstalls it (InstallJobFirewall).
// `was_ok` is whether the agent last reported it installed; one that was not is simply tried
// again, so a worker whose nft failed at start gets its firewall once nft works.
JobFirewallCheck CheckJobFirewall(const std::vector<BlockedEndpoint>& targets,
                                  const std::string& path, const CommandRunner& run, bool was_ok);

}  // namespace osg
