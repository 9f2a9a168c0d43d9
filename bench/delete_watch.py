# Runs on the HOST beside one worker instance until its delete has completed, then prints
#   delete_delay timer_late
# (seconds): delete_delay = the time the agent's "shutdown action delete: ok" line appeared
# (EC2 accepted TerminateInstances) minus the idle deadline, taken as the time the last "-> Idle"
# lifecycle line appeared + IDLE_TIMEOUT; timer_late = the "Idle -> Stopping" line minus that
# deadline. The console has no timestamps: it is read every 20 ms and lines are stamped on arrival.
# usage: delete_watch.py INSTANCE_DIR IDLE_TIMEOUT_SECONDS LIMIT_SECONDS
import os, sys, time

inst, idle_timeout, limit = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
console = os.path.join(inst, "console.log")
offset, pending = 0, b""
t_idle = t_stopping = t_deleted = None
end = time.time() + limit
while time.time() < end and t_deleted is None:
    now = time.time()
    try:
        with open(console, "rb") as f:
            f.seek(offset)
            chunk = f.read()
    except OSError:
        chunk = b""
    offset += len(chunk)
    pending += chunk
    *lines, pending = pending.split(b"\n")
    for raw in lines:
        line = raw.decode(errors="replace")
        print(f"{now:.3f} {line}", file=sys.stderr)
        if "-> Idle (" in line:
            t_idle = now
        elif "Idle -> Stopping" in line:
            t_stopping = now
        elif "shutdown action delete: ok" in line:
            t_deleted = now
    time.sleep(0.02)
if t_idle is None or t_deleted is None:
    print("- -")
else:
    deadline = t_idle + idle_timeout
    late = "-" if t_stopping is None else f"{t_stopping - deadline:.2f}"
    print(f"{t_deleted - deadline:.2f} {late}")
