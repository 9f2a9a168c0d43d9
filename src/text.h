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

}  // namespace osg
