#include "sigv4.h"

#include <gtest/gtest.h>

namespace osg {
namespace {

// The values AWS's aws-sig-v4-test-suite uses for every example.
const AwsCredentials kSuiteCredentials{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                                       ""};
constexpr char kRegion[] = "us-east-1";
constexpr char kService[] = "service";
// 20150830T123600Z
const std::chrono::system_clock::time_point kSuiteTime{std::chrono::seconds(1440938160)};
constexpr char kCredentialPrefix[] =
    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, ";

// A request to the suite's host (aggregate designated initializers that skip members warn).
SigV4Request SuiteRequest(const std::string& method, HeaderList query = {}, HeaderList headers = {},
                          std::string payload = "") {
  SigV4Request request;
  request.method = method;
  request.host = "example.amazonaws.com";
  request.query = std::move(query);
  request.headers = std::move(headers);
  request.payload = std::move(payload);
  return request;
}

SigV4Result SignSuite(const SigV4Request& request) {
  return SignV4(request, kSuiteCredentials, kRegion, kService, kSuiteTime);
}

// The independent check of the HMAC chain: the derived-key example from AWS's documentation.
TEST(SigV4, DerivesTheDocumentedSigningKey) {
  EXPECT_EQ(HexEncode(DeriveSigningKey("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20120215",
                                       "us-east-1", "iam")),
            "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d");
}

TEST(SigV4, FormatsAmzDate) { EXPECT_EQ(AmzDate(kSuiteTime), "20150830T123600Z"); }

TEST(SigV4, Sha256OfTheEmptyPayload) {
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

// Test suite: get-vanilla.
TEST(SigV4, GetVanilla) {
  SigV4Result r = SignSuite(SuiteRequest("GET"));
  EXPECT_EQ(r.canonical_request,
            "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
            "host;x-amz-date\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(r.string_to_sign.substr(0, r.string_to_sign.rfind('\n')),
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request");
  EXPECT_EQ(r.authorization,
            std::string(kCredentialPrefix) +
                "SignedHeaders=host;x-amz-date, "
                "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
}

// Test suite: get-vanilla-query-order-key-case (parameters given out of order).
TEST(SigV4, GetVanillaQueryOrderKeyCase) {
  SigV4Result r = SignSuite(SuiteRequest("GET", {{"Param2", "value2"}, {"Param1", "value1"}}));
  EXPECT_NE(r.canonical_request.find("\n/\nParam1=value1&Param2=value2\n"), std::string::npos)
      << r.canonical_request;
  EXPECT_EQ(r.authorization,
            std::string(kCredentialPrefix) +
                "SignedHeaders=host;x-amz-date, "
                "Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500");
}

// Test suite: post-x-www-form-urlencoded.
TEST(SigV4, PostFormUrlencoded) {
  SigV4Result r = SignSuite(SuiteRequest(
      "POST", {}, {{"Content-Type", "application/x-www-form-urlencoded"}}, "Param1=value1"));
  EXPECT_EQ(r.authorization,
            std::string(kCredentialPrefix) +
                "SignedHeaders=content-type;host;x-amz-date, "
                "Signature=ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a");
}

TEST(SigV4, SessionTokenIsSentAndSigned) {
  AwsCredentials with_token = kSuiteCredentials;
  with_token.session_token = "TOKEN";
  SigV4Result r = SignV4(SuiteRequest("GET"), with_token, kRegion, kService, kSuiteTime);
  EXPECT_NE(r.authorization.find("SignedHeaders=host;x-amz-date;x-amz-security-token, "),
            std::string::npos);
  ASSERT_EQ(r.headers_to_add.size(), 3u);
  EXPECT_EQ(r.headers_to_add[0],
            (std::pair<std::string, std::string>{"X-Amz-Date", "20150830T123600Z"}));
  EXPECT_EQ(r.headers_to_add[1].second, "TOKEN");
  EXPECT_EQ(r.headers_to_add[2].first, "Authorization");
  EXPECT_NE(r.signature, SignSuite(SuiteRequest("GET")).signature);
}

TEST(SigV4, CanonicalHeadersAreLowerCasedTrimmedAndSorted) {
  SigV4Result r =
      SignSuite(SuiteRequest("GET", {}, {{"My-Header1", "  a   b  "}, {"my-header1", "c"}}));
  EXPECT_NE(r.canonical_request.find("host:example.amazonaws.com\nmy-header1:a b,c\nx-amz-date:"),
            std::string::npos)
      << r.canonical_request;
}

TEST(SigV4, UriEncodeKeepsOnlyUnreservedCharacters) {
  EXPECT_EQ(UriEncode("aZ09-_.~", false), "aZ09-_.~");
  EXPECT_EQ(UriEncode("a b/c=d+é", false), "a%20b%2Fc%3Dd%2B%C3%A9");
  EXPECT_EQ(UriEncode("/a b/", true), "/a%20b/");
  EXPECT_EQ(CanonicalQuery({{"b", "2"}, {"a", "x y"}, {"a", "1"}}), "a=1&a=x%20y&b=2");
}

}  // namespace
}  // namespace osg
