#include "google_auth.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <climits>
#include <nlohmann/json.hpp>

#include "base64.h"
#include "http.h"
#include "json_fields.h"
#include "redact.h"
#include "shared_library.h"
#include "sigv4.h"
#include "text.h"

namespace osg {
namespace {

// The part of OpenSSL's libcrypto that signs with an RSA key, opened at the first signature (see
// shared_library.h: nothing links libcrypto); the headers give the types.
struct RsaSignApi {
  decltype(&BIO_new_mem_buf) bio_new_mem_buf = nullptr;
  decltype(&BIO_free) bio_free = nullptr;
  decltype(&PEM_read_bio_PrivateKey) pem_read_private_key = nullptr;
  decltype(&EVP_PKEY_get_base_id) pkey_base_id = nullptr;
  decltype(&EVP_PKEY_free) pkey_free = nullptr;
  decltype(&EVP_MD_CTX_new) md_ctx_new = nullptr;
  decltype(&EVP_MD_CTX_free) md_ctx_free = nullptr;
  decltype(&EVP_DigestSignInit) digest_sign_init = nullptr;
  decltype(&EVP_DigestSign) digest_sign = nullptr;
  decltype(&EVP_sha256) sha256 = nullptr;
};

// Null when libcrypto.so.3 cannot be loaded or lacks a symbol.
const RsaSignApi* RsaSign() {
  static const RsaSignApi* api = [] {
    static SharedLibrary library(kCryptoLibrary);
    static RsaSignApi a;
    bool bound = library.Bind("BIO_new_mem_buf", a.bio_new_mem_buf) &&
                 library.Bind("BIO_free", a.bio_free) &&
                 library.Bind("PEM_read_bio_PrivateKey", a.pem_read_private_key) &&
                 library.Bind("EVP_PKEY_get_base_id", a.pkey_base_id) &&
                 library.Bind("EVP_PKEY_free", a.pkey_free) &&
                 library.Bind("EVP_MD_CTX_new", a.md_ctx_new) &&
                 library.Bind("EVP_MD_CTX_free", a.md_ctx_free) &&
                 library.Bind("EVP_DigestSignInit", a.digest_sign_init) &&
                 library.Bind("EVP_DigestSign", a.digest_sign) &&
                 library.Bind("EVP_sha256", a.sha256);
    return bound ? &a : nullptr;
  }();
  return api;
}

// A key file's key is not encrypted. Without this callback OpenSSL would prompt on the terminal
// for a passphrase when handed an encrypted one.
int NoPassphrase(char*, int, int, void*) { return 0; }

// The key in `pem`, or null. Checks that it is an RSA key: RS256 wants one.
EVP_PKEY* ReadRsaKey(const RsaSignApi& api, const std::string& pem, std::string* error) {
  if (pem.size() > INT_MAX) {
    *error = "the private_key is too long";
    return nullptr;
  }
  BIO* bio = api.bio_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  if (bio == nullptr) {
    *error = "out of memory reading the private_key";
    return nullptr;
  }
  EVP_PKEY* pkey = api.pem_read_private_key(bio, nullptr, NoPassphrase, nullptr);
  api.bio_free(bio);
  if (pkey == nullptr) {
    *error = "the private_key is not an unencrypted PEM private key";
    return nullptr;
  }
  if (api.pkey_base_id(pkey) != EVP_PKEY_RSA) {
    api.pkey_free(pkey);
    *error = "the private_key is not an RSA key (RS256 needs one)";
    return nullptr;
  }
  return pkey;
}

}  // namespace

Status ParseServiceAccountKey(const std::string& json, ServiceAccountKey* key) {
  nlohmann::json doc = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) return Status::Error("the key file is not JSON");
  std::string type = JsonString(doc, "type");
  if (type != "service_account") {
    return Status::Error("the key file's type is \"" + Shortened(type.substr(0, 40)) +
                         "\", not service_account (a service account's JSON key is needed)");
  }
  ServiceAccountKey k{JsonString(doc, "project_id"), JsonString(doc, "private_key_id"),
                      JsonString(doc, "private_key"), JsonString(doc, "client_email"),
                      JsonString(doc, "token_uri")};
  for (auto [name, value] :
       {std::pair{"private_key", &k.private_key}, std::pair{"client_email", &k.client_email},
        std::pair{"token_uri", &k.token_uri}}) {
    if (value->empty()) return Status::Error(std::string("the key file has no ") + name);
  }
  if (!IsSafeCredentialUrl(k.token_uri)) {
    return Status::Error("the key file's token_uri is neither https nor a loopback http URL");
  }
  *key = std::move(k);
  return Status::Ok();
}

std::string JwtHeaderJson(const ServiceAccountKey& key) {
  nlohmann::json header = {{"alg", "RS256"}, {"typ", "JWT"}};
  if (!key.private_key_id.empty()) header["kid"] = key.private_key_id;
  return header.dump();
}

std::string JwtClaimsJson(const ServiceAccountKey& key, const std::string& scope, int64_t iat) {
  // Google accepts an assertion for at most an hour.
  nlohmann::json claims = {{"iss", key.client_email},
                           {"scope", scope},
                           {"aud", key.token_uri},
                           {"iat", iat},
                           {"exp", iat + 3600}};
  return claims.dump();
}

Status SignRs256(const std::string& pem_private_key, const std::string& data,
                 std::string* signature) {
  const RsaSignApi* api = RsaSign();
  if (api == nullptr) {
    return Status::Error(std::string("cannot sign: ") + kCryptoLibrary + " does not load");
  }
  std::string error;
  EVP_PKEY* pkey = ReadRsaKey(*api, pem_private_key, &error);
  if (pkey == nullptr) return Status::Error(error);
  EVP_MD_CTX* ctx = api->md_ctx_new();
  size_t length = 0;
  bool signed_ok = false;
  std::string out;
  const auto* bytes = reinterpret_cast<const unsigned char*>(data.data());
  // The default padding of an RSA key is PKCS #1 v1.5, as RS256 wants. The first DigestSign
  // says how long the signature is, the second writes it.
  if (ctx != nullptr && api->digest_sign_init(ctx, nullptr, api->sha256(), nullptr, pkey) == 1 &&
      api->digest_sign(ctx, nullptr, &length, bytes, data.size()) == 1) {
    out.resize(length);
    signed_ok = api->digest_sign(ctx, reinterpret_cast<unsigned char*>(out.data()), &length, bytes,
                                 data.size()) == 1;
    out.resize(length);
  }
  api->md_ctx_free(ctx);
  api->pkey_free(pkey);
  if (!signed_ok) return Status::Error("OpenSSL could not sign with the private_key");
  *signature = std::move(out);
  return Status::Ok();
}

Status MakeJwtAssertion(const ServiceAccountKey& key, const std::string& scope, int64_t iat,
                        std::string* jwt) {
  std::string input =
      EncodeBase64Url(JwtHeaderJson(key)) + "." + EncodeBase64Url(JwtClaimsJson(key, scope, iat));
  std::string signature;
  Status s = SignRs256(key.private_key, input, &signature);
  if (!s.ok()) return s;
  *jwt = input + "." + EncodeBase64Url(signature);
  return Status::Ok();
}

bool IsSafeCredentialUrl(const std::string& url) {
  if (url.starts_with("https://")) return url.size() > 8;
  for (const char* loopback : {"http://127.0.0.1", "http://localhost", "http://[::1]"}) {
    std::string prefix = loopback;
    if (url.starts_with(prefix) &&
        (url.size() == prefix.size() || url[prefix.size()] == ':' || url[prefix.size()] == '/')) {
      return true;
    }
  }
  return false;
}

CloudResult FetchServiceAccountToken(const ServiceAccountKey& key, const std::string& scope,
                                     std::chrono::milliseconds timeout, GceAccessToken* token) {
  using Outcome = CloudResult::Outcome;
  const std::string where = "token endpoint " + Shortened(key.token_uri) + ": ";
  int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  std::string jwt;
  Status s = MakeJwtAssertion(key, scope, now, &jwt);
  if (!s.ok()) return {Outcome::kRefused, "service account key: " + s.message()};

  HttpRequest request;
  request.method = "POST";
  request.url = key.token_uri;
  request.headers = {{"Content-Type", "application/x-www-form-urlencoded"}};
  request.body = "grant_type=" + UriEncode("urn:ietf:params:oauth:grant-type:jwt-bearer", false) +
                 "&assertion=" + jwt;
  request.timeout = timeout;
  HttpResponse r = SendHttp(request);
  if (!r.error.empty()) {
    return {Outcome::kRetry, where + (r.timed_out ? "no answer in time: " : "") + r.error};
  }
  if (r.status == 200) {
    s = ParseGceToken(r.body, token);
    if (s.ok()) return {Outcome::kDone, ""};
    return {Outcome::kRetry, where + RedactSecrets(s.message(), {jwt})};
  }
  // OAuth's error document: {"error": "invalid_grant", "error_description": "..."}.
  nlohmann::json doc = nlohmann::json::parse(r.body, nullptr, /*allow_exceptions=*/false);
  std::string error = doc.is_object() ? Shortened(JsonString(doc, "error")) : "";
  std::string description = doc.is_object() ? Shortened(JsonString(doc, "error_description")) : "";
  std::string detail = where + "HTTP " + std::to_string(r.status) +
                       (error.empty() ? "" : ": " + error) +
                       (description.empty() ? "" : " (" + description + ")");
  detail = RedactSecrets(detail, {jwt, key.private_key});
  bool transient = r.status == 429 || r.status >= 500;
  return {transient ? Outcome::kRetry : Outcome::kRefused, detail};
}

}  // namespace osg
