#include "http.h"

#include <curl/curl.h>

#include <cerrno>
#include <cstdio>
#include <memory>
#include <vector>

#include "shared_library.h"
#include "text.h"

namespace osg {
namespace {

size_t AppendBody(char* data, size_t size, size_t count, void* user) {
  auto* body = static_cast<std::string*>(user);
  size_t bytes = size * count;
  // Returning less than `bytes` aborts the transfer: a metadata or API answer is never this big.
  if (body->size() + bytes > kMaxHttpBody) return 0;
  body->append(data, bytes);
  return bytes;
}

// Keeps the response headers named in `Capture::wanted`, of the final response only.
struct Capture {
  const std::vector<std::string>* wanted;
  std::vector<std::pair<std::string, std::string>>* kept;
};

size_t KeepHeader(char* data, size_t size, size_t count, void* user) {
  auto* capture = static_cast<Capture*>(user);
  size_t bytes = size * count;
  std::string line(data, bytes);
  // A status line starts a new response (an interim 1xx one came before): forget the old one's.
  if (line.starts_with("HTTP/")) capture->kept->clear();
  size_t colon = line.find(':');
  if (colon == std::string::npos) return bytes;
  std::string name = Trim(line.substr(0, colon));
  for (const std::string& wanted : *capture->wanted) {
    if (ToLower(wanted) == ToLower(name)) {
      capture->kept->emplace_back(wanted, Trim(line.substr(colon + 1)));
    }
  }
  return bytes;
}

// The libcurl functions we call, from libcurl.so.4 opened at the first request (shared_library.h).
// curl.h still gives the types and constants: soname 4 is libcurl's stable ABI.
struct CurlApi {
  decltype(&curl_global_init) global_init = nullptr;
  decltype(&curl_easy_init) easy_init = nullptr;
  decltype(&curl_easy_setopt) easy_setopt = nullptr;
  decltype(&curl_easy_perform) easy_perform = nullptr;
  decltype(&curl_easy_getinfo) easy_getinfo = nullptr;
  decltype(&curl_easy_strerror) easy_strerror = nullptr;
  decltype(&curl_easy_cleanup) easy_cleanup = nullptr;
  decltype(&curl_slist_append) slist_append = nullptr;
  decltype(&curl_slist_free_all) slist_free_all = nullptr;
  std::string error;  // why libcurl is unusable; empty when every function is bound
};

const CurlApi& Curl() {
  // A function-local static is initialised once, thread-safely, as curl_global_init must be.
  static const CurlApi api = [] {
    static SharedLibrary library(kCurlLibrary);
    CurlApi a;
    bool bound = library.Bind("curl_global_init", a.global_init) &&
                 library.Bind("curl_easy_init", a.easy_init) &&
                 library.Bind("curl_easy_setopt", a.easy_setopt) &&
                 library.Bind("curl_easy_perform", a.easy_perform) &&
                 library.Bind("curl_easy_getinfo", a.easy_getinfo) &&
                 library.Bind("curl_easy_strerror", a.easy_strerror) &&
                 library.Bind("curl_easy_cleanup", a.easy_cleanup) &&
                 library.Bind("curl_slist_append", a.slist_append) &&
                 library.Bind("curl_slist_free_all", a.slist_free_all);
    if (!bound) {
      a.error = library.error();
    } else if (a.global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
      a.error = "libcurl failed to initialise (curl_global_init)";
    }
    return a;
  }();
  return api;
}

struct CurlDeleter {
  void operator()(CURL* curl) const { Curl().easy_cleanup(curl); }
  void operator()(curl_slist* list) const { Curl().slist_free_all(list); }
};

}  // namespace

HttpResponse SendHttp(const HttpRequest& request) {
  HttpResponse response;
  const CurlApi& api = Curl();
  if (!api.error.empty()) {
    response.error = "cannot send an HTTP request: " + api.error;
    return response;
  }
  std::unique_ptr<CURL, CurlDeleter> curl(api.easy_init());
  if (!curl) {
    response.error = "cannot start an HTTP request (curl_easy_init failed)";
    return response;
  }
  CURL* c = curl.get();
  char error_buffer[CURL_ERROR_SIZE] = "";
  // "Expect:" stops libcurl from adding "Expect: 100-continue" to a large body and waiting.
  std::vector<std::string> lines{"Expect:"};
  for (const auto& [name, value] : request.headers) lines.push_back(name + ": " + value);
  curl_slist* list = nullptr;
  for (const std::string& line : lines) {
    curl_slist* longer = api.slist_append(list, line.c_str());
    if (longer == nullptr) {
      api.slist_free_all(list);
      response.error = "out of memory building the request headers";
      return response;
    }
    list = longer;
  }
  std::unique_ptr<curl_slist, CurlDeleter> headers(list);

  api.easy_setopt(c, CURLOPT_URL, request.url.c_str());
  api.easy_setopt(c, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  api.easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  if (!request.body.empty() || request.method == "POST" || request.method == "PUT") {
    api.easy_setopt(c, CURLOPT_POSTFIELDS, request.body.data());
    api.easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  }
  api.easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  api.easy_setopt(c, CURLOPT_NOPROXY, "169.254.169.254,localhost,127.0.0.1,::1");
  api.easy_setopt(c, CURLOPT_NOSIGNAL, 1L);  // no SIGALRM: we run threads and a supervisor
  api.easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout.count()));
  api.easy_setopt(c, CURLOPT_ERRORBUFFER, error_buffer);
  api.easy_setopt(c, CURLOPT_WRITEFUNCTION, AppendBody);
  api.easy_setopt(c, CURLOPT_WRITEDATA, &response.body);
  Capture capture{&request.keep_headers, &response.headers};
  if (!request.keep_headers.empty()) {
    api.easy_setopt(c, CURLOPT_HEADERFUNCTION, KeepHeader);
    api.easy_setopt(c, CURLOPT_HEADERDATA, &capture);
  }

  CURLcode code = api.easy_perform(c);
  if (code != CURLE_OK) {
    response.timed_out = code == CURLE_OPERATION_TIMEDOUT;
    // libcurl's messages name the host and the failure, never a header or the body.
    response.error = error_buffer[0] != '\0' ? error_buffer : api.easy_strerror(code);
    response.status = 0;
    response.headers.clear();
    return response;
  }
  api.easy_getinfo(c, CURLINFO_RESPONSE_CODE, &response.status);
  return response;
}

namespace {

struct DownloadSink {
  FILE* file = nullptr;
  uint64_t bytes = 0;
  uint64_t max_bytes = 0;
  const std::function<void(uint64_t, uint64_t)>* progress = nullptr;
  std::chrono::steady_clock::duration every{};
  std::chrono::steady_clock::time_point last_report{};
};

size_t WriteToFile(char* data, size_t size, size_t count, void* user) {
  auto* sink = static_cast<DownloadSink*>(user);
  if (sink->bytes + size * count > sink->max_bytes) return 0;  // aborts: CURLE_WRITE_ERROR
  size_t written = fwrite(data, size, count, sink->file) * size;
  sink->bytes += written;
  return written;  // short: a full disk aborts the transfer
}

int ReportProgress(void* user, curl_off_t total, curl_off_t now, curl_off_t, curl_off_t) {
  auto* sink = static_cast<DownloadSink*>(user);
  auto clock = std::chrono::steady_clock::now();
  if (*sink->progress && clock - sink->last_report >= sink->every) {
    sink->last_report = clock;
    (*sink->progress)(static_cast<uint64_t>(now), static_cast<uint64_t>(total));
  }
  return 0;
}

}  // namespace

DownloadResult DownloadFile(const std::string& url, const std::string& path, uint64_t max_bytes,
                            std::chrono::seconds stall_limit, std::chrono::seconds total_limit,
                            std::chrono::seconds progress_every,
                            const std::function<void(uint64_t, uint64_t)>& progress) {
  DownloadResult result;
  const CurlApi& api = Curl();
  if (!api.error.empty()) {
    result.error = "cannot download: " + api.error;
    return result;
  }
  std::unique_ptr<CURL, CurlDeleter> curl(api.easy_init());
  if (!curl) {
    result.error = "cannot start a download (curl_easy_init failed)";
    return result;
  }
  std::unique_ptr<FILE, int (*)(FILE*)> file(fopen(path.c_str(), "we"), fclose);
  if (!file) {
    result.error = "cannot write " + path + ": " + ErrnoText();
    return result;
  }
  DownloadSink sink{file.get(), 0, max_bytes, &progress, progress_every,
                    std::chrono::steady_clock::now()};
  CURL* c = curl.get();
  char error_buffer[CURL_ERROR_SIZE] = "";
  api.easy_setopt(c, CURLOPT_URL, url.c_str());
  api.easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  bool secure = url.rfind("https://", 0) == 0;
  api.easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, secure ? "https" : "http,https");
  api.easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(max_bytes));
  api.easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
  api.easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
  api.easy_setopt(c, CURLOPT_FAILONERROR, 1L);
  api.easy_setopt(c, CURLOPT_NOPROXY, "169.254.169.254,localhost,127.0.0.1,::1");
  api.easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  api.easy_setopt(c, CURLOPT_CONNECTTIMEOUT, static_cast<long>(stall_limit.count()));
  api.easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
  api.easy_setopt(c, CURLOPT_LOW_SPEED_TIME, static_cast<long>(stall_limit.count()));
  api.easy_setopt(c, CURLOPT_TIMEOUT, static_cast<long>(total_limit.count()));
  api.easy_setopt(c, CURLOPT_ERRORBUFFER, error_buffer);
  api.easy_setopt(c, CURLOPT_WRITEFUNCTION, WriteToFile);
  api.easy_setopt(c, CURLOPT_WRITEDATA, &sink);
  api.easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
  api.easy_setopt(c, CURLOPT_XFERINFOFUNCTION, ReportProgress);
  api.easy_setopt(c, CURLOPT_XFERINFODATA, &sink);
  CURLcode code = api.easy_perform(c);
  api.easy_getinfo(c, CURLINFO_RESPONSE_CODE, &result.status);
  result.bytes = sink.bytes;
  if (code == CURLE_OK && fflush(file.get()) != 0) {
    result.error = "cannot write " + path + ": " + ErrnoText();
  } else if (code == CURLE_WRITE_ERROR && sink.bytes + CURL_MAX_WRITE_SIZE > max_bytes) {
    result.error = "larger than the " + std::to_string(max_bytes >> 20) + " MiB allowed";
  } else if (code == CURLE_FILESIZE_EXCEEDED) {
    result.error = "larger than the " + std::to_string(max_bytes >> 20) + " MiB allowed";
  } else if (code != CURLE_OK) {
    result.error = error_buffer[0] != '\0' ? error_buffer : api.easy_strerror(code);
  }
  return result;
}

std::string HttpResponse::Header(const std::string& name) const {
  for (const auto& [key, value] : headers) {
    if (ToLower(key) == ToLower(name)) return value;
  }
  return "";
}

}  // namespace osg
