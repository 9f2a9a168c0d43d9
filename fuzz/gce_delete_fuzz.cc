// The Compute API's answer to instances.delete, Google's error documents included: the outcome
// follows the status, the detail stays short, and after redaction it holds no token. Input: a
// status selector byte, the token line, then the body.

#include <cstdint>
#include <string>

#include "cloud_answer.h"
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
  std::optional<osg::fuzz::CloudAnswer> answer = osg::fuzz::ReadCloudAnswer(data, size, kStatuses);
  if (!answer) return 0;
  const osg::HttpResponse& response = answer->response;
  const std::string& token = answer->secret;
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
