#include "join_diagnosis.h"

#include <fstream>
#include <regex>
#include <vector>

#include "text.h"

namespace osg {
namespace {

struct Pattern {
  std::regex regex;
  const char* meaning;
};

// HTCondor's own words for the two failures an owner meets most. The newest matching line
// wins, and its text (which names no secret) is quoted so that the owner sees HTCondor's reason.
const std::vector<Pattern>& Patterns() {
  static const std::vector<Pattern> patterns = {
      {std::regex(
           R"(AUTHENTICATE:1004:.*IDTOKENS|DENIED.*IDTOKENS|Token .*(rejected|invalid|expired)|IDTOKENS.*(failed|signature))",
           std::regex::icase),
       "token rejected by the pool"},
      {std::regex(R"(PERMISSION DENIED|not authorized|DENIED authorization)", std::regex::icase),
       "the pool refused this worker's identity"},
      {std::regex(
           R"(Failed to connect to|Connection refused|No route to host|timed out|failed to connect to CCB|Can't connect to|Connection reset by peer)",
           std::regex::icase),
       "central manager unreachable"},
  };
  return patterns;
}

// "11/24/26 18:52:10 message" -> "message".
std::string WithoutTimestamp(const std::string& line) {
  static const std::regex stamp(R"(^\d\d/\d\d/\d\d \d\d:\d\d:\d\d(\.\d+)? +)");
  return std::regex_replace(line, stamp, "");
}

}  // namespace

std::string DiagnoseJoin(const std::string& start_log_tail, const std::string& master_log_tail) {
  for (const std::string* log : {&start_log_tail, &master_log_tail}) {
    std::vector<std::string> lines = SplitLines(*log);
    for (auto it = lines.rbegin(); it != lines.rend(); ++it) {
      for (const Pattern& pattern : Patterns()) {
        if (std::regex_search(*it, pattern.regex)) {
          return std::string(pattern.meaning) + ": " + Trim(WithoutTimestamp(*it));
        }
      }
    }
  }
  return "";
}

std::string ReadLogTail(const std::string& path, size_t bytes) {
  std::ifstream file(path, std::ios::binary | std::ios::ate);
  if (!file) return "";
  std::streamoff size = file.tellg();
  std::streamoff start =
      size > static_cast<std::streamoff>(bytes) ? size - static_cast<std::streamoff>(bytes) : 0;
  file.seekg(start);
  std::string text(static_cast<size_t>(size - start), '\0');
  file.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (start > 0) {
    size_t newline = text.find('\n');
    text = newline == std::string::npos ? "" : text.substr(newline + 1);
  }
  return text;
}

}  // namespace osg
