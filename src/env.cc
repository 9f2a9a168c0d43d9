#include "env.h"

#include <ctime>
#include <thread>

#include "files.h"
#include "ledger.h"

namespace osg {
namespace {

class RealEnv : public Env {
 public:
  TimePoint SteadyNow() override { return Clock::now(); }
  int64_t WallNow() override { return std::time(nullptr); }
  double BootNow() override { return BootTimeNow(); }
  void Sleep(std::chrono::milliseconds duration) override {
    std::this_thread::sleep_for(duration);
  }
  Status WriteFile(const std::string& path, const std::string& content, mode_t mode) override {
    return WriteFileAtomically(path, content, mode);
  }
  Status RemoveFile(const std::string& path) override { return RemovePath(path); }
  CommandResult Run(const std::vector<std::string>& argv,
                    std::chrono::milliseconds timeout) override {
    return RunCommand(argv, timeout);
  }
};

}  // namespace

Env& Env::Real() {
  static RealEnv env;
  return env;
}

}  // namespace osg
