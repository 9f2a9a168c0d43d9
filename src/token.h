#pragma once

#include "base64.h"  // DecodeBase64Url, which reads tokens

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace osg {

// What may be shown about an IDTOKEN: its claims, never the token itself. Only the pool that
// signed it can check its signature, so we read the claims to catch the mistakes we can see here.
struct TokenClaims {
  std::string issuer;                 // iss: the pool's trust domain
  std::string subject;                // sub: the identity the worker authenticates as
  std::string key_id;                 // kid: which signing key of the pool signed it
  std::optional<int64_t> expires_at;  // exp, seconds since the epoch
  std::optional<int64_t> issued_at;   // iat
  bool operator==(const TokenClaims&) const = default;
};

struct TokenParseResult {
  std::optional<TokenClaims> claims;
  std::string error;  // set when claims is empty; never quotes the token
};

// Reads the header and payload of a JWT ("header.payload.signature", base64url).
TokenParseResult ParseTokenClaims(std::string_view token);

// "2026-11-24 18:00:00 UTC"
std::string FormatUtc(int64_t unix_seconds);

}  // namespace osg
