#include "metrics_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "metrics.h"
#include "text.h"

namespace osg {
namespace {

constexpr size_t kMaxRequest = 8192;
constexpr auto kClientTimeout = std::chrono::seconds(5);

}  // namespace

MetricsServer::~MetricsServer() {
  CloseClient();
  if (listen_fd_ >= 0) close(listen_fd_);
}

Status MetricsServer::Listen(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return Status::Error("cannot create a socket: " + ErrnoText());
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);  // never another interface
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || listen(fd, 8) != 0) {
    std::string error = ErrnoText();
    close(fd);
    return Status::Error("cannot listen on 127.0.0.1:" + std::to_string(port) + ": " + error);
  }
  socklen_t length = sizeof address;
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  port_ = ntohs(address.sin_port);
  listen_fd_ = fd;
  return Status::Ok();
}

void MetricsServer::FillPollFds(pollfd& listener, pollfd& client) const {
  // While a client is served the listener is not polled: the next one waits in the backlog.
  listener = {client_fd_ < 0 ? listen_fd_ : -1, POLLIN, 0};
  client = {client_fd_, static_cast<short>(response_.empty() ? POLLIN : POLLOUT), 0};
}

std::optional<MetricsServer::SteadyTime> MetricsServer::Deadline() const {
  if (client_fd_ < 0) return std::nullopt;
  return client_deadline_;
}

void MetricsServer::OnPoll(const pollfd& listener, const pollfd& client, SteadyTime now,
                           const std::function<std::string()>& render) {
  if (client_fd_ >= 0 && client.fd == client_fd_ && client.revents != 0) {
    if (response_.empty()) {
      ReadRequest(render);
    } else {
      WriteResponse();
    }
  }
  if (client_fd_ >= 0 && now >= client_deadline_) CloseClient();
  if (client_fd_ < 0 && listener.fd >= 0 && (listener.revents & POLLIN)) {
    int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;  // EAGAIN: another poller took it, or it went away
    client_fd_ = fd;
    client_deadline_ = now + kClientTimeout;
    ReadRequest(render);  // the request is often there already
  }
}

void MetricsServer::ReadRequest(const std::function<std::string()>& render) {
  char buffer[2048];
  for (;;) {
    ssize_t n = read(client_fd_, buffer, sizeof buffer);
    if (n > 0) {
      request_.append(buffer, static_cast<size_t>(n));
      if (request_.size() > kMaxRequest) break;
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    if (n < 0 && errno == EINTR) continue;
    return CloseClient();  // closed before a whole request, or an error
  }
  bool complete =
      request_.find("\r\n\r\n") != std::string::npos || request_.find("\n\n") != std::string::npos;
  if (!complete && request_.size() <= kMaxRequest) return;  // wait for more
  response_ = MetricsHttpReply(request_, render);
  WriteResponse();
}

void MetricsServer::WriteResponse() {
  while (sent_ < response_.size()) {
    ssize_t n = send(client_fd_, response_.data() + sent_, response_.size() - sent_, MSG_NOSIGNAL);
    if (n > 0) {
      sent_ += static_cast<size_t>(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      return;  // the rest when the socket is writable again
    } else {
      break;
    }
  }
  CloseClient();
}

void MetricsServer::CloseClient() {
  if (client_fd_ >= 0) close(client_fd_);
  client_fd_ = -1;
  request_.clear();
  response_.clear();
  sent_ = 0;
}

}  // namespace osg
