#pragma once

#include <poll.h>

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "status.h"

namespace osg {

// The localhost-only /metrics endpoint, served from the agent's own poll loop: non-blocking
// sockets, one connection at a time (others wait in the backlog), a request head of at most
// 8 KiB, and a connection that has not finished within 5 s is dropped, so a client can never
// stall the loop. Never binds anything but 127.0.0.1.
class MetricsServer {
 public:
  using SteadyTime = std::chrono::steady_clock::time_point;
  MetricsServer() = default;
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  // Port 0 picks a free port (tests); port() tells which.
  Status Listen(int port);
  int port() const { return port_; }

  // The two entries this server needs in the loop's poll set (fd -1 when it waits for nothing).
  void FillPollFds(pollfd& listener, pollfd& client) const;
  // After poll: accepts, reads, answers, closes. `render` makes the metrics body.
  void OnPoll(const pollfd& listener, const pollfd& client, SteadyTime now,
              const std::function<std::string()>& render);
  // When a slow client is dropped, if one is connected.
  std::optional<SteadyTime> Deadline() const;

 private:
  void CloseClient();
  void ReadRequest(const std::function<std::string()>& render);
  void WriteResponse();

  int listen_fd_ = -1;
  int client_fd_ = -1;
  int port_ = 0;
  std::string request_;
  std::string response_;
  size_t sent_ = 0;
  SteadyTime client_deadline_{};
};

}  // namespace osg
