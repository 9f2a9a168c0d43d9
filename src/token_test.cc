#include "token.h"

#include <gtest/gtest.h>

#include "test_token.h"

namespace osg {
namespace {

TEST(Base64Url, DecodesWithoutPadding) {
  EXPECT_EQ(DecodeBase64Url("aGVsbG8"), "hello");
  EXPECT_EQ(DecodeBase64Url("-_8"), std::string("\xfb\xff"));
  EXPECT_EQ(DecodeBase64Url("aGVsbG8="), std::nullopt);  // padding is not base64url
  EXPECT_EQ(DecodeBase64Url("a"), std::nullopt);
  EXPECT_EQ(testing::EncodeBase64Url("hello"), "aGVsbG8");
}

TEST(ParseTokenClaims, ReadsHTCondorClaims) {
  TokenParseResult result = ParseTokenClaims(testing::MakeToken(1900000000));
  ASSERT_TRUE(result.claims) << result.error;
  EXPECT_EQ(result.claims->issuer, "osgpool.test");
  EXPECT_EQ(result.claims->subject, "worker@osgpool.test");
  EXPECT_EQ(result.claims->key_id, "POOL");
  EXPECT_EQ(result.claims->expires_at, 1900000000);
  EXPECT_EQ(result.claims->issued_at, 1700000000);
}

TEST(ParseTokenClaims, RejectsWhatIsNotAJwt) {
  for (const char* bad : {"aaabbb...", "abc", "a.b", "a.b.c.d", "e30.e30.", "!!.e30.abc"}) {
    TokenParseResult result = ParseTokenClaims(bad);
    EXPECT_FALSE(result.claims) << bad;
    EXPECT_NE(result.error.find("not an IDTOKEN"), std::string::npos) << result.error;
    EXPECT_EQ(result.error.find(bad), std::string::npos) << "the error must not quote the token";
  }
}

TEST(ParseTokenClaims, TimesBeyondInt64AreClamped) {
  auto exp = [](const std::string& value) {
    std::string token = testing::EncodeBase64Url(R"({"alg":"HS256"})") + "." +
                        testing::EncodeBase64Url(R"({"iss":"i","sub":"s","exp":)" + value + "}") +
                        ".c2ln";
    return ParseTokenClaims(token).claims->expires_at;
  };
  EXPECT_EQ(exp("1e300"), 1000000000000000);
  EXPECT_EQ(exp("-1e300"), -1000000000000000);
  EXPECT_EQ(exp("1.9e9"), 1900000000);
}

TEST(FormatUtc, FormatsEpochSeconds) { EXPECT_EQ(FormatUtc(0), "1970-01-01 00:00:00 UTC"); }

}  // namespace
}  // namespace osg
