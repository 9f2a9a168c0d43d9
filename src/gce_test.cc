#include "gce.h"

#include <gtest/gtest.h>

#include "text.h"

namespace osg {
namespace {

using Outcome = CloudResult::Outcome;

HttpResponse Answer(long status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

// The shape of Google's error documents (Compute API v1).
std::string ErrorJson(int code, const std::string& reason, const std::string& message) {
  return R"({"error": {"code": )" + std::to_string(code) + R"(, "message": ")" + message +
         R"(", "errors": [{"message": ")" + message + R"(", "domain": "global", "reason": ")" +
         reason + R"("}]}})";
}

TEST(ZoneFromMetadata, TakesTheLastSegment) {
  EXPECT_EQ(ZoneFromMetadata("projects/123456789012/zones/us-central1-a"), "us-central1-a");
  EXPECT_EQ(ZoneFromMetadata("projects/42/zones/europe-west4-b\n"), "europe-west4-b");
}

TEST(ZoneFromMetadata, RefusesOtherShapes) {
  for (const char* text :
       {"", "us-central1-a", "projects/42/regions/us-central1", "projects//zones/x",
        "zones/us-central1-a", "projects/42/zones/", "projects/42/zones/a/b",
        "projects/42/zones/a?b", "x/projects/1/zones/a"}) {
    EXPECT_EQ(ZoneFromMetadata(text), "") << text;
  }
}

TEST(IsGcePathSegment, AllowsProjectIdsAndNamesOnly) {
  EXPECT_TRUE(IsGcePathSegment("my-project-123"));
  EXPECT_TRUE(IsGcePathSegment("example.com:my-project"));  // a domain-scoped project
  EXPECT_FALSE(IsGcePathSegment(""));
  EXPECT_FALSE(IsGcePathSegment("a/b"));
  EXPECT_FALSE(IsGcePathSegment("a b"));
  EXPECT_FALSE(IsGcePathSegment("a?x=1"));
  EXPECT_FALSE(IsGcePathSegment(std::string(129, 'a')));
}

TEST(ParseGceToken, ReadsTheDocument) {
  GceAccessToken t;
  Status s = ParseGceToken(
      R"({"access_token": "ya29.c.abc-DEF_1", "expires_in": 3599, "token_type": "Bearer"})", &t);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(t.access_token, "ya29.c.abc-DEF_1");
  EXPECT_EQ(t.expires_in, 3599);
  EXPECT_EQ(t.token_type, "Bearer");
}

TEST(ParseGceToken, RefusesMalformedDocumentsWithoutQuotingThem) {
  struct Case {
    const char* json;
    const char* error;
  } cases[] = {
      {"", "not a JSON object"},
      {"ya29.secret", "not a JSON object"},
      {R"(["ya29.secret"])", "not a JSON object"},
      {R"({"access_token": "", "expires_in": 3599, "token_type": "Bearer"})", "no access_token"},
      {R"({"access_token": 7, "expires_in": 3599, "token_type": "Bearer"})", "no access_token"},
      {R"({"access_token": "ya29.sec ret", "expires_in": 3599, "token_type": "Bearer"})",
       "characters a header cannot carry"},
      {R"({"access_token": "ya29.secret\r\nX: y", "expires_in": 1, "token_type": "Bearer"})",
       "characters a header cannot carry"},
      {R"({"access_token": "ya29.secret", "expires_in": 3599, "token_type": "MAC"})",
       "\"MAC\", not Bearer"},
      {R"({"access_token": "ya29.secret", "expires_in": 3599})", "not Bearer"},
      {R"({"access_token": "ya29.secret", "token_type": "Bearer"})", "expires_in"},
      {R"({"access_token": "ya29.secret", "expires_in": "3599", "token_type": "Bearer"})",
       "expires_in"},
      {R"({"access_token": "ya29.secret", "expires_in": 0, "token_type": "Bearer"})", "expires_in"},
  };
  for (const Case& c : cases) {
    GceAccessToken t;
    Status s = ParseGceToken(c.json, &t);
    EXPECT_FALSE(s.ok()) << c.json;
    EXPECT_NE(s.message().find(c.error), std::string::npos) << c.json << " -> " << s.message();
    EXPECT_EQ(s.message().find("secret"), std::string::npos) << s.message();
    EXPECT_TRUE(t.access_token.empty());
  }
}

TEST(ClassifyGceDeleteResponse, AnOperationIsDone) {
  CloudResult r = ClassifyGceDeleteResponse(Answer(200, R"({
    "kind": "compute#operation", "id": "4821830284384819201",
    "name": "operation-1700000000000-5f0c2b1e2a3d4-8b6a1c2d-3e4f5a6b",
    "zone": "https://www.googleapis.com/compute/v1/projects/p/zones/us-central1-a",
    "operationType": "delete", "status": "RUNNING", "progress": 0,
    "targetLink": "https://www.googleapis.com/compute/v1/projects/p/zones/us-central1-a/instances/w1"
  })"));
  EXPECT_EQ(r.outcome, Outcome::kDone);
  EXPECT_EQ(r.detail,
            "accepted: operation operation-1700000000000-5f0c2b1e2a3d4-8b6a1c2d-3e4f5a6b RUNNING");
}

TEST(ClassifyGceDeleteResponse, A200WithoutAnOperationIsRetried) {
  EXPECT_EQ(ClassifyGceDeleteResponse(Answer(200, "<html>captive portal</html>")).outcome,
            Outcome::kRetry);
  EXPECT_EQ(ClassifyGceDeleteResponse(Answer(200, R"({"kind": "compute#operation"})")).outcome,
            Outcome::kRetry);
  EXPECT_EQ(ClassifyGceDeleteResponse(
                Answer(200, R"({"name": "op-1", "status": "DONE", "error": {"errors": []}})"))
                .outcome,
            Outcome::kRetry);
}

TEST(ClassifyGceDeleteResponse, ErrorsByStatusAndReason) {
  struct Case {
    long status;
    std::string reason;
    Outcome want;
  } cases[] = {
      {404, "notFound", Outcome::kAlreadyGone},
      {401, "authError", Outcome::kRefused},
      // Found by fuzzing (fuzz/corpus/gce_delete/401_rate_limit_reason.json): retried before.
      {401, "rateLimitExceeded", Outcome::kRefused},
      {400, "userRateLimitExceeded", Outcome::kRefused},
      {403, "forbidden", Outcome::kRefused},
      {403, "insufficientPermissions", Outcome::kRefused},
      {403, "rateLimitExceeded", Outcome::kRetry},
      {403, "userRateLimitExceeded", Outcome::kRetry},
      {400, "invalid", Outcome::kRefused},
      {409, "resourceNotReady", Outcome::kRetry},
      {429, "rateLimitExceeded", Outcome::kRetry},
      {500, "backendError", Outcome::kRetry},
      {503, "backendError", Outcome::kRetry},
      {502, "", Outcome::kRetry},
  };
  for (const Case& c : cases) {
    CloudResult r =
        ClassifyGceDeleteResponse(Answer(c.status, ErrorJson(c.status, c.reason, "words")));
    EXPECT_EQ(r.outcome, c.want) << c.status << " " << c.reason;
    std::string want_detail = "the Compute API answered HTTP " + std::to_string(c.status) +
                              (c.reason.empty() ? "" : ": " + c.reason) + " (words)";
    EXPECT_EQ(r.detail, want_detail);
  }
}

TEST(ClassifyGceDeleteResponse, AnErrorWithoutJsonStillClassifies) {
  CloudResult r = ClassifyGceDeleteResponse(Answer(503, "Service Unavailable"));
  EXPECT_EQ(r.outcome, Outcome::kRetry);
  EXPECT_EQ(r.detail, "the Compute API answered HTTP 503");
  EXPECT_EQ(ClassifyGceDeleteResponse(Answer(403, "")).outcome, Outcome::kRefused);
}

TEST(ClassifyGceDeleteResponse, LongMessagesAreCut) {
  CloudResult r =
      ClassifyGceDeleteResponse(Answer(403, ErrorJson(403, "forbidden", std::string(500, 'x'))));
  EXPECT_LT(r.detail.size(), 300u);
  EXPECT_NE(r.detail.find("..."), std::string::npos);
}

// Found by fuzzing (fuzz/corpus/gce_delete/200_long_operation_name.json): the operation's name
// and status, and the error's reason and status, went whole into the detail.
TEST(ClassifyGceDeleteResponse, EveryQuotedFieldIsCut) {
  std::string long_text(5000, 'y');
  CloudResult done = ClassifyGceDeleteResponse(
      Answer(200, R"({"kind": "compute#operation", "name": ")" + long_text + R"(", "status": ")" +
                      long_text + R"("})"));
  EXPECT_EQ(done.outcome, Outcome::kDone);
  EXPECT_LT(done.detail.size(), 3 * kMaxQuotedText) << done.detail.size();
  CloudResult refused =
      ClassifyGceDeleteResponse(Answer(403, ErrorJson(403, long_text, long_text)));
  EXPECT_EQ(refused.outcome, Outcome::kRefused);
  EXPECT_LT(refused.detail.size(), 3 * kMaxQuotedText) << refused.detail.size();
}

TEST(ClassifyGceDeleteResponse, TransportErrorsAreRetried) {
  HttpResponse timeout;
  timeout.error = "Operation timed out after 1000 milliseconds";
  timeout.timed_out = true;
  CloudResult r = ClassifyGceDeleteResponse(timeout);
  EXPECT_EQ(r.outcome, Outcome::kRetry);
  EXPECT_EQ(r.detail.rfind("the Compute API did not answer in time", 0), 0u);
  HttpResponse refused;
  refused.error = "Failed to connect";
  r = ClassifyGceDeleteResponse(refused);
  EXPECT_EQ(r.outcome, Outcome::kRetry);
  EXPECT_EQ(r.detail, "cannot reach the Compute API: Failed to connect");
}

}  // namespace
}  // namespace osg
