#pragma once

// The owner's Google credentials (issue 12): a service account's JSON key, turned into an OAuth
// 2.0 access token by the JWT bearer grant (RFC 7523; Google's "Using OAuth 2.0 for server to
// server applications"). The private key, the signed JWT and the access token are secrets: no
// error here quotes them, and callers keep them out of logs and details.

#include <chrono>
#include <cstdint>
#include <string>

#include "cloud_result.h"
#include "gce.h"
#include "status.h"

namespace osg {

// The fields of a service account key file (type "service_account") that the grant needs.
struct ServiceAccountKey {
  std::string project_id;      // optional: the default project
  std::string private_key_id;  // the JWT header's kid
  std::string private_key;     // PEM (PKCS#8): a secret
  std::string client_email;    // the JWT's iss
  std::string token_uri;       // the JWT's aud, and where the grant is POSTed
};

// Parses a key file's text. Errors name the missing field, never a value.
Status ParseServiceAccountKey(const std::string& json, ServiceAccountKey* key);

inline constexpr char kComputeScope[] = "https://www.googleapis.com/auth/compute";

// The JWT's header and claims, as JSON (for tests: they carry no secret).
std::string JwtHeaderJson(const ServiceAccountKey& key);
std::string JwtClaimsJson(const ServiceAccountKey& key, const std::string& scope, int64_t iat);

// RS256 (RSASSA-PKCS1-v1_5 with SHA-256) of `data` under the PEM private key, with OpenSSL's
// libcrypto opened at the first call (shared_library.h). Errors never quote the key.
Status SignRs256(const std::string& pem_private_key, const std::string& data,
                 std::string* signature);

// base64url(header) "." base64url(claims) "." base64url(RS256 signature): the grant's assertion.
Status MakeJwtAssertion(const ServiceAccountKey& key, const std::string& scope, int64_t iat,
                        std::string* jwt);

// Whether a secret may be sent to `url`: https, or plain http to a loopback address (tests).
bool IsSafeCredentialUrl(const std::string& url);

// POSTs the grant to key.token_uri and parses the token. 400/401 (invalid_grant, a revoked or
// deleted key) -> kRefused; 429, 5xx and transport errors -> kRetry. The detail never holds the
// JWT or the token.
CloudResult FetchServiceAccountToken(const ServiceAccountKey& key, const std::string& scope,
                                     std::chrono::milliseconds timeout, GceAccessToken* token);

}  // namespace osg
