// Keystone's and Nova's answers, error bodies included (a server may echo our request): the
// classification follows the status, the detail stays short, and after the clients' redaction
// no secret is left in it. Input: a status selector byte, a secret line, then the body.

#include <cstdint>
#include <string>

#include "cloud_answer.h"
#include "fuzz_check.h"
#include "openstack.h"
#include "redact.h"

namespace {

constexpr long kStatuses[] = {0,   200, 201, 202, 204, 400, 401, 403,
                              404, 409, 413, 429, 500, 502, 503, 302};
constexpr size_t kMaxDetail = 600;  // a fault's message is cut to 200 characters

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using osg::fuzz::Require;
  using Outcome = osg::CloudResult::Outcome;
  std::optional<osg::fuzz::CloudAnswer> answer = osg::fuzz::ReadCloudAnswer(data, size, kStatuses);
  if (!answer) return 0;
  osg::HttpResponse& response = answer->response;
  const std::string& secret = answer->secret;
  if (answer->selector & 0x10) response.headers.emplace_back("X-Subject-Token", "gAAAAtoken");

  for (bool shelve : {false, true}) {
    osg::CloudResult nova = osg::ClassifyNovaResponse(shelve, response);
    Require(nova.detail.size() <= kMaxDetail, "a Nova detail that quotes a whole body");
    if (response.ok()) Require(nova.outcome == Outcome::kDone, "a 2xx not taken as done");
    if (response.status == 404) Require(nova.outcome == Outcome::kAlreadyGone, "404 not gone");
    if (response.status == 0 || response.status == 429 || response.status >= 500) {
      Require(nova.outcome == Outcome::kRetry, "a transport error or overload not retried");
    }
    std::string shown = osg::RedactSecrets(nova.detail, {secret, "gAAAAtoken"});
    Require(secret.empty() || shown.find(secret) == std::string::npos, "a secret in a detail");
  }
  osg::CloudResult keystone = osg::ClassifyKeystoneResponse(response);
  Require(keystone.detail.size() <= kMaxDetail, "a Keystone detail that quotes a whole body");
  if (keystone.outcome == Outcome::kDone) {
    Require(response.ok() && !response.Header("X-Subject-Token").empty(),
            "a token taken without a 2xx and an X-Subject-Token");
  }
  std::string shown = osg::RedactSecrets(keystone.detail, {secret});
  Require(secret.empty() || shown.find(secret) == std::string::npos, "a secret in a detail");
  return 0;
}
