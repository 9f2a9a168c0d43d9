// The Compute API's answer to instances.delete, Google's error documents included: the outcome
// follows the status, the detail stays short, and after redaction it holds no token. Input: a
// status selector byte, the token line, then the body.

#include <cstdint>
#include <iterator>
#include <string>

#include "fuzz_check.h"
#include "gce.h"
#include "redact.h"

namespace {

constexpr long kStatuses[] = {0,   200, 202, 204, 400, 401, 403, 403,
                              404, 409, 410, 429, 500, 503, 302, 200};
constexpr size_t kMaxDetail = 600;  // Google's message is cut to 200 characters

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using osg::fuzz::Require;
  using Outcome = osg::CloudResult::Outcome;
  if (size == 0) return 0;
  std::string_view rest = osg::fuzz::Bytes(data + 1, size - 1);
  std::string token(osg::fuzz::TakeLine(&rest));
  osg::HttpResponse response;
  response.status = kStatuses[data[0] % std::size(kStatuses)];
  if (response.status == 0) {
    response.error = "Operation timed out";
    response.timed_out = (data[0] & 0x10) != 0;
  }
  response.body = std::string(rest);
  osg::CloudResult result = osg::ClassifyGceDeleteResponse(response);
  Require(result.detail.size() <= kMaxDetail, "a detail that quotes a whole body");
  switch (response.status) {
    case 0:
    case 409:
    case 429:
    case 500:
    case 503:
      Require(result.outcome == Outcome::kRetry, "a transient failure not retried");
      break;
    case 404:
      Require(result.outcome == Outcome::kAlreadyGone, "404 not taken as gone");
      break;
    case 401:
      Require(result.outcome == Outcome::kRefused, "401 not refused");
      break;
    default:
      break;
  }
  if (result.outcome == Outcome::kDone) {
    Require(response.ok(), "done without a 2xx");
  }
  std::string shown = osg::RedactSecrets(result.detail, {token});
  Require(token.empty() || shown.find(token) == std::string::npos, "the token in a detail");
  return 0;
}
