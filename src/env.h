#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "lifecycle.h"
#include "status.h"
#include "subprocess.h"

namespace osg {

// The one seam for side effects (LevelDB's Env, ninja's DiskInterface): clocks, sleeping, file
// writes and processes. Production code takes an Env&; Env::Real() is the machine. Unit tests
// pass a fake that moves time by hand and injects faults (a write that fails, a command that
// hangs). Code behind it never calls the clocks, sleep, or RunCommand itself.
class Env {
 public:
  virtual ~Env() = default;
  virtual TimePoint SteadyNow() = 0;
  virtual int64_t WallNow() = 0;  // seconds since the epoch
  virtual double BootNow() = 0;   // CLOCK_BOOTTIME seconds
  virtual void Sleep(std::chrono::milliseconds duration) = 0;
  virtual Status WriteFile(const std::string& path, const std::string& content, mode_t mode) = 0;
  virtual Status RemoveFile(const std::string& path) = 0;
  virtual CommandResult Run(const std::vector<std::string>& argv,
                            std::chrono::milliseconds timeout) = 0;

  static Env& Real();
};

}  // namespace osg
