#!/usr/bin/env bash
# `osg-worker pool`, run on the central manager as an owner runs it on a laptop: two workers of a
# group whose name holds quotes, a space and a backslash, one of another group; a job runs on one
# of the first two. The listing holds exactly those two, one busy with one job, with plausible
# states, cores and shutdown times, in the table and in --json (parsed by python's json module).
# Errors: an unreachable collector and a missing condor_status exit non-zero and say what to check.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

GROUP_A='Group A "quoted" back\slash'
pool_up
write_config "$WORK/a.conf" "IdleTimeout = 30m"
printf 'WorkerGroupName = %s\n' "$GROUP_A" >>"$WORK/a.conf"  # given twice: the last one wins
# Group B takes no job of this project, so the job lands in group A.
write_config "$WORK/b.conf" "IdleTimeout = 30m" "WorkerGroupName = Group B" \
  'Start = TARGET.ProjectName == "TG-OTHER"'
for w in wa1 wa2; do "$POOL" worker "$w" --config "$WORK/a.conf" >/dev/null; done
"$POOL" worker wb1 --config "$WORK/b.conf" >/dev/null

pool_json() { "$POOL" cm osg-worker pool --group "$GROUP_A" --pool 10.111.0.2 --json; }
count_idle() {  # N: the group lists N workers, all Idle
  pool_json | python3 -c 'import json,sys; d=json.load(sys.stdin); w=d["workers"]
sys.exit(not (len(w)==int(sys.argv[1]) and all(x["state"]=="Idle" for x in w)))' "$1"
}
wait_until 120 "osg-worker pool lists both workers of group A, Idle" count_idle 2
b_listed() { [ -n "$("$POOL" cm condor_status -const 'WorkerGroupName == "Group B"' -af Name)" ]; }
wait_until 60 "the group B worker is listed too" b_listed

job=$(submit_job TG-NNNNNN 600)
one_busy() {
  pool_json | python3 -c 'import json,sys; d=json.load(sys.stdin)
sys.exit(not (d["total"]["jobs"]==1 and d["total"]["states"].get("Busy")==1))'
}
wait_until 180 "osg-worker pool shows one worker Busy with one job" one_busy

cpus=$("$POOL" cm nproc)
json=$(pool_json)
echo "$json"
python3 - "$cpus" "$GROUP_A" "$json" <<'PY' || fail "--json facts"
import json, sys
cpus, group = float(sys.argv[1]), sys.argv[2]
d = json.loads(sys.argv[3])
assert d["group"] == group, d["group"]
w = {x["name"]: x for x in d["workers"]}
assert sorted(w) == ["wa1.osgpool.test", "wa2.osgpool.test"], sorted(w)
busy = [x for x in w.values() if x["state"] == "Busy"]
idle = [x for x in w.values() if x["state"] == "Idle"]
assert len(busy) == 1 and len(idle) == 1, d
b, i = busy[0], idle[0]
assert b["jobs"] == 1 and b["cores_busy"] == 1 and b["cores_total"] == cpus, b
assert b["shutdown_in_s"] is None and b["idle_minutes"] is None, b
assert i["jobs"] == 0 and i["cores_busy"] == 0 and i["cores_total"] == cpus, i
assert 0 < i["shutdown_in_s"] <= 1800, i
assert 0 <= i["idle_minutes"] < 30, i
for x in (b, i):
    assert 0 <= x["uptime_s"] < 3600, x
    assert x["retire_at"] > d["now"], x
assert d["total"] == {"workers": 2, "cores_busy": 1.0, "cores_total": 2 * cpus, "jobs": 1,
                      "states": {"Busy": 1, "Idle": 1}}, d["total"]
PY
log "ok: --json lists exactly the two workers of the group, one Busy with 1 job, the other Idle"

table=$("$POOL" cm osg-worker pool --group "$GROUP_A" --pool 10.111.0.2)
echo "$table"
[ "$(echo "$table" | wc -l)" = 4 ] || fail "expected a header, two workers and a total line"
assert_contains "$(echo "$table" | head -n 1)" "NAME" "the table has a header line"
echo "$table" | grep -Eq '^wa[12]\.osgpool\.test +Busy +1/[0-9]+ +1 ' || fail "no Busy line with 1/N cores and 1 job"
echo "$table" | grep -Eq '^wa[12]\.osgpool\.test +Idle +0/[0-9]+ +0 .* [0-9]+m[0-9]+s$' ||
  fail "no Idle line with its shutdown time"
assert_contains "$(echo "$table" | tail -n 1)" "total: 2 workers, 1/" "the total line counts the two"
echo "$table" | grep -q wb1 && fail "a worker of group B is listed"
log "ok: the table lists the two workers of the group and not the other"

# Without --pool: the local configuration's COLLECTOR_HOST (the central manager's own).
local_json=$("$POOL" cm osg-worker pool --group "$GROUP_A" --json)
python3 -c 'import json,sys; assert json.loads(sys.argv[1])["total"]["workers"] == 2' "$local_json" ||
  fail "without --pool: $local_json"
log "ok: without --pool the local COLLECTOR_HOST is asked"
b_json=$("$POOL" cm osg-worker pool --group "Group B" --pool 10.111.0.2 --json)
python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert [w["name"] for w in d["workers"]]==["wb1.osgpool.test"], d' "$b_json" ||
  fail "group B: $b_json"
log "ok: group B lists its one worker"

set +e
err=$("$POOL" cm osg-worker pool --group "$GROUP_A" --pool 10.111.0.99 2>&1); rc=$?
set -e
[ "$rc" != 0 ] || fail "an unreachable collector exited 0"
assert_contains "$err" "could not query 10.111.0.99" "an unreachable collector: exit $rc, says what it asked"
assert_contains "$err" "TCP 9618" "... and what to check"
set +e
err=$("$POOL" cm env PATH=/nonexistent /usr/bin/osg-worker pool --group x 2>&1); rc=$?
set -e
[ "$rc" != 0 ] || fail "a missing condor_status exited 0"
assert_contains "$err" "condor_status not found in PATH" "a missing condor_status: exit $rc, says so"
[ "$(job_status "$job")" = 2 ] || fail "the job is no longer running"
log PASS
