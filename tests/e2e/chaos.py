#!/usr/bin/env python3
"""The chaos test's schedule and its judge (tests/e2e/chaos.sh drives the pool).

schedule SEED ROUND MAX_WORKERS MAX_FAULTS [MIN_FAULTS]: prints the round's plan as shell assignments, drawn from random.Random
  seeded with "SEED:ROUND", so that CHAOS_SEED=SEED replays every round's plan.
check ROUND_DIR USERLOG: applies the invariants to what the round left (round.json, faults.jsonl,
  report-NAME.json) and the schedd's user log; prints one line per finding, exits 1 on a failure.
The rules are stated in chaos.sh's header; the constants below are theirs.
"""
import datetime
import json
import os
import random
import re
import sys

# Faults after which HTCondor may lose a running job's run (and must rerun it).
LOSING = {"startd_kill", "master_kill", "link_cut"}
# Faults that the README promises jobs survive: a run lost across only these is a failure.
SURVIVED = {"agent_kill", "disk_full", "cm_outage"}
KINDS = sorted(LOSING | SURVIVED)
# A lost run is pinned on a fault only if the schedd noticed the loss this soon after the fault
# ended. A startd or master SIGKILL ends the runs on that worker at once (the agent stops what a
# dead master left behind), but the shadow may take minutes to give up: seen 275 s after a link
# cut ended, with the master killed during the cut and the central manager down.
NOTICE_S = 600
CLOCK_S = 2  # the user log's one-second timestamps, and rounding


def schedule(seed, rnd, max_workers, max_faults, min_faults=1):
  r = random.Random(f"{seed}:{rnd}")
  workers = [f"r{rnd}w{i + 1}" for i in range(r.randint(1, max_workers))]
  out = {"WORKERS": " ".join(workers)}
  for w in workers:
    idle = r.choice([20, 25, 30])
    sleeps = [r.randint(15, 75) for _ in range(r.randint(1, 3))]
    sleeps[0] = max(sleeps[0], idle + r.randint(5, 40))  # one job sleeps past the idle timeout
    out[f"IDLE_{w}"] = idle
    out[f"SLEEPS_{w}"] = " ".join(map(str, sleeps))
    # A late job, maybe: submitted at this offset (s) after the first ones, often near the
    # idle deadline of a worker that finished its first jobs.
    out[f"LATE_{w}"] = r.choice([0, 0, r.randint(30, 110)])
  faults = []
  once = set()  # one link cut and one full disk per worker, one central-manager outage a round
  for _ in range(r.randint(min(min_faults, max_faults), max_faults)):
    for _try in range(20):
      kind = r.choice(KINDS)
      target = "cm" if kind == "cm_outage" else r.choice(workers)
      key = (kind, target)
      if kind in ("link_cut", "disk_full", "cm_outage") and key in once:
        continue
      once.add(key)
      break
    else:
      continue
    offset = r.randint(0, 45)  # seconds after the first job runs
    duration = {"link_cut": r.randint(45, 75), "cm_outage": r.randint(20, 60),
                "disk_full": r.randint(15, 45)}.get(kind, 0)
    faults.append(f"{kind}:{target}:{offset}:{duration}")
  out["FAULTS"] = " ".join(faults)
  for k, v in out.items():
    print(f"{k}='{v}'")


EVENT = re.compile(r"^(\d{3}) \((\d+)\.(\d+)\.\d+\) (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) (.*)$")
ALIAS = re.compile(r"[?&]alias=([^&>.]+)")
# Events that end a run without the job's own termination.
RUN_LOST = {"004": "evicted", "007": "shadow exception", "009": "aborted", "012": "held",
            "024": "reconnect impossible"}


def parse_userlog(text, clusters):
  """Runs per cluster: dicts host, start, end (None while open), how (terminated or a loss)."""
  runs = {c: [] for c in clusters}
  # A run begins when its input transfer does (event 040 before its 001): the shadow logs "Job
  # executing" only once it hears back, which a link cut can delay past the run's own loss
  # (seed 20261206, round 8: input at 08:51:51, startd SIGKILLed at 08:51:58, "executing" and
  # "reconnection failed" both logged at 08:52:45, after the link came back).
  input_since = {}
  lines = text.splitlines()
  for i, line in enumerate(lines):
    m = EVENT.match(line)
    if not m or m.group(2).lstrip("0") not in clusters:
      continue
    code, cluster = m.group(1), m.group(2).lstrip("0")
    t = datetime.datetime.strptime(m.group(4), "%Y-%m-%d %H:%M:%S").replace(
        tzinfo=datetime.timezone.utc).timestamp()
    job = runs[cluster]
    is_open = bool(job) and job[-1]["end"] is None
    if code == "040" and not is_open:
      input_since.setdefault(cluster, t)
    elif code == "001":
      if is_open:  # a new run without an end to the last one: it was lost unnoticed
        job[-1].update(end=t, how="lost (no end event)")
      host = ALIAS.search(m.group(5))
      start = min(t, input_since.pop(cluster, t))
      job.append({"host": host.group(1) if host else "?", "start": start, "end": None, "how": None})
    elif code == "005" and is_open:
      detail = lines[i + 1] if i + 1 < len(lines) else ""
      ok = "Normal termination (return value 0)" in detail
      job[-1].update(end=t, how="terminated" if ok else f"terminated badly: {detail.strip()}")
    elif code in RUN_LOST and is_open:
      job[-1].update(end=t, how=RUN_LOST[code])
  return runs


def check(round_dir, userlog_path):
  with open(os.path.join(round_dir, "round.json")) as f:
    rnd = json.load(f)
  faults = []
  path = os.path.join(round_dir, "faults.jsonl")
  if os.path.exists(path):
    with open(path) as f:
      faults = [json.loads(l) for l in f if l.strip()]
  injected = [x for x in faults if x.get("injected")]
  with open(userlog_path, errors="replace") as f:
    runs = parse_userlog(f.read(), set(rnd["jobs"]))
  slack = rnd["slack"]
  failures = []

  def fail(msg):
    failures.append(msg)
    print(f"FAIL: {msg}")

  def hits(fault, host):
    return fault["target"] == host or fault["target"] == "cm"

  # Rule 1 and 2: every job completes; every lost run is pinned on a job-losing fault.
  lost_runs = 0
  for cluster, worker in sorted(rnd["jobs"].items(), key=lambda kv: int(kv[0])):
    job = runs[cluster]
    done = bool(job) and job[-1]["how"] == "terminated"
    if not done:
      state = job[-1]["how"] or "running" if job else "never started"
      fail(f"job {cluster} (for {worker}) did not complete: {state}; runs {describe(job)}")
    for run in job:
      if run["how"] in (None, "terminated"):
        continue
      lost_runs += 1
      near = [x for x in injected if hits(x, run["host"])
              and run["start"] - CLOCK_S <= x["start"] <= run["end"] + CLOCK_S
              and run["end"] <= x["end"] + NOTICE_S]
      losing = [x for x in near if x["kind"] in LOSING]
      if losing:
        print(f"ok: job {cluster}: its run on {run['host']} ({run['how']} at {hms(run['end'])}) "
              f"was lost to {losing[0]['kind']} at {hms(losing[0]['start'])}; HTCondor reran it")
        continue
      sd = rnd["workers"].get(run["host"], {}).get("shutdown_at")
      why = (f"faults around it: {', '.join(x['kind'] + '@' + hms(x['start']) for x in near)}"
             if near else "no injected fault on its worker during it")
      fail(f"job {cluster}: its run on {run['host']} from {hms(run['start'])} ended "
           f"{run['how']} at {hms(run['end'])} ({why}); {run['host']} shut down at "
           f"{hms(sd) if sd else 'never'}: killed by our shutdown?")

  # Rule 3: each instance ended with its shutdown action, within the bound.
  for name, w in sorted(rnd["workers"].items()):
    sd = w.get("shutdown_at")
    mine = [run for job in runs.values() for run in job if run["host"] == name and run["end"]]
    ends = [run["end"] for run in mine]
    terms = [run["end"] for run in mine if run["how"] == "terminated"]
    recovered = [x["end"] for x in injected if hits(x, name)]
    start = max([w["listed_at"]] + ends + recovered)
    bound = start + w["idle"] + slack
    if sd is None:
      fail(f"{name} never ran its shutdown action (should have by {hms(bound)})")
      continue
    if sd > bound:
      fail(f"{name} shut down at {hms(sd)}, {sd - bound:.0f}s past its bound {hms(bound)} "
           f"(last job end or fault recovery {hms(start)} + IdleTimeout {w['idle']}s + {slack}s)")
    elif terms and sd < max(terms) + w["idle"] - CLOCK_S:
      fail(f"{name} shut down at {hms(sd)}, before its IdleTimeout ({w['idle']}s) after its "
           f"last job ended at {hms(max(terms))}")
    else:
      print(f"ok: {name} shut down at {hms(sd)}, {sd - start:.0f}s after its last job end or "
            f"fault recovery (bound: IdleTimeout {w['idle']}s + {slack}s)")

  # Rule 4: the ledger reads back, at most one skipped line per crash.
  for name in sorted(rnd["workers"]):
    crashes = sum(1 for x in injected if x["target"] == name and x["kind"] in ("agent_kill", "disk_full"))
    path = os.path.join(round_dir, f"report-{name}.json")
    try:
      with open(path) as f:
        report = json.load(f)
    except (OSError, ValueError) as e:
      fail(f"{name}: the ledger does not read back (osg-worker report --json: {e})")
      continue
    skipped = report.get("skipped_lines", 0)
    if skipped > crashes:
      fail(f"{name}: the ledger has {skipped} skipped line(s) for {crashes} crash(es) "
           "(agent SIGKILLs and disk-full episodes)")
    else:
      print(f"ok: {name}: the ledger reads back, {skipped} skipped line(s) for {crashes} crash(es)")

  kinds = {}
  for x in injected:
    kinds[x["kind"]] = kinds.get(x["kind"], 0) + 1
  print("faults: " + json.dumps({"injected": len(injected), "skipped": len(faults) - len(injected),
                                 "by_kind": kinds, "lost_runs": lost_runs,
                                 "failures": len(failures)}))
  return 1 if failures else 0


def hms(t):
  return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%H:%M:%S")


def describe(job):
  return "; ".join(f"{r['host']} {hms(r['start'])}-{hms(r['end']) if r['end'] else '...'} "
                   f"{r['how'] or 'open'}" for r in job) or "none"


def main(argv):
  if len(argv) in (6, 7) and argv[1] == "schedule":
    schedule(argv[2], int(argv[3]), int(argv[4]), int(argv[5]), int(argv[6]) if len(argv) == 7 else 1)
    return 0
  if len(argv) == 4 and argv[1] == "check":
    return check(argv[2], argv[3])
  print(__doc__, file=sys.stderr)
  return 2


if __name__ == "__main__":
  sys.exit(main(sys.argv))
