#!/usr/bin/env bash
# A token the pool did not sign (its signature altered): the worker never joins, and
# `osg-worker status` says the token was rejected, in HTCondor's words; at the join timeout it
# shuts down and says why.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

pool_up
write_config "$WORK/bad.conf" "JoinTimeout = 45s"
# Same issuer and claims, another signature: what a token from another pool's key looks like.
python3 - "$WORK/bad.conf" <<'PY'
import sys
path = sys.argv[1]
lines = open(path).read().splitlines()
for i, line in enumerate(lines):
    if line.startswith("Token = "):
        head, payload, sig = line[len("Token = "):].split(".")
        sig = "".join("A" if c != "A" else "B" for c in sig)
        lines[i] = "Token = " + ".".join([head, payload, sig])
open(path, "w").write("\n".join(lines) + "\n")
PY
"$POOL" worker w1 --config "$WORK/bad.conf" >/dev/null

rejected() { "$POOL" exec w1 osg-worker status | grep -q 'not joined: token rejected by the pool'; }
wait_until 90 "status says the token was rejected" rejected
"$POOL" exec w1 osg-worker status
never_within 20 "the seed's query lists the worker" worker_listed
json=$(worker_status_json w1)
[ "$(json_field "$json" joined)" = False ] || fail "status --json says joined"
assert_contains "$(json_field "$json" diagnosis)" "IDTOKENS" "the diagnosis quotes HTCondor's reason"

# A worker that cannot join must not run up a bill: it shuts down at the join timeout.
wait_until 120 "the join timeout runs the shutdown action" shutdown_happened w1
grep -q "shutting down: never joined the pool in 45s; START is off and no claim is held (token rejected by the pool" \
  "$INSTANCES/w1/console.log" || fail "the shutdown does not give the join failure as its reason"
log "ok: the shutdown names the join timeout and HTCondor's reason"
log PASS
