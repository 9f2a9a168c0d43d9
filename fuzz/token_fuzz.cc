// The Token value is pasted by hand from condor_token_create's output: reading its claims must
// not crash on any bytes, and only a three-part token may yield claims.

#include <cstdint>
#include <string>

#include "fuzz_check.h"
#include "token.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using osg::fuzz::Require;
  std::string_view text = osg::fuzz::Bytes(data, size);
  (void)osg::DecodeBase64Url(text);
  osg::TokenParseResult parsed = osg::ParseTokenClaims(text);
  Require(parsed.claims.has_value() != !parsed.error.empty(), "claims xor an error");
  if (!parsed.claims) return 0;
  size_t dots = 0;
  for (char c : text) dots += c == '.';
  Require(dots == 2, "claims from something that is not header.payload.signature");
  if (parsed.claims->expires_at) (void)osg::FormatUtc(*parsed.claims->expires_at);
  if (parsed.claims->issued_at) (void)osg::FormatUtc(*parsed.claims->issued_at);
  return 0;
}
