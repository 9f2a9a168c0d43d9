#pragma once

#include <cstdint>
#include <optional>
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

// Whether `text` is a name a server gave that may go into a URL's host or path as it is: 1 to
// `max_length` ASCII letters and digits, plus the characters in `also`. A '/', '?', '@' or '%'
// would aim the request elsewhere.
bool IsUrlSafeName(std::string_view text, size_t max_length, std::string_view also = "-");

// Text a remote server chose (an error message, a state name), as a log line or the ledger quotes
// it: cut to at most kMaxQuotedText bytes, at a character boundary, "..." marking the cut, so
// that no answer can fill them.
constexpr size_t kMaxQuotedText = 200;
std::string Shortened(std::string_view text);

// `text` with each line break (\n, \r) a space: details are one line each (the ledger and logs
// quote them), and servers' messages may not be.
std::string OneLine(std::string text);

// Seconds since the epoch for an RFC 3339 time as clouds write them ("2026-12-03T10:00:00Z",
// "2026-12-03T10:00:00.123-08:00", "2026-12-03T10:00:00.000Z"); nullopt for anything else.
std::optional<int64_t> ParseRfc3339(std::string_view text);

}  // namespace osg
