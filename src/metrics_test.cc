#include "metrics.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "metrics_server.h"

namespace osg {
namespace {

MetricsSnapshot Busy() {
  return {.phase = "Busy",
          .joined = true,
          .slots_claimed = 1,
          .cores_claimed = 1,
          .cores_total = 2,
          .jobs_running = 1,
          .jobs_total = 3,
          .busy_seconds = 120.5,
          .idle_seconds = 60,
          .agent_started_at = 1800000000};
}

TEST(RenderMetrics, ExactExposition) {
  EXPECT_EQ(RenderMetrics(Busy(), 1800000300),
            "# HELP osg_worker_state Lifecycle state of the worker (1 for the current one).\n"
            "# TYPE osg_worker_state gauge\n"
            "osg_worker_state{state=\"Joining\"} 0\n"
            "osg_worker_state{state=\"Idle\"} 0\n"
            "osg_worker_state{state=\"Busy\"} 1\n"
            "osg_worker_state{state=\"Retiring\"} 0\n"
            "osg_worker_state{state=\"Stopping\"} 0\n"
            "osg_worker_state{state=\"ShuttingDown\"} 0\n"
            "osg_worker_state{state=\"ShutDown\"} 0\n"
            "osg_worker_state{state=\"Stopped\"} 0\n"
            "# HELP osg_worker_joined Whether the pool's collector lists this worker.\n"
            "# TYPE osg_worker_joined gauge\n"
            "osg_worker_joined 1\n"
            "# HELP osg_worker_slots_claimed Slots claimed by the pool.\n"
            "# TYPE osg_worker_slots_claimed gauge\n"
            "osg_worker_slots_claimed 1\n"
            "# HELP osg_worker_cores_claimed CPU cores in claimed slots.\n"
            "# TYPE osg_worker_cores_claimed gauge\n"
            "osg_worker_cores_claimed 1\n"
            "# HELP osg_worker_cores_total CPU cores of the machine.\n"
            "# TYPE osg_worker_cores_total gauge\n"
            "osg_worker_cores_total 2\n"
            "# HELP osg_worker_jobs_running Jobs running on this worker.\n"
            "# TYPE osg_worker_jobs_running gauge\n"
            "osg_worker_jobs_running 1\n"
            "# HELP osg_worker_jobs_total Jobs started on this worker since its boot.\n"
            "# TYPE osg_worker_jobs_total counter\n"
            "osg_worker_jobs_total 3\n"
            "# HELP osg_worker_busy_seconds_total Seconds with a claim or a job since the boot.\n"
            "# TYPE osg_worker_busy_seconds_total counter\n"
            "osg_worker_busy_seconds_total 120.5\n"
            "# HELP osg_worker_idle_seconds_total Seconds joined without claim or job since the "
            "boot.\n"
            "# TYPE osg_worker_idle_seconds_total counter\n"
            "osg_worker_idle_seconds_total 60\n"
            "# HELP osg_worker_shutdown_timestamp_seconds When the idle timeout shuts the worker "
            "down; absent unless the idle clock runs.\n"
            "# TYPE osg_worker_shutdown_timestamp_seconds gauge\n"
            "# HELP osg_worker_shutdown_in_seconds Seconds until the idle timeout, when rendered; "
            "absent unless the idle clock runs.\n"
            "# TYPE osg_worker_shutdown_in_seconds gauge\n"
            "# HELP osg_worker_shutdown_action_success Result of the last shutdown action tried (1 "
            "ok, 0 failed); absent before any.\n"
            "# TYPE osg_worker_shutdown_action_success gauge\n"
            "# HELP osg_worker_agent_start_time_seconds When the agent started.\n"
            "# TYPE osg_worker_agent_start_time_seconds gauge\n"
            "osg_worker_agent_start_time_seconds 1800000000\n");
}

TEST(RenderMetrics, ShutdownDeadlineAndActionResult) {
  MetricsSnapshot s = Busy();
  s.phase = "Idle";
  s.shutdown_at = 1800001500;
  s.last_action = "command:/usr/local/sbin/a \"b\"\\c";
  s.last_action_ok = false;
  std::string text = RenderMetrics(s, 1800000300);
  EXPECT_NE(text.find("osg_worker_state{state=\"Idle\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("osg_worker_state{state=\"Busy\"} 0\n"), std::string::npos);
  EXPECT_NE(text.find("\nosg_worker_shutdown_timestamp_seconds 1800001500\n"), std::string::npos);
  EXPECT_NE(text.find("\nosg_worker_shutdown_in_seconds 1200\n"), std::string::npos);
  EXPECT_NE(text.find("\nosg_worker_shutdown_action_success{action=\"command:/usr/local/sbin/a "
                      "\\\"b\\\"\\\\c\"} 0\n"),
            std::string::npos);
  s.last_action = "poweroff";
  s.last_action_ok = true;
  EXPECT_NE(RenderMetrics(s, 0).find("osg_worker_shutdown_action_success{action=\"poweroff\"} 1"),
            std::string::npos);
}

TEST(EscapeLabelValue, BackslashQuoteNewline) {
  EXPECT_EQ(EscapeLabelValue("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
}

TEST(HttpResponse, MetricsNotFoundAndBadRequests) {
  auto render = [] { return std::string("osg_worker_joined 1\n"); };
  struct Case {
    const char* request;
    const char* starts;
    bool has_body;
  } cases[] = {
      {"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", "HTTP/1.0 200 OK\r\n", true},
      {"GET /metrics?x=1 HTTP/1.0\n\n", "HTTP/1.0 200 OK\r\n", true},
      {"HEAD /metrics HTTP/1.0\r\n\r\n", "HTTP/1.0 200 OK\r\n", false},
      {"GET / HTTP/1.0\r\n\r\n", "HTTP/1.0 404 Not Found\r\n", true},
      {"POST /metrics HTTP/1.0\r\n\r\n", "HTTP/1.0 405 Method Not Allowed\r\n", true},
      {"garbage\r\n\r\n", "HTTP/1.0 400 Bad Request\r\n", true},
      {"GET /metrics\r\n\r\n", "HTTP/1.0 400 Bad Request\r\n", true},
  };
  for (const Case& c : cases) {
    std::string response = MetricsHttpReply(c.request, render);
    EXPECT_EQ(response.rfind(c.starts, 0), 0u) << c.request << " -> " << response;
    size_t end = response.find("\r\n\r\n");
    ASSERT_NE(end, std::string::npos);
    EXPECT_EQ(response.size() > end + 4, c.has_body) << c.request;
  }
  std::string ok = MetricsHttpReply("GET /metrics HTTP/1.0\r\n\r\n", render);
  EXPECT_NE(ok.find("Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"),
            std::string::npos);
  EXPECT_NE(ok.find("Content-Length: 20\r\n"), std::string::npos);
  EXPECT_EQ(ok.substr(ok.size() - 20), "osg_worker_joined 1\n");
}

// The server on a real socket, driven by poll as the agent drives it.
class MetricsServerTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(server_.Listen(0).ok()); }

  int Connect() {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(server_.port()));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    return fd;
  }

  // Polls the server's fds (as the agent's loop does) for up to `rounds` turns.
  void Turn(int rounds, std::chrono::steady_clock::time_point now) {
    for (int i = 0; i < rounds; ++i) {
      pollfd fds[2];
      server_.FillPollFds(fds[0], fds[1]);
      poll(fds, 2, 100);
      server_.OnPoll(fds[0], fds[1], now, [this] {
        ++renders_;
        return std::string("osg_worker_joined 1\n");
      });
    }
  }

  static std::string ReadAll(int fd) {
    std::string out;
    char buffer[1024];
    ssize_t n;
    while ((n = read(fd, buffer, sizeof buffer)) > 0) out.append(buffer, static_cast<size_t>(n));
    return out;
  }

  MetricsServer server_;
  int renders_ = 0;
};

TEST_F(MetricsServerTest, AnswersAScrapeOnLoopbackOnly) {
  EXPECT_GT(server_.port(), 0);
  int fd = Connect();
  std::string request = "GET /metrics HTTP/1.0\r\n\r\n";
  ASSERT_EQ(write(fd, request.data(), request.size()), static_cast<ssize_t>(request.size()));
  Turn(3, std::chrono::steady_clock::now());
  std::string response = ReadAll(fd);
  close(fd);
  EXPECT_EQ(response.rfind("HTTP/1.0 200 OK\r\n", 0), 0u) << response;
  EXPECT_EQ(renders_, 1);
  EXPECT_FALSE(server_.Deadline().has_value());  // the connection is closed
}

TEST_F(MetricsServerTest, ASilentClientIsDroppedAtItsDeadlineAndTheNextOneServed) {
  int silent = Connect();
  auto now = std::chrono::steady_clock::now();
  Turn(1, now);
  ASSERT_TRUE(server_.Deadline().has_value());
  int next = Connect();  // waits in the backlog meanwhile
  std::string request = "GET /nothing HTTP/1.0\r\n\r\n";
  ASSERT_EQ(write(next, request.data(), request.size()), static_cast<ssize_t>(request.size()));
  auto deadline = *server_.Deadline();
  Turn(1, deadline);  // the silent one's time is up: it is dropped, and nobody is served
  EXPECT_FALSE(server_.Deadline().has_value());
  Turn(3, deadline);  // the next one is accepted, its deadline ahead of it, and served
  EXPECT_EQ(ReadAll(silent), "");  // closed without an answer
  EXPECT_EQ(ReadAll(next).rfind("HTTP/1.0 404 Not Found\r\n", 0), 0u);
  close(silent);
  close(next);
  EXPECT_EQ(renders_, 0);
}

}  // namespace
}  // namespace osg
