#pragma once
// Shared by the fuzz targets: an invariant that must hold for every input. A broken one aborts,
// which libFuzzer reports as a crash and keeps the input for reproduction.

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace osg::fuzz {

inline void Require(bool holds, const char* what) {
  if (holds) return;
  std::fprintf(stderr, "fuzz invariant broken: %s\n", what);
  std::abort();
}

inline std::string_view Bytes(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace osg::fuzz
