#include "http.h"

#include <curl/curl.h>

#include <memory>
#include <mutex>
#include <vector>

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

struct CurlDeleter {
  void operator()(CURL* curl) const { curl_easy_cleanup(curl); }
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

}  // namespace

HttpResponse SendHttp(const HttpRequest& request) {
  // curl_global_init is not thread-safe; once per process is what libcurl asks for.
  static std::once_flag init_once;
  std::call_once(init_once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });

  HttpResponse response;
  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
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
    curl_slist* longer = curl_slist_append(list, line.c_str());
    if (longer == nullptr) {
      curl_slist_free_all(list);
      response.error = "out of memory building the request headers";
      return response;
    }
    list = longer;
  }
  std::unique_ptr<curl_slist, CurlDeleter> headers(list);

  curl_easy_setopt(c, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  if (!request.body.empty() || request.method == "POST" || request.method == "PUT") {
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
  }
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_NOPROXY, "169.254.169.254,localhost,127.0.0.1,::1");
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);  // no SIGALRM: we run threads and a supervisor
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout.count()));
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, AppendBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &response.body);
  Capture capture{&request.keep_headers, &response.headers};
  if (!request.keep_headers.empty()) {
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, KeepHeader);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &capture);
  }

  CURLcode code = curl_easy_perform(c);
  if (code != CURLE_OK) {
    response.timed_out = code == CURLE_OPERATION_TIMEDOUT;
    // libcurl's messages name the host and the failure, never a header or the body.
    response.error = error_buffer[0] != '\0' ? error_buffer : curl_easy_strerror(code);
    response.status = 0;
    response.headers.clear();
    return response;
  }
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &response.status);
  return response;
}

std::string HttpResponse::Header(const std::string& name) const {
  for (const auto& [key, value] : headers) {
    if (ToLower(key) == ToLower(name)) return value;
  }
  return "";
}

}  // namespace osg
