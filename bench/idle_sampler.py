# Runs on the HOST: measures an idle worker instance's agent (osg-worker) and HTCondor daemons
# from /proc over a window. The agent's own CPU is utime+stime; the CPU of the HTCondor tools it
# ran is cutime+cstime (children it reaped). The daemons (condor_master and its children) are
# reported apart, for context. Short-lived children of the agent are caught by sampling
# /proc/AGENT/task/AGENT/children every 20 ms (a tool that lives under 20 ms can be missed).
# usage: idle_sampler.py INSTANCE_DIR SECONDS  (the instance's processes share the mount namespace
# that osg-pool recorded in INSTANCE_DIR/mntns)
import collections, os, sys, time

instance_dir, secs = sys.argv[1], float(sys.argv[2])
with open(os.path.join(instance_dir, "mntns")) as f:
    mount_ns = f.read().strip()
HZ = os.sysconf("SC_CLK_TCK")
DAEMONS = ["condor_master", "condor_startd", "condor_shared_port", "condor_procd"]


def stat(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # after the comm: state ppid ... utime(14) stime(15) cutime(16) cstime(17), 1-based from pid
    return {"ppid": int(fields[1]), "utime": int(fields[11]), "stime": int(fields[12]),
            "cutime": int(fields[13]), "cstime": int(fields[14])}


def status(pid):
    out = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            out[k] = v.split()[0] if v.split() else ""
    return out


def rss_by_mapping(pid):
    """Resident kB per mapped file (or [heap], [stack], anonymous), from /proc/PID/smaps."""
    out, name = {}, "?"
    with open("/proc/%d/smaps" % pid) as f:
        for line in f:
            first = line.split()
            if not first[0].endswith(":"):  # a mapping's header line; its fields follow
                name = os.path.basename(first[5]) if len(first) > 5 else "(anonymous)"
            elif first[0] == "Rss:":
                out[name] = out.get(name, 0) + int(first[1])
    return out


def cmdline(pid):
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            return f.read().split(b"\0")[:-1]
    except OSError:
        return []


def instance_pids():
    pids = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                if os.readlink("/proc/%s/ns/mnt" % d) == mount_ns:
                    pids.append(int(d))
            except OSError:
                pass
    return pids


def find():
    agent, daemons = None, {}
    for pid in instance_pids():
        argv = cmdline(pid)
        if not argv:
            continue
        name = os.path.basename(argv[0].decode(errors="replace"))
        if name == "osg-worker" and b"run" in argv[1:]:
            agent = pid
        elif name in DAEMONS:
            daemons[name] = pid
    return agent, daemons


def snapshot(agent, daemons):
    s = {"t": time.monotonic(), "agent": stat(agent), "agent_status": status(agent), "daemons": {}}
    for name, pid in daemons.items():
        try:
            s["daemons"][name] = (stat(pid), status(pid))
        except OSError:
            pass
    return s


agent, daemons = find()
if not agent:
    sys.exit("idle_sampler: no osg-worker run process under " + root)
a0 = snapshot(agent, daemons)
children, kinds = set(), collections.Counter()
max_rss = int(a0["agent_status"]["VmRSS"])
end, next_rss = time.monotonic() + secs, 0.0
while time.monotonic() < end:
    try:
        with open("/proc/%d/task/%d/children" % (agent, agent)) as f:
            kids = [int(x) for x in f.read().split()]
    except OSError:
        sys.exit("idle_sampler: the agent (pid %d) ended during the window" % agent)
    for k in kids:
        if k in children or k == daemons.get("condor_master"):
            continue
        children.add(k)
        argv = [a.decode(errors="replace") for a in cmdline(k)]
        if not argv:  # already a zombie: only the name is left
            try:
                with open("/proc/%d/comm" % k) as f:
                    argv = [f.read().strip(), "(exited before its arguments were read)"]
            except OSError:
                argv = ["(gone before read)"]
        kind = " ".join(argv[:2])
        kinds[kind] += 1
    if time.monotonic() >= next_rss:
        max_rss = max(max_rss, int(status(agent)["VmRSS"]))
        next_rss = time.monotonic() + 1.0
    time.sleep(0.02)
a1 = snapshot(agent, daemons)
window = a1["t"] - a0["t"]


def cpu(s, keys):
    return sum(s[k] for k in keys) / HZ


own = cpu(a1["agent"], ["utime", "stime"]) - cpu(a0["agent"], ["utime", "stime"])
kids = cpu(a1["agent"], ["cutime", "cstime"]) - cpu(a0["agent"], ["cutime", "cstime"])
st0, st1 = a0["agent_status"], a1["agent_status"]
print()
print("idle window: %.0f s (agent host pid %d)" % (window, agent))
print("%-44s %12s %10s" % ("agent (osg-worker run)", "value", "target"))
print("%-44s %9.0f kB %10s" % ("VmRSS at end", int(st1["VmRSS"]), "< 8 MB"))
print("%-44s %9.0f kB %10s" % ("  of which anonymous (RssAnon)", int(st1["RssAnon"]), ""))
print("%-44s %9.0f kB %10s" % ("  of which file pages (RssFile)", int(st1["RssFile"]), ""))
top = sorted(rss_by_mapping(agent).items(), key=lambda item: -item[1])[:8]
print("  largest resident mappings: " + ", ".join("%s %d kB" % item for item in top))
print("%-44s %9.0f kB %10s" % ("VmRSS max (sampled 1/s)", max_rss, ""))
print("%-44s %9.0f kB %10s" % ("VmHWM (peak since start, incl. startup)", int(st1["VmHWM"]), ""))
print("%-44s %10.2f s %10s" % ("CPU agent itself (utime+stime)", own, ""))
print("%-44s %10.2f s %10s" % ("CPU HTCondor tools it ran (cutime+cstime)", kids, ""))
print("%-44s %10.2f s %10s" % ("CPU total (agent + its tools)", own + kids, "< 0.5 s/10m"))
print("%-44s %12.2f %10s" % ("  scaled to 600 s", (own + kids) * 600 / window, ""))
print("%-44s %12d %10s" % ("wake-ups (voluntary ctx switches)",
      int(st1["voluntary_ctxt_switches"]) - int(st0["voluntary_ctxt_switches"]), ""))
print("%-44s %12d %10s" % ("commands run (children seen)", len(children), ""))
for kind, n in kinds.most_common():
    print("    %4d x %s" % (n, kind))
print()
print("HTCondor daemons over the same window (context; not the agent's cost):")
print("%-20s %10s %14s %10s" % ("daemon", "CPU s", "reaped kids s", "VmRSS kB"))
for name in DAEMONS:
    if name in a0["daemons"] and name in a1["daemons"]:
        (s0, _), (s1, x1) = a0["daemons"][name], a1["daemons"][name]
        print("%-20s %10.2f %14.2f %10s" % (name, cpu(s1, ["utime", "stime"]) - cpu(s0, ["utime", "stime"]),
              cpu(s1, ["cutime", "cstime"]) - cpu(s0, ["cutime", "cstime"]), x1.get("VmRSS", "?")))
    else:
        print("%-20s %10s" % (name, "not running"))
