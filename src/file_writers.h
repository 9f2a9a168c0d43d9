#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace osg {

// The processes that hold `path` open for writing (O_WRONLY or O_RDWR), read from `proc`'s
// per-process fd links and fdinfo flags. A descriptor of a process that ends or closes it while
// we read is simply not counted; processes we may not inspect are not seen. An empty list when
// `path` does not exist.
std::vector<pid_t> ProcessesWriting(const std::string& path, const std::string& proc = "/proc");

// Waits until no process holds `path` open for writing, polling every `poll`, for at most
// `limit`. True when none does; false when one still did at the limit.
bool WaitUntilNoWriter(const std::string& path, std::chrono::milliseconds limit,
                       std::chrono::milliseconds poll = std::chrono::milliseconds(200));

}  // namespace osg
