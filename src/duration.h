#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace osg {

using Seconds = std::chrono::seconds;

// Parses "90s", "25m", "2h", "7d" and sums like "1h30m". A bare number is refused: "25" could mean
// seconds or minutes, and guessing wrong costs money. Returns nullopt on anything else, and on a
// total over 100 years.
std::optional<Seconds> ParseDuration(std::string_view text);

// "25m0s", "2h0m0s", "45s", "7d0h0m0s": stable, for log lines and status output.
std::string FormatDuration(Seconds duration);

// An interval that an end-to-end test shortens through an environment variable: `value` (its
// text, or null when unset) as a whole number of seconds, at least 1; otherwise `fallback`.
Seconds IntervalOverride(const char* value, Seconds fallback);

}  // namespace osg
