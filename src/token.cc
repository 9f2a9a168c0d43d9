#include "token.h"

#include <algorithm>
#include <ctime>
#include <nlohmann/json.hpp>

namespace osg {
namespace {

std::optional<nlohmann::json> DecodeJsonPart(std::string_view part) {
  auto bytes = DecodeBase64Url(part);
  if (!bytes) return std::nullopt;
  auto json = nlohmann::json::parse(*bytes, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) return std::nullopt;
  return json;
}

std::string StringClaim(const nlohmann::json& object, const char* name) {
  auto it = object.find(name);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::optional<int64_t> TimeClaim(const nlohmann::json& object, const char* name) {
  auto it = object.find(name);
  if (it == object.end() || !it->is_number()) return std::nullopt;
  // Through double and clamped: "exp": 1e300 is a valid JSON number that no int64_t holds (the
  // cast would be undefined), and is as good as never expiring; -1e300 as long expired.
  return static_cast<int64_t>(std::clamp(it->get<double>(), -1e15, 1e15));
}

}  // namespace

TokenParseResult ParseTokenClaims(std::string_view token) {
  TokenParseResult result;
  size_t first = token.find('.');
  size_t second = first == std::string_view::npos ? first : token.find('.', first + 1);
  if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos) {
    result.error =
        "not an IDTOKEN: a token is three base64url parts joined by dots "
        "(header.payload.signature), "
        "as printed by condor_token_create or condor_token_fetch";
    return result;
  }
  auto header = DecodeJsonPart(token.substr(0, first));
  auto payload = DecodeJsonPart(token.substr(first + 1, second - first - 1));
  if (!header || !payload) {
    result.error = "not an IDTOKEN: its header or payload is not base64url-encoded JSON";
    return result;
  }
  if (second + 1 >= token.size()) {
    result.error = "not an IDTOKEN: the signature part is empty (was the token cut short?)";
    return result;
  }
  TokenClaims claims;
  claims.key_id = StringClaim(*header, "kid");
  claims.issuer = StringClaim(*payload, "iss");
  claims.subject = StringClaim(*payload, "sub");
  claims.expires_at = TimeClaim(*payload, "exp");
  claims.issued_at = TimeClaim(*payload, "iat");
  if (claims.issuer.empty() || claims.subject.empty()) {
    result.error = "not an IDTOKEN: it names no issuer (iss) or subject (sub)";
    return result;
  }
  result.claims = claims;
  return result;
}

std::string FormatUtc(int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[64];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return text;
}

}  // namespace osg
