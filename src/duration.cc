#include "duration.h"

#include <cctype>
#include <charconv>
#include <cstring>
#include <cstdint>

namespace osg {
namespace {

constexpr int64_t kMaxSeconds = 100LL * 365 * 86400;  // a century: more than any setting needs

std::optional<int64_t> UnitSeconds(char unit) {
  switch (unit) {
    case 's':
      return 1;
    case 'm':
      return 60;
    case 'h':
      return 3600;
    case 'd':
      return 86400;
    default:
      return std::nullopt;
  }
}

}  // namespace

std::optional<Seconds> ParseDuration(std::string_view text) {
  if (text.empty()) return std::nullopt;
  int64_t total = 0;
  size_t i = 0;
  while (i < text.size()) {
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) return std::nullopt;
    int64_t number = 0;
    while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
      number = number * 10 + (text[i] - '0');
      if (number > kMaxSeconds) return std::nullopt;  // also guards overflow
      ++i;
    }
    if (i == text.size()) return std::nullopt;  // bare number: no unit
    auto unit = UnitSeconds(static_cast<char>(std::tolower(static_cast<unsigned char>(text[i]))));
    if (!unit) return std::nullopt;
    total += number * *unit;
    // The sum too: "9999999d" passes the number's check, yet steady_clock (nanoseconds in an
    // int64_t, about 292 years) could not add it to a time point without overflowing.
    if (total > kMaxSeconds) return std::nullopt;
    ++i;
  }
  return Seconds(total);
}

std::string FormatDuration(Seconds duration) {
  int64_t s = duration.count();
  std::string sign = s < 0 ? "-" : "";
  if (s < 0) s = -s;
  int64_t d = s / 86400, h = s % 86400 / 3600, m = s % 3600 / 60, sec = s % 60;
  std::string out = sign;
  if (d > 0) out += std::to_string(d) + "d";
  if (d > 0 || h > 0) out += std::to_string(h) + "h";
  if (d > 0 || h > 0 || m > 0) out += std::to_string(m) + "m";
  out += std::to_string(sec) + "s";
  return out;
}

Seconds IntervalOverride(const char* value, Seconds fallback) {
  if (value == nullptr || *value == '\0') return fallback;
  int seconds = 0;
  const char* end = value + std::strlen(value);
  auto [last, error] = std::from_chars(value, end, seconds);
  if (error != std::errc() || last != end || seconds < 1) return fallback;
  return Seconds(seconds);
}

}  // namespace osg
