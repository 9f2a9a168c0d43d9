#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace osg {

std::string Trim(std::string_view text);
std::string ToLower(std::string_view text);
std::vector<std::string> SplitLines(std::string_view text);
bool IsValidUtf8(std::string_view text);
std::string StripTrailingSlash(std::string url);  // "http://x//" -> "http://x"
size_t EditDistance(std::string_view a, std::string_view b);
std::string ErrnoText();  // strerror(errno), thread-safe

// Text a remote server chose (an error message, a state name), as a log line or the ledger quotes
// it: cut to at most kMaxQuotedText bytes, at a character boundary, "..." marking the cut, so
// that no answer can fill them.
constexpr size_t kMaxQuotedText = 200;
std::string Shortened(std::string_view text);

}  // namespace osg
