#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace osg {

// AWS Signature Version 4, written from AWS's "Create a signed AWS API request" guide and tested
// with its published test-suite vectors. Pure: no clock, no I/O; the caller supplies the time.

struct AwsCredentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty for long-term keys; else sent as X-Amz-Security-Token
};

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct SigV4Request {
  std::string method;  // "GET", "POST"
  std::string host;    // as in the Host header: name, plus ":port" when the URL has one
  std::string path = "/";
  HeaderList query;    // unencoded name/value pairs; this module encodes them
  HeaderList headers;  // extra headers to sign (e.g. Content-Type); Host and X-Amz-* are added
  std::string payload;
};

struct SigV4Result {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;      // hex
  std::string authorization;  // the Authorization header's value
  // What the caller must send besides its own headers: X-Amz-Date, the session token when there
  // is one, and Authorization. Holds a secret-derived value: never log it.
  HeaderList headers_to_add;
};

// "20150830T123600Z" for that instant, in UTC.
std::string AmzDate(std::chrono::system_clock::time_point when);

// kSecret = secret, then HMAC chains over date (YYYYMMDD), region, service and "aws4_request".
// Returns the raw 32-byte key.
std::string DeriveSigningKey(const std::string& secret, const std::string& date,
                             const std::string& region, const std::string& service);

// OpenSSL's libcrypto, opened at the first signature (shared_library.h).
inline constexpr char kCryptoLibrary[] = "libcrypto.so.3";

// Signs `request` for `region`/`service` at `when`. The signature is empty when OpenSSL's
// libcrypto, opened at the first call, cannot be loaded.
SigV4Result SignV4(const SigV4Request& request, const AwsCredentials& credentials,
                   const std::string& region, const std::string& service,
                   std::chrono::system_clock::time_point when);

// RFC 3986 percent-encoding as SigV4 wants it: unreserved characters (A-Z a-z 0-9 - _ . ~) kept,
// everything else %XX with upper-case hex; '/' kept only when `keep_slash`.
std::string UriEncode(const std::string& text, bool keep_slash);

// The query as SigV4 canonicalises it: encoded pairs sorted by name then value, joined with '&'.
// Also the form that goes on the wire or in an x-www-form-urlencoded body.
std::string CanonicalQuery(const HeaderList& query);

std::string HexEncode(const std::string& bytes);
std::string Sha256Hex(const std::string& data);

}  // namespace osg
