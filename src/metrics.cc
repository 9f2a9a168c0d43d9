#include "metrics.h"

#include <cstdio>
#include <sstream>

namespace osg {
namespace {

// Every phase the agent publishes, so that the one-hot family always has the same series.
constexpr const char* kStates[] = {"Joining",  "Idle",         "Busy",     "Retiring",
                                   "Stopping", "ShuttingDown", "ShutDown", "Stopped"};

std::string Number(double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.17g", value);
  return buffer;
}

void Family(std::ostringstream& out, const char* name, const char* type, const char* help) {
  out << "# HELP " << name << " " << help << "\n# TYPE " << name << " " << type << "\n";
}

void Sample(std::ostringstream& out, const char* name, double value) {
  out << name << " " << Number(value) << "\n";
}

std::string StatusLine(int code) {
  switch (code) {
    case 200:
      return "200 OK";
    case 404:
      return "404 Not Found";
    case 405:
      return "405 Method Not Allowed";
    default:
      return "400 Bad Request";
  }
}

std::string Response(int code, const std::string& content_type, const std::string& body,
                     bool with_body) {
  return "HTTP/1.0 " + StatusLine(code) + "\r\nContent-Type: " + content_type +
         "\r\nContent-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" +
         (with_body ? body : "");
}

}  // namespace

std::string EscapeLabelValue(std::string_view value) {
  std::string out;
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string RenderMetrics(const MetricsSnapshot& s, int64_t now) {
  std::ostringstream out;
  Family(out, "osg_worker_state", "gauge",
         "Lifecycle state of the worker (1 for the current one).");
  for (const char* state : kStates) {
    out << "osg_worker_state{state=\"" << state << "\"} " << (s.phase == state ? 1 : 0) << "\n";
  }
  Family(out, "osg_worker_joined", "gauge", "Whether the pool's collector lists this worker.");
  Sample(out, "osg_worker_joined", s.joined ? 1 : 0);
  Family(out, "osg_worker_slots_claimed", "gauge", "Slots claimed by the pool.");
  Sample(out, "osg_worker_slots_claimed", s.slots_claimed);
  Family(out, "osg_worker_cores_claimed", "gauge", "CPU cores in claimed slots.");
  Sample(out, "osg_worker_cores_claimed", s.cores_claimed);
  Family(out, "osg_worker_cores_total", "gauge", "CPU cores of the machine.");
  Sample(out, "osg_worker_cores_total", s.cores_total);
  Family(out, "osg_worker_jobs_running", "gauge", "Jobs running on this worker.");
  Sample(out, "osg_worker_jobs_running", s.jobs_running);
  Family(out, "osg_worker_jobs_total", "counter", "Jobs started on this worker since its boot.");
  Sample(out, "osg_worker_jobs_total", static_cast<double>(s.jobs_total));
  Family(out, "osg_worker_busy_seconds_total", "counter",
         "Seconds with a claim or a job since the boot.");
  Sample(out, "osg_worker_busy_seconds_total", s.busy_seconds);
  Family(out, "osg_worker_idle_seconds_total", "counter",
         "Seconds joined without claim or job since the boot.");
  Sample(out, "osg_worker_idle_seconds_total", s.idle_seconds);
  Family(out, "osg_worker_shutdown_timestamp_seconds", "gauge",
         "When the idle timeout shuts the worker down; absent unless the idle clock runs.");
  if (s.shutdown_at) Sample(out, "osg_worker_shutdown_timestamp_seconds", *s.shutdown_at);
  Family(out, "osg_worker_shutdown_in_seconds", "gauge",
         "Seconds until the idle timeout, when rendered; absent unless the idle clock runs.");
  if (s.shutdown_at) Sample(out, "osg_worker_shutdown_in_seconds", *s.shutdown_at - now);
  Family(out, "osg_worker_shutdown_action_success", "gauge",
         "Result of the last shutdown action tried (1 ok, 0 failed); absent before any.");
  if (!s.last_action.empty()) {
    out << "osg_worker_shutdown_action_success{action=\"" << EscapeLabelValue(s.last_action)
        << "\"} " << (s.last_action_ok ? 1 : 0) << "\n";
  }
  Family(out, "osg_worker_agent_start_time_seconds", "gauge", "When the agent started.");
  Sample(out, "osg_worker_agent_start_time_seconds", static_cast<double>(s.agent_started_at));
  return out.str();
}

std::string MetricsHttpReply(std::string_view head, const std::function<std::string()>& render) {
  std::string_view line = head.substr(0, head.find_first_of("\r\n"));
  size_t first = line.find(' ');
  size_t second = first == std::string_view::npos ? first : line.find(' ', first + 1);
  const std::string text = "text/plain; charset=utf-8";
  if (second == std::string_view::npos || line.substr(second + 1).rfind("HTTP/", 0) != 0) {
    return Response(400, text, "bad request\n", true);
  }
  std::string_view method = line.substr(0, first);
  std::string_view target = line.substr(first + 1, second - first - 1);
  std::string_view path = target.substr(0, target.find('?'));
  if (method != "GET" && method != "HEAD") return Response(405, text, "GET only\n", true);
  if (path != "/metrics") return Response(404, text, "not found; try /metrics\n", method == "GET");
  return Response(200, kMetricsContentType, render(), method == "GET");
}

}  // namespace osg
