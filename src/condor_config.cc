#include "condor_config.h"

#include <algorithm>
#include <filesystem>
#include <sstream>

#include "container_image.h"
#include "files.h"

namespace osg {

std::string QuoteConfigString(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') {
      out += "\\\"";
    } else if (c == '$') {
      out += "$(DOLLAR)";  // expanded last, to a plain '$' that is never expanded again
    } else {
      out += c;  // a backslash is literal here, even before an escaped quote
    }
  }
  return out + "\"";
}

int64_t RetireWallTime(const Settings& settings, int64_t instance_start) {
  Seconds until = settings.accept_window;
  if (settings.max_lifetime) until = std::min(until, *settings.max_lifetime);
  return instance_start + until.count();
}

std::string RenderCondorConfig(const Settings& s, const PoolEndpoints& pool, int64_t start_time,
                               const std::vector<std::string>& cvmfs_repos) {
  std::vector<std::string> hosts = AddressHosts(pool.collectors);
  std::string negotiator_hosts;
  for (const std::string& host : hosts) {
    negotiator_hosts += (negotiator_hosts.empty() ? "" : " ") + ("condor@*/" + host) +
                        " condor_pool@*/" + host;
  }
  std::ostringstream out;
  out << "# Written by osg-worker from /etc/osg-worker.conf; osg-worker rewrites it at every "
         "start.\n"
      << "\n# The pool: ads go to every collector; a query is answered by the first that "
         "answers.\n"
      << "CONDOR_HOST = " << JoinAddresses(hosts) << "\n"
      << "COLLECTOR_HOST = " << JoinAddresses(pool.collectors) << "\n"
      << "DAEMON_LIST = MASTER, STARTD\n"
      << "\n# Everything authenticated, signed and encrypted. The daemons authenticate to the "
         "pool\n"
      << "# only with its token (tokens.d, root-only); root's local tools (osg-worker itself) use "
         "FS.\n"
      << "SEC_DEFAULT_AUTHENTICATION = REQUIRED\n"
      << "SEC_DEFAULT_INTEGRITY = REQUIRED\n"
      << "SEC_DEFAULT_ENCRYPTION = REQUIRED\n"
      << "SEC_DEFAULT_AUTHENTICATION_METHODS = FS, IDTOKENS\n"
      << "SEC_CLIENT_AUTHENTICATION_METHODS = IDTOKENS\n"
      << "TOOL.SEC_CLIENT_AUTHENTICATION_METHODS = FS, IDTOKENS\n"
      << "\n# Administration (condor_off, condor_restart, condor_reconfig) only by root on this "
         "machine:\n"
      << "# FS proves a local uid and cannot cross the network (HTCondor maps root to condor), "
         "and\n"
      << "# no admin key goes to the collector, which would let the pool's admins act as "
         "ours.\n"
      << "SEC_ADMINISTRATOR_AUTHENTICATION_METHODS = FS\n"
      << "SEC_ENABLE_REMOTE_ADMINISTRATION = False\n"
      << "ALLOW_ADMINISTRATOR = root@$(UID_DOMAIN) condor@$(UID_DOMAIN)\n"
      << "# The negotiator's level only for HTCondor's identities on the central manager. A claim "
         "comes\n"
      << "# from a schedd anywhere (flocking) with the claim id the negotiator gave it: DAEMON "
         "level,\n"
      << "# a match session, unchanged.\n"
      << "ALLOW_NEGOTIATOR = " << negotiator_hosts << "\n"
      << "\n# A cloud VM behind NAT accepts no inbound connection: the pool reaches it through "
         "CCB,\n# registered with each of these servers.\n"
      << "CCB_ADDRESS = " << JoinAddresses(pool.ccb) << "\n"
      << "\n# One partitionable slot with all CPUs, memory and disk.\n"
      << "NUM_SLOTS = 1\n"
      << "NUM_SLOTS_TYPE_1 = 1\n"
      << "SLOT_TYPE_1 = 100%\n"
      << "SLOT_TYPE_1_PARTITIONABLE = True\n"
      << "\n# No MIPS/KFLOPS benchmarks at start: they burn half a minute of CPU the owner pays "
         "for.\n"
      << "RunBenchmarks = False\n"
      << "\n# A fast join (bench/join_time.sh). The master runs linux_kernel_tuning before any "
         "daemon and\n"
      << "# polls it with sleep(1): 1-2 s of every start. What it raises is for schedds and "
         "collectors\n"
      << "# (pid_max, port range, listen queue, UDP buffers; Debian 13's kernel defaults already "
         "cover\n"
      << "# one startd), plus vm.dirty_bytes = 100 MB when cgroups are on, which a VM image can "
         "set in\n"
      << "# /etc/sysctl.d if its jobs need it.\n"
      << "ENABLE_KERNEL_TUNING = False\n"
      << "# The startd runs `condor_starter -classad` at start (and at every condor_reconfig), "
         "which runs\n"
      << "# every transfer plugin with -classad: the Python ones (box, gdrive, onedrive) cost "
         "0.3-1 s\n"
      << "# each. They need OAuth tokens from a credmon on the access point, which the OSPool "
         "does not\n"
      << "# offer; a job that names such a URL does not match here (HasFileTransferPluginMethods) "
         "rather\n"
      << "# than failing. http(s), ftp, file (curl_plugin) and data: stay.\n"
      << "FILETRANSFER_PLUGINS = $(LIBEXEC)/curl_plugin, $(LIBEXEC)/data_plugin\n"
      << "\n# GPUs: HTCondor's own detection (condor_gpu_discovery at the startd's start; a machine "
         "without\n# GPUs has none). A job asks with request_gpus; HTCondor assigns the devices "
         "(CUDA_VISIBLE_DEVICES,\n# _CONDOR_AssignedGPUs) and gives its container --nv.\n"
      << "use feature : GPUs\n"
      << "# As on OSPool pilots: while one of the slot's GPUs is free, only jobs that ask for a "
         "GPU start,\n# so that CPU-only jobs do not take a GPU machine's cores from GPU jobs "
         "(GpuJobsFirst).\n"
      << "OSG_WORKER_GPU_JOBS_FIRST = "
      << (s.gpu_jobs_first ? "ifThenElse((MY.TotalGPUs ?: 0) > 0 && (MY.GPUs ?: 0) > 0, "
                             "(TARGET.RequestGPUs ?: 0) > 0, True)"
                           : "True")
      << "\n"
      << RenderContainerConfig(EffectiveDefaultImage(s).kind != ImageSource::Kind::kNone,
                               cvmfs_repos)
      << "\n# What the owner finds with condor_status -const 'WorkerGroupName == \"...\"'.\n"
      << "WorkerGroupName = " << QuoteConfigString(s.worker_group_name) << "\n"
      << "GLIDEIN_Site = " << QuoteConfigString(s.glidein_site) << "\n"
      << "GLIDEIN_ResourceName = " << QuoteConfigString(s.glidein_resource_name) << "\n"
      << "GLIDEIN_Country = " << QuoteConfigString(s.glidein_country) << "\n"
      << "STARTD_ATTRS = $(STARTD_ATTRS) WorkerGroupName GLIDEIN_Site GLIDEIN_ResourceName "
         "GLIDEIN_Country\n"
      << (s.launch_name.empty()
              ? ""
              : "# The name osg-worker launch gave this instance: how its controller finds it.\n"
                "OSGWorkerLaunchName = " + QuoteConfigString(s.launch_name) +
                    "\nSTARTD_ATTRS = $(STARTD_ATTRS) OSGWorkerLaunchName\n")
      << "# The running job's project in its slot's ad, for osg-worker's ledger.\n"
      << "STARTD_JOB_ATTRS = $(STARTD_JOB_ATTRS) ProjectName\n"
      << "# Each finished job's ad, for the exit code in osg-worker's ledger.\n"
      << "STARTD_HISTORY = $(LOG)/startd_history\n"
      << "\n# Which jobs run: the owner's Start, before the accept window or the lifetime cap ends "
         "(counted\n# from the instance's first start), and only while osg-worker\n"
      << "# is not stopping the machine (it sets OSG_WORKER_ACCEPTING = False in "
         "90-osg-worker-stopping.conf).\n"
      << "OSG_WORKER_ACCEPTING = True\n"
      << "OSG_WORKER_ACCEPT_UNTIL = " << RetireWallTime(s, start_time) << "\n"
      << "START = $(OSG_WORKER_ACCEPTING) && (time() < $(OSG_WORKER_ACCEPT_UNTIL)) && "
         "$(OSG_WORKER_GPU_JOBS_FIRST) && $(OSG_WORKER_IMAGE_RUNS_HERE) && ("
      << s.start << ")\n"
      << "\n# A job that started runs to its end: the machine is the owner's, nothing preempts "
         "it.\n"
      << "SUSPEND = False\n"
      << "PREEMPT = False\n"
      << "KILL = False\n"
      << "WANT_SUSPEND = False\n"
      << "WANT_VACATE = False\n"
      << "RANK = 0\n";
  return out.str();
}

std::string RenderStateConfig(const AdvertisedState& state, int64_t serial) {
  return "# Written by osg-worker at every lifecycle change.\n"
         "OSGWorkerState = " +
         QuoteConfigString(state.phase) + "\nOSGWorkerShutdownTime = " +
         (state.shutdown_time ? std::to_string(*state.shutdown_time) : "undefined") +
         "\nOSGWorkerRetireTime = " + std::to_string(state.retire_time) +
         "\nOSGWorkerIdleSince = " +
         (state.idle_since ? std::to_string(*state.idle_since) : "undefined") +
         "\nOSGWorkerAdSerial = " + std::to_string(serial) +
         "\nSTARTD_ATTRS = $(STARTD_ATTRS) OSGWorkerState OSGWorkerShutdownTime "
         "OSGWorkerRetireTime OSGWorkerIdleSince OSGWorkerAdSerial\n" +
         (state.containers ? "SINGULARITY = " + std::string(kApptainerPath) + "\n" : "");
}

std::string RenderStoppingConfig() {
  return "# Written by osg-worker while it stops this machine: no new claims.\n"
         "OSG_WORKER_ACCEPTING = False\n";
}

Status InstallCondorConfig(const CondorPaths& paths, const Settings& settings,
                           const PoolEndpoints& pool, int64_t start_time, int64_t ad_serial,
                           const std::vector<std::string>& cvmfs_repos) {
  // A write cut short by a kill leaves its temporary file. Ours are named so that HTCondor skips
  // them, but older versions' were not ("90-osg-worker-stopping.conf.tmp.N" kept START off on
  // every later start); and a stale copy of the token is no file to leave lying around.
  for (const std::string& path :
       {paths.Token(), paths.Config(), paths.State(), paths.Image(), paths.Stopping()}) {
    Status removed = RemoveLeftoverTempFiles(path);
    if (!removed.ok()) return removed;
  }
  // The token first: a config that points at a missing token would make HTCondor fail noisily.
  // tokens.d is root-only as well: HTCondor refuses tokens that others could read.
  Status status = MakePrivateDirectory(std::filesystem::path(paths.Token()).parent_path());
  if (!status.ok()) return status;
  status = WriteFileAtomically(paths.Token(), settings.token + "\n", 0600);
  if (!status.ok()) return status;
  status = WriteFileAtomically(
      paths.Config(), RenderCondorConfig(settings, pool, start_time, cvmfs_repos), 0644);
  if (!status.ok()) return status;
  // The image is prepared anew at every start (from its cache): until then, no job needs it.
  status = WriteFileAtomically(paths.Image(), RenderImageStateConfig(std::nullopt), 0644);
  if (!status.ok()) return status;
  AdvertisedState joining{"Joining", std::nullopt, RetireWallTime(settings, start_time)};
  status = WriteFileAtomically(paths.State(), RenderStateConfig(joining, ad_serial), 0644);
  if (!status.ok()) return status;
  return RemovePath(paths.Stopping());  // a stop interrupted by a crash must not outlive it
}

}  // namespace osg
