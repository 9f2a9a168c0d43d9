# Runs INSIDE a worker instance (python3 of the image): watches HTCondor's log directory with the
# same inotify mask as osg-worker's event loop and, when interrupted (SIGINT), prints how many
# events each file got, and when. Shows which file wakes the agent while the worker is idle.
# usage: python3 - [DIR] < inotify_count.py
import ctypes, os, select, struct, sys, time

IN_MODIFY, IN_CLOSE_WRITE, IN_MOVED_TO, IN_CREATE = 0x2, 0x8, 0x80, 0x100
NAMES = {IN_MODIFY: "MODIFY", IN_CLOSE_WRITE: "CLOSE_WRITE", IN_MOVED_TO: "MOVED_TO", IN_CREATE: "CREATE"}
RELEVANT = {"StartLog", ".startd_address", "MasterLog"}  # what the agent reacts to (agent.cc)

path = sys.argv[1] if len(sys.argv) > 1 else "/var/log/condor"
libc = ctypes.CDLL("libc.so.6", use_errno=True)
fd = libc.inotify_init1(0)
if fd < 0 or libc.inotify_add_watch(fd, path.encode(), IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_CLOSE_WRITE) < 0:
    sys.exit("inotify failed: errno %d" % ctypes.get_errno())
counts, times = {}, {}
start = time.time()
try:
    while True:
        select.select([fd], [], [])
        data, now = os.read(fd, 65536), time.time()
        off = 0
        while off < len(data):
            _wd, mask, _cookie, length = struct.unpack_from("iIII", data, off)
            name = data[off + 16:off + 16 + length].split(b"\0", 1)[0].decode(errors="replace")
            off += 16 + length
            for bit, label in NAMES.items():
                if mask & bit:
                    counts[(name, label)] = counts.get((name, label), 0) + 1
            times.setdefault(name, []).append(now - start)
except KeyboardInterrupt:
    pass
print("inotify events in %s over %.0f s (mask of osg-worker's loop):" % (path, time.time() - start))
print("  %-22s %-12s %6s  %s" % ("file", "event", "count", "agent reacts"))
for (name, label), n in sorted(counts.items(), key=lambda kv: -kv[1]):
    print("  %-22s %-12s %6d  %s" % (name, label, n, "yes" if name in RELEVANT else "no"))
for name, ts in sorted(times.items()):
    bursts = []  # event times rounded to whole seconds, deduplicated: when the file was written
    for t in ts:
        if not bursts or t - bursts[-1] > 1.0:
            bursts.append(t)
    gaps = [b - a for a, b in zip(bursts, bursts[1:])]
    print("  %-22s written in %d bursts%s" % (name, len(bursts),
          (", median gap %.0f s" % sorted(gaps)[len(gaps) // 2]) if gaps else ""))
sys.stdout.flush()
