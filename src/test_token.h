#pragma once
// Test helper: builds unsigned-looking JWTs with chosen claims. Only for tests: the signature is a
// placeholder, which is all our parser may rely on (the pool checks signatures, we cannot).

#include <cstdint>
#include <string>

namespace osg::testing {

inline std::string EncodeBase64Url(const std::string& bytes) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  for (unsigned char c : bytes) {
    buffer = (buffer << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(kAlphabet[(buffer >> bits) & 0x3F]);
    }
  }
  if (bits > 0) out.push_back(kAlphabet[(buffer << (6 - bits)) & 0x3F]);
  return out;
}

inline std::string MakeToken(int64_t expires_at, const std::string& issuer = "osgpool.test",
                             const std::string& subject = "worker@osgpool.test") {
  std::string header = R"({"alg":"HS256","kid":"POOL"})";
  std::string payload = R"({"iat":1700000000,"iss":")" + issuer + R"(","sub":")" + subject +
                        R"(","exp":)" + std::to_string(expires_at) + "}";
  return EncodeBase64Url(header) + "." + EncodeBase64Url(payload) + "." +
         EncodeBase64Url("signature-bytes-for-tests");
}

}  // namespace osg::testing
