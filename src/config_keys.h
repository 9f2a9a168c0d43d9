#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace osg {

struct Settings;

// What a required key shows as its default.
inline constexpr const char* kRequired = "(required)";

// One key of /etc/osg-worker.conf. The table of them (ConfigKeys) is the one source of what the
// file may hold: the parser looks every key up in it (and knows the required ones from it),
// `osg-worker check --keys` prints it, and a unit test holds the README's configuration reference
// to it. A new key is one row in config_keys.cc: its name, default, meaning and the function that
// checks its value and stores it in Settings.
struct ConfigKey {
  const char* name;
  // The default as users read it (the README's column): kRequired, the value that the key has
  // when absent ("25m"), or words for a default that no value spells ("the region's"). Words
  // must not be a value the key accepts: a user may copy them.
  const char* default_shown;
  const char* meaning;  // one line
  // Checks `value` and stores it in `settings`. Each problem is one message without key or line;
  // `now` (seconds since the epoch) is for the token's expiry.
  void (*apply)(Settings& settings, const std::string& value, int64_t now,
                std::vector<std::string>& problems);

  bool required() const { return std::string_view(default_shown) == kRequired; }
};

// Every key, in the order of the README's reference.
std::span<const ConfigKey> ConfigKeys();

// The key named `name`, compared without case; nullptr if there is none.
const ConfigKey* FindConfigKey(std::string_view name);

// `osg-worker check --keys`: one line per key with its default and meaning, in columns.
std::string DescribeConfigKeys();

}  // namespace osg
