# Runs on the HOST beside one worker instance until its shutdown action has run, then prints
#   delay_vs_status delay_vs_log timer_late stop_sequence busy_seen
# (seconds, "-" where unknown):
#   delay_vs_status  shutdown-at (from osgp-record-shutdown, ns) minus the last shutdown_at that
#                    the agent published in /run/osg-worker/status.json (whole seconds)
#   delay_vs_log     shutdown-at minus (time the last "-> Idle" lifecycle line appeared + IdleTimeout)
#   timer_late       "Idle -> Stopping" line time minus that same log-based deadline
#   stop_sequence    shutdown-at minus the "Idle -> Stopping" line time (START off, confirm,
#                    stop HTCondor, run the action)
# The agent's console (stderr, no timestamps) is read every 20 ms and stamped on arrival.
# usage: shutdown_watch.py INSTANCE_DIR IDLE_TIMEOUT_SECONDS LIMIT_SECONDS
import json, os, sys, time

inst, idle_timeout, limit = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
console = os.path.join(inst, "console.log")
record = os.path.join(inst, "upper/var/lib/osgp/shutdown-at")
with open(os.path.join(inst, "pid")) as f:
    status_file = "/proc/%s/root/run/osg-worker/status.json" % f.read().strip()

offset, pending = 0, b""
t_idle = t_stopping = None
busy = False
shutdown_at = None
lines_out = []
end = time.time() + limit
while time.time() < end:
    now = time.time()
    try:
        with open(console, "rb") as f:
            f.seek(offset)
            data = f.read()
        offset += len(data)
        pending += data
    except OSError:
        pass
    while b"\n" in pending:
        line, pending = pending.split(b"\n", 1)
        text = line.decode(errors="replace")
        if "lifecycle:" in text:
            lines_out.append("%.3f %s" % (now, text))
            if "-> Idle" in text:
                t_idle = now
            if "-> Busy" in text:
                busy = True
            if "Idle -> Stopping" in text:
                t_stopping = now
    try:
        with open(status_file) as f:
            s = json.load(f)
        if s.get("shutdown_at") is not None and s.get("phase") == "Idle":
            shutdown_at = float(s["shutdown_at"])
    except (OSError, ValueError):
        pass
    try:
        with open(record) as f:
            t_shutdown = float(f.read().strip())
        break
    except (OSError, ValueError):
        pass
    time.sleep(0.02)
else:
    print("timeout - - - %d" % busy)
    sys.stderr.write("\n".join(lines_out) + "\n")
    sys.exit(1)


def fmt(x):
    return "-" if x is None else "%.2f" % x


deadline = t_idle + idle_timeout if t_idle else None
print(" ".join(fmt(v) for v in (
    t_shutdown - shutdown_at if shutdown_at else None,
    t_shutdown - deadline if deadline else None,
    t_stopping - deadline if (t_stopping and deadline) else None,
    t_shutdown - t_stopping if t_stopping else None)) + " %d" % busy)
sys.stderr.write("\n".join(lines_out) + "\n")
