#include <unistd.h>

#include <ctime>
#include <iostream>
#include <thread>

#include "boot_deadline.h"
#include "commands.h"
#include "config.h"
#include "files.h"
#include "ledger.h"
#include "subprocess.h"
#include "status_file.h"

namespace osg {

int CommandBootDeadline(const std::string& config_path, std::optional<Seconds> timeout) {
  std::optional<double> boot = InitStartedAt();
  if (!boot) std::cerr << "osg-worker: cannot read PID 1's start; counting from the boot\n";
  // Only the settings are used, never printed: the agent's own run reports the config's errors.
  auto load = [&config_path] { return LoadConfig(config_path, std::time(nullptr)); };
  PowerOffSeams machine = RealPowerOffSeams();
  BootDeadlineSeams seams{
      .boot_time_now = BootTimeNow,
      .sleep = [](Seconds s) { std::this_thread::sleep_for(s); },
      .timeout =
          [&] {
            if (timeout) return *timeout;
            LoadedConfig loaded = load();
            if (loaded.ok()) return loaded.settings.boot_timeout;
            // No valid config (yet): the image's drop-ins may still set BootTimeout.
            LoadedConfig defaults = LoadDropIns(config_path, std::time(nullptr));
            return defaults.ok() ? defaults.settings.boot_timeout : kDefaultBootTimeout;
          },
      .config_problem =
          [&] {
            return DescribeConfigProblem(config_path, access(config_path.c_str(), F_OK) == 0,
                                         load());
          },
      .check = [] { return CheckWorkerUp(ReadFile(kStateFile), ProcessAlive); },
      .power_off = [&machine](int level) { return EscalatePowerOff(level, machine); },
      .log = [](const std::string& line) { std::cerr << "osg-worker: " << line << std::endl; }};
  return RunBootDeadline(boot.value_or(0), seams);
}

}  // namespace osg
