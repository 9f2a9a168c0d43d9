#include "ec2.h"

#include <gtest/gtest.h>

#include <map>

#include "ec2_test_answers.h"
#include "text.h"

namespace osg {
namespace {

using Outcome = CloudResult::Outcome;

// Shapes of EC2's Query API answers (API version 2016-11-15).
constexpr char kTerminated[] = R"(<?xml version="1.0" encoding="UTF-8"?>
<TerminateInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  <requestId>59dbff89-35bd-4eac-99ed-be587EXAMPLE</requestId>
  <instancesSet>
    <item>
      <instanceId>i-1234567890abcdef0</instanceId>
      <currentState><code>32</code><name>shutting-down</name></currentState>
      <previousState><code>16</code><name>running</name></previousState>
    </item>
  </instancesSet>
</TerminateInstancesResponse>)";

using ec2_test::Answer;
using ec2_test::ErrorXml;

TEST(ClassifyTerminateResponse, AcceptedIsDone) {
  CloudResult r = ClassifyTerminateResponse(Answer(200, kTerminated));
  EXPECT_EQ(r.outcome, Outcome::kDone);
  EXPECT_EQ(r.detail, "accepted: running -> shutting-down");
}

TEST(ClassifyTerminateResponse, AlreadyTerminatedIsGone) {
  std::string body = kTerminated;
  body.replace(body.find("<name>running</name>"), 20, "<name>terminated</name>");
  CloudResult r = ClassifyTerminateResponse(Answer(200, body));
  EXPECT_EQ(r.outcome, Outcome::kAlreadyGone);
  EXPECT_EQ(r.detail, "the instance was already terminated");
}

// Found by fuzzing (fuzz/corpus/ec2_response/200_long_state_name.xml): a state name, code or
// message of any length went whole into the detail, and so into the log and the ledger.
TEST(ClassifyTerminateResponse, QuotesAtMostAShortPieceOfTheAnswer) {
  std::string long_text(5000, 'x');
  std::string body = kTerminated;
  body.replace(body.find("running"), 7, long_text);
  CloudResult accepted = ClassifyTerminateResponse(Answer(200, body));
  EXPECT_EQ(accepted.outcome, Outcome::kDone);
  EXPECT_LT(accepted.detail.size(), 2 * kMaxQuotedText) << accepted.detail.size();
  EXPECT_NE(accepted.detail.find("xxx... -> shutting-down"), std::string::npos);

  CloudResult refused = ClassifyTerminateResponse(Answer(403, ErrorXml(long_text, long_text)));
  EXPECT_EQ(refused.outcome, Outcome::kRefused);
  EXPECT_LT(refused.detail.size(), 3 * kMaxQuotedText) << refused.detail.size();
}

TEST(ClassifyTerminateResponse, ErrorsByStatusAndCode) {
  struct Case {
    long status;
    std::string code;
    Outcome want;
  } cases[] = {
      {400, "InvalidInstanceID.NotFound", Outcome::kAlreadyGone},
      {401, "AuthFailure", Outcome::kRefused},
      {403, "UnauthorizedOperation", Outcome::kRefused},
      {403, "AccessDenied", Outcome::kRefused},
      {400, "OperationNotPermitted", Outcome::kRefused},
      {404, "", Outcome::kRefused},  // a wrong endpoint does not fix itself
      {409, "", Outcome::kRetry},
      {429, "", Outcome::kRetry},
      {503, "RequestLimitExceeded", Outcome::kRetry},
      {500, "InternalError", Outcome::kRetry},
      {502, "", Outcome::kRetry},
  };
  for (const Case& c : cases) {
    CloudResult r = ClassifyTerminateResponse(
        Answer(c.status, c.code.empty() ? "<html>oops</html>" : ErrorXml(c.code, "why")));
    EXPECT_EQ(r.outcome, c.want) << c.status << " " << c.code;
    EXPECT_NE(r.detail.find("HTTP " + std::to_string(c.status)), std::string::npos) << r.detail;
    EXPECT_NE(r.detail.find(c.code), std::string::npos) << r.detail;
  }
}

TEST(ClassifyTerminateResponse, TransportErrorsAndTimeoutsRetry) {
  HttpResponse timeout;
  timeout.error = "Operation timed out after 1000 milliseconds with 0 bytes received";
  timeout.timed_out = true;
  CloudResult r = ClassifyTerminateResponse(timeout);
  EXPECT_EQ(r.outcome, Outcome::kRetry);
  EXPECT_EQ(r.detail.rfind("EC2 did not answer in time: ", 0), 0u) << r.detail;

  HttpResponse refused;
  refused.error = "Failed to connect to 127.0.0.1 port 9 after 0 ms: Connection refused";
  EXPECT_EQ(ClassifyTerminateResponse(refused).outcome, Outcome::kRetry);
}

TEST(ClassifyTerminateResponse, LongMessagesAreCut) {
  CloudResult r =
      ClassifyTerminateResponse(Answer(403, ErrorXml("AccessDenied", std::string(5000, 'x'))));
  EXPECT_LT(r.detail.size(), 300u);
}

TEST(XmlElementText, FindsTheFirstElementFromAnOffset) {
  std::string xml = "<a><name> one </name><b><name>two</name></b></a>";
  EXPECT_EQ(XmlElementText(xml, "name"), "one");
  EXPECT_EQ(XmlElementText(xml, "name", xml.find("<b>")), "two");
  EXPECT_EQ(XmlElementText(xml, "missing"), "");
  EXPECT_EQ(XmlElementText(xml, "name", std::string::npos), "");
  EXPECT_EQ(XmlElementText("<name>unclosed", "name"), "");
  EXPECT_EQ(XmlElementText("<Message><![CDATA[a <b>]]></Message>", "Message"), "a <b>");
}

TEST(ParseRoleCredentials, ReadsTheMetadataDocument) {
  AwsCredentials c;
  ASSERT_TRUE(ParseRoleCredentials(R"({"Code":"Success","Type":"AWS-HMAC","AccessKeyId":"ASIAX",
      "SecretAccessKey":"s3cr3t","Token":"tok","Expiration":"2026-11-25T00:00:00Z"})",
                                   "worker-role", &c)
                  .ok());
  EXPECT_EQ(c.access_key_id, "ASIAX");
  EXPECT_EQ(c.secret_access_key, "s3cr3t");
  EXPECT_EQ(c.session_token, "tok");
}

TEST(ParseRoleCredentials, ErrorsNameTheRoleNeverAValue) {
  AwsCredentials c;
  Status s = ParseRoleCredentials(R"({"Code":"AssumeRoleUnauthorizedAccess"})", "worker-role", &c);
  EXPECT_EQ(s.message(),
            "the credentials of role worker-role lack AccessKeyId or SecretAccessKey (Code: "
            "AssumeRoleUnauthorizedAccess)");
  s = ParseRoleCredentials(R"({"AccessKeyId":"ASIAX","SecretAccessKey":"s3cr3t)", "r", &c);
  EXPECT_EQ(s.message(), "the credentials of role r are not a JSON object");
  EXPECT_TRUE(c.secret_access_key.empty());
}

TEST(Ec2Client, TerminateBeforeIdentityAsksToRetry) {
  Ec2Client client(Ec2Endpoints{"http://127.0.0.1:9", "http://127.0.0.1:9"});
  EXPECT_EQ(client.TerminateSelf().outcome, Outcome::kRetry);
}

}  // namespace
}  // namespace osg

namespace osg {
namespace {

// A fake environment for ChooseEc2Credentials.
EnvLookup FakeEnv(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const char* name) -> const char* {
    auto it = vars.find(name);
    return it == vars.end() ? nullptr : it->second.c_str();
  };
}

TEST(ChooseEc2Credentials, ConfigFirstThenEnvironmentThenRole) {
  const std::map<std::string, std::string> env = {{"AWS_ACCESS_KEY_ID", "AKIDENV"},
                                                  {"AWS_SECRET_ACCESS_KEY", "env-secret"},
                                                  {"AWS_SESSION_TOKEN", "env-session"}};
  std::optional<AwsCredentials> chosen;
  std::string source;
  ASSERT_TRUE(
      ChooseEc2Credentials({"AKIDCONF", "conf-secret", ""}, FakeEnv(env), &chosen, &source).ok());
  ASSERT_TRUE(chosen);
  EXPECT_EQ(chosen->access_key_id, "AKIDCONF");
  EXPECT_EQ(chosen->secret_access_key, "conf-secret");
  EXPECT_EQ(chosen->session_token, "");  // the environment's token belongs to its own keys
  EXPECT_EQ(source, "the config file");

  ASSERT_TRUE(ChooseEc2Credentials({}, FakeEnv(env), &chosen, &source).ok());
  ASSERT_TRUE(chosen);
  EXPECT_EQ(chosen->access_key_id, "AKIDENV");
  EXPECT_EQ(chosen->secret_access_key, "env-secret");
  EXPECT_EQ(chosen->session_token, "env-session");
  EXPECT_EQ(source, "the environment");

  ASSERT_TRUE(ChooseEc2Credentials({}, FakeEnv({}), &chosen, &source).ok());
  EXPECT_FALSE(chosen);
  EXPECT_EQ(source, "");
  // Empty variables count as unset, as the AWS tools treat them.
  ASSERT_TRUE(
      ChooseEc2Credentials({}, FakeEnv({{"AWS_ACCESS_KEY_ID", ""}, {"AWS_SECRET_ACCESS_KEY", ""}}),
                           &chosen, &source)
          .ok());
  EXPECT_FALSE(chosen);
}

TEST(ChooseEc2Credentials, HalfAPairInTheEnvironmentIsAnError) {
  std::optional<AwsCredentials> chosen;
  std::string source;
  Status s =
      ChooseEc2Credentials({}, FakeEnv({{"AWS_ACCESS_KEY_ID", "AKIDENV"}}), &chosen, &source);
  EXPECT_EQ(
      s.message(),
      "AWS_ACCESS_KEY_ID is set in the environment without AWS_SECRET_ACCESS_KEY; set both or "
      "neither");
  s = ChooseEc2Credentials({}, FakeEnv({{"AWS_SECRET_ACCESS_KEY", "env-secret"}}), &chosen,
                           &source);
  EXPECT_EQ(
      s.message(),
      "AWS_SECRET_ACCESS_KEY is set in the environment without AWS_ACCESS_KEY_ID; set both or "
      "neither");
  EXPECT_EQ(s.message().find("env-secret"), std::string::npos);
  s = ChooseEc2Credentials({}, FakeEnv({{"AWS_SESSION_TOKEN", "t"}}), &chosen, &source);
  EXPECT_FALSE(s.ok());
  EXPECT_FALSE(chosen);
}

}  // namespace
}  // namespace osg
