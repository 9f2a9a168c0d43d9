// Durations (IdleTimeout, AcceptWindow, ...) are read from the config: no overflow on any
// digits, and what FormatDuration prints parses back to the same duration.

#include <cstdint>
#include <string>

#include "duration.h"
#include "fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using osg::fuzz::Require;
  std::optional<osg::Seconds> duration = osg::ParseDuration(osg::fuzz::Bytes(data, size));
  if (!duration || duration->count() <= 0) return 0;
  // The lifecycle adds durations to steady_clock time points (nanoseconds in an int64_t): a
  // duration must leave room for that, or a deadline wraps around.
  constexpr int64_t kRoomSeconds = INT64_MAX / 1000000000 / 2;
  Require(duration->count() <= kRoomSeconds, "a duration too long for steady_clock arithmetic");
  std::optional<osg::Seconds> again = osg::ParseDuration(osg::FormatDuration(*duration));
  Require(again && *again == *duration, "FormatDuration does not parse back");
  return 0;
}
