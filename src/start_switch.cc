#include "start_switch.h"

#include "condor_config.h"

namespace osg {

StartOffResult TurnStartOff(Env& env, CondorTools& tools, const std::string& stopping_file,
                            Seconds confirm_timeout) {
  Status status = env.WriteFile(stopping_file, RenderStoppingConfig(), 0644);
  if (status.ok()) status = tools.Reconfig();
  if (!status.ok()) return {status, std::nullopt};
  TimePoint deadline = env.SteadyNow() + confirm_timeout;
  std::optional<bool> accepting;
  while ((accepting = tools.StartdAccepting()) != false && env.SteadyNow() < deadline) {
    env.Sleep(std::chrono::milliseconds(100));
  }
  if (accepting != false) {
    return {Status::Error("the startd still accepts claims " +
                          FormatDuration(confirm_timeout) + " after condor_reconfig"),
            std::nullopt};
  }
  std::optional<Observation> holds = tools.QueryStartd();
  if (!holds) return {Status::Error("the startd did not answer"), std::nullopt};
  return {Status::Ok(), holds};
}

Status TurnStartOn(Env& env, CondorTools& tools, const std::string& stopping_file) {
  Status status = env.RemoveFile(stopping_file);
  if (status.ok()) status = tools.Reconfig();
  return status;
}

}  // namespace osg
