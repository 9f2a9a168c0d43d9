// The metadata server's access token document: any bytes give a Bearer token that a header can
// carry, with a positive lifetime, or an error; no error quotes the token.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "fuzz_check.h"
#include "gce.h"
#include "text.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using osg::fuzz::Require;
  const std::string text(osg::fuzz::Bytes(data, size));
  osg::GceAccessToken token;
  token.token_type = "unchanged";
  osg::Status status = osg::ParseGceToken(text, &token);
  if (status.ok()) {
    Require(!token.access_token.empty() && token.expires_in > 0, "an empty or expired token");
    Require(osg::ToLower(token.token_type) == "bearer", "a token that is not Bearer");
    for (unsigned char c : token.access_token) {
      Require(c > 0x20 && c < 0x7f, "a token a header cannot carry");
    }
    return 0;
  }
  Require(token.token_type == "unchanged" && token.access_token.empty(),
          "the token changed despite an error");
  // The token as the document holds it, read here independently of ParseGceToken.
  nlohmann::json doc = nlohmann::json::parse(text, nullptr, false);
  if (!doc.is_object() || !doc.contains("access_token") || !doc["access_token"].is_string()) {
    return 0;
  }
  std::string secret = doc["access_token"].get<std::string>();
  std::string type = doc.contains("token_type") && doc["token_type"].is_string()
                         ? doc["token_type"].get<std::string>()
                         : "";
  // The error quotes token_type on purpose, and a token without a digit might be a word of the
  // fixed wording ("document"): neither is what this checks.
  bool digit = secret.find_first_of("0123456789") != std::string::npos;
  if (secret.size() < 8 || !digit || type.substr(0, 64).find(secret) != std::string::npos) {
    return 0;
  }
  Require(status.message().find(secret) == std::string::npos, "an error quotes the access token");
  return 0;
}
