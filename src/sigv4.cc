#include "sigv4.h"

#include <openssl/evp.h>

#include <algorithm>
#include <ctime>
#include <map>

#include "shared_library.h"
#include "text.h"

namespace osg {
namespace {

constexpr char kAlgorithm[] = "AWS4-HMAC-SHA256";

// OpenSSL's libcrypto, opened at the first signature (see shared_library.h); evp.h gives the types.
struct CryptoApi {
  decltype(&EVP_Q_mac) q_mac = nullptr;
  decltype(&EVP_Digest) digest = nullptr;
  decltype(&EVP_sha256) sha256 = nullptr;
};

// Null when libcrypto.so.3 cannot be loaded; every hash is then "" and so is the signature.
const CryptoApi* Crypto() {
  static const CryptoApi* api = [] {
    static SharedLibrary library(kCryptoLibrary);
    static CryptoApi a;
    bool bound = library.Bind("EVP_Q_mac", a.q_mac) && library.Bind("EVP_Digest", a.digest) &&
                 library.Bind("EVP_sha256", a.sha256);
    return bound ? &a : nullptr;
  }();
  return api;
}

std::string HmacSha256(const std::string& key, const std::string& data) {
  const CryptoApi* crypto = Crypto();
  if (crypto == nullptr) return "";
  unsigned char out[EVP_MAX_MD_SIZE];
  size_t out_len = 0;
  if (crypto->q_mac(nullptr, "HMAC", nullptr, "SHA256", nullptr, key.data(), key.size(),
                    reinterpret_cast<const unsigned char*>(data.data()), data.size(), out,
                    sizeof(out), &out_len) == nullptr) {
    return "";  // only on an OpenSSL failure (no memory); the signature is then "" too
  }
  return std::string(reinterpret_cast<char*>(out), out_len);
}

// Header values are trimmed and inner runs of blanks collapse to one space.
std::string CanonicalHeaderValue(const std::string& value) {
  std::string trimmed = Trim(value), out;
  for (char c : trimmed) {
    if (c == ' ' || c == '\t') {
      if (!out.empty() && out.back() == ' ') continue;
      c = ' ';
    }
    out += c;
  }
  return out;
}

}  // namespace

std::string HexEncode(const std::string& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 0xf];
  }
  return out;
}

std::string Sha256Hex(const std::string& data) {
  const CryptoApi* crypto = Crypto();
  if (crypto == nullptr) return "";
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  if (crypto->digest(data.data(), data.size(), md, &md_len, crypto->sha256(), nullptr) != 1) {
    return "";
  }
  return HexEncode(std::string(reinterpret_cast<char*>(md), md_len));
}

std::string UriEncode(const std::string& text, bool keep_slash) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '_' || c == '.' || c == '~';
    if (unreserved || (keep_slash && c == '/')) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kDigits[c >> 4];
      out += kDigits[c & 0xf];
    }
  }
  return out;
}

std::string CanonicalQuery(const HeaderList& query) {
  std::vector<std::pair<std::string, std::string>> encoded;
  for (const auto& [name, value] : query) {
    encoded.emplace_back(UriEncode(name, false), UriEncode(value, false));
  }
  std::sort(encoded.begin(), encoded.end());
  std::string out;
  for (const auto& [name, value] : encoded) {
    if (!out.empty()) out += '&';
    out += name + "=" + value;
  }
  return out;
}

std::string AmzDate(std::chrono::system_clock::time_point when) {
  std::time_t t = std::chrono::system_clock::to_time_t(when);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

std::string DeriveSigningKey(const std::string& secret, const std::string& date,
                             const std::string& region, const std::string& service) {
  std::string k_date = HmacSha256("AWS4" + secret, date);
  std::string k_region = HmacSha256(k_date, region);
  std::string k_service = HmacSha256(k_region, service);
  return HmacSha256(k_service, "aws4_request");
}

SigV4Result SignV4(const SigV4Request& request, const AwsCredentials& credentials,
                   const std::string& region, const std::string& service,
                   std::chrono::system_clock::time_point when) {
  SigV4Result result;
  std::string amz_date = AmzDate(when);
  std::string date = amz_date.substr(0, 8);
  result.headers_to_add.emplace_back("X-Amz-Date", amz_date);
  if (!credentials.session_token.empty()) {
    result.headers_to_add.emplace_back("X-Amz-Security-Token", credentials.session_token);
  }

  // Lower-cased names, sorted (std::map); a repeated header's values are joined with commas.
  std::map<std::string, std::string> headers;
  auto add = [&headers](const std::string& name, const std::string& value) {
    std::string& slot = headers[ToLower(Trim(name))];
    slot += (slot.empty() ? "" : ",") + CanonicalHeaderValue(value);
  };
  add("host", request.host);
  for (const auto& [name, value] : request.headers) add(name, value);
  for (const auto& [name, value] : result.headers_to_add) add(name, value);

  std::string canonical_headers, signed_headers;
  for (const auto& [name, value] : headers) {
    canonical_headers += name + ":" + value + "\n";
    signed_headers += (signed_headers.empty() ? "" : ";") + name;
  }
  result.canonical_request = request.method + "\n" + UriEncode(request.path, true) + "\n" +
                             CanonicalQuery(request.query) + "\n" + canonical_headers + "\n" +
                             signed_headers + "\n" + Sha256Hex(request.payload);

  std::string scope = date + "/" + region + "/" + service + "/aws4_request";
  result.string_to_sign = std::string(kAlgorithm) + "\n" + amz_date + "\n" + scope + "\n" +
                          Sha256Hex(result.canonical_request);
  std::string key = DeriveSigningKey(credentials.secret_access_key, date, region, service);
  result.signature = HexEncode(HmacSha256(key, result.string_to_sign));
  result.authorization = std::string(kAlgorithm) + " Credential=" + credentials.access_key_id +
                         "/" + scope + ", SignedHeaders=" + signed_headers +
                         ", Signature=" + result.signature;
  result.headers_to_add.emplace_back("Authorization", result.authorization);
  return result;
}

}  // namespace osg
