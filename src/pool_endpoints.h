#pragma once

#include <string>
#include <vector>

#include "config.h"

namespace osg {

// Where the worker sends its ads and how the pool reaches it behind NAT.
//
// The OSPool (CentralManager unset, or `ospool`) as its own execution points use it since
// 2021-22: the collectors cm-1 and cm-2.ospool.osg-htc.org and the CCB servers ccb-1 and
// ccb-2.ospool.osg-htc.org, all with one `?sock=collectorN` suffix (N from 1 to 10, chosen once
// per instance so that the load spreads over the pool's collector processes and a restart keeps
// its CCB route). flock.opensciencegrid.org stays the pool's trust domain and token issuer.
// Any other pool: the configured collectors, each also its CCB server (HTCondor's default).
struct PoolEndpoints {
  std::vector<std::string> collectors;  // COLLECTOR_HOST: "host[:port][?sock=name]" each
  std::vector<std::string> ccb;         // CCB_ADDRESS, the same form
  bool operator==(const PoolEndpoints&) const = default;
};

inline constexpr const char* kOspool = "ospool";
inline constexpr int kOspoolCollectorSockets = 10;

// `collector_socket` (1..kOspoolCollectorSockets) picks the OSPool's suffix; other pools ignore it.
PoolEndpoints EffectivePool(const Settings& settings, int collector_socket);

// The host of an address ("host", "host:port", "host:port?sock=name"), for HTCondor's ALLOW
// lists, which take no port.
std::string AddressHost(const std::string& address);

// Each distinct host of `addresses`, in order.
std::vector<std::string> AddressHosts(const std::vector<std::string>& addresses);

// Parses CentralManager's value: `ospool`, or addresses separated by commas or spaces. Returns
// the addresses (empty for the OSPool) or, in `problem`, what is wrong.
std::vector<std::string> ParseCentralManagers(const std::string& value, std::string* problem);

// "a, b" for the config file and for people.
std::string JoinAddresses(const std::vector<std::string>& addresses);

}  // namespace osg
