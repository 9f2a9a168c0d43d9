#pragma once

#include <string>

namespace osg {

// Why a worker has not joined its pool, read from the end of HTCondor's own logs: "token rejected
// by the pool (...)", "central manager unreachable (...)", or "" when the logs do not say.
std::string DiagnoseJoin(const std::string& start_log_tail, const std::string& master_log_tail);

// The last `bytes` of a file ("" if unreadable), starting at a line boundary.
std::string ReadLogTail(const std::string& path, size_t bytes = 64 * 1024);

}  // namespace osg
