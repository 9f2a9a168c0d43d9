#include "redact.h"

namespace osg {
namespace {

constexpr std::string_view kMarker = "[redacted]";
constexpr std::string_view kWithheld = "(detail withheld: it would quote a secret)";

bool HoldsAny(std::string_view text, std::initializer_list<std::string_view> secrets) {
  for (std::string_view secret : secrets) {
    if (!secret.empty() && text.find(secret) != std::string_view::npos) return true;
  }
  return false;
}

}  // namespace

std::string RedactSecrets(std::string text, std::initializer_list<std::string_view> secrets) {
  for (std::string_view secret : secrets) {
    if (secret.empty()) continue;
    for (size_t at = 0; (at = text.find(secret, at)) != std::string::npos; at += kMarker.size()) {
      text.replace(at, secret.size(), kMarker);
    }
  }
  if (!HoldsAny(text, secrets)) return text;
  // The marker or the text around it spells a secret: nothing of the detail is safe to show.
  return HoldsAny(kWithheld, secrets) ? std::string() : std::string(kWithheld);
}

}  // namespace osg
