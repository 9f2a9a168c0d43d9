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

// The text before the first '\n' (all of it when there is none); `rest` keeps what follows.
// Targets that need a secret or a choice besides the document take it from the first line.
inline std::string_view TakeLine(std::string_view* rest) {
  size_t end = rest->find('\n');
  std::string_view line = rest->substr(0, end);
  rest->remove_prefix(end == std::string_view::npos ? rest->size() : end + 1);
  return line;
}

}  // namespace osg::fuzz
