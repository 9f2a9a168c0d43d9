#!/usr/bin/env bash
# The boot deadline (`osg-worker boot-deadline`, its own unit on a real VM): a machine whose worker
# never came up powers off BootTimeout after its boot instead of billing for ever.
# (1) No config is ever written (no user-data): it powers off at the deadline and says why.
# (2) A bad config: `run` starts nothing and exits 78, and the machine powers off at the deadline.
# (3) A valid config: the worker is up at the deadline, nothing powers off, and the worker stays.
# The test bed runs both programs under its small init (entrypoint below) where a VM's systemd
# runs two units; "the boot" is PID 1's start, which is the instance's start here, as it is the
# kernel's boot on a VM. --timeout stands in for BootTimeout, which (1) has no config to read.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"

DEADLINE=25
pool_up

# The two units of a VM, under the test bed's init.
BOTH=(sh -c "osg-worker boot-deadline --timeout ${DEADLINE}s & osg-worker run; wait")

# (1) No config.
"$POOL" worker b1 --entrypoint osg-worker boot-deadline --timeout "${DEADLINE}s" >/dev/null
started=$(date +%s)
wait_until 120 "b1, with no config, powers off at its boot deadline" shutdown_happened b1
at=$(shutdown_time b1)
python3 -c "import sys; sys.exit(0 if float('$at') >= $started + $DEADLINE - 2 else 1)" ||
  fail "b1 powered off before its boot deadline"
grep -q "boot deadline: 25s after the boot, no /etc/osg-worker.conf was written" \
  "$INSTANCES/b1/console.log" || fail "b1's console does not say why it powered off"
log "ok: no config: powered off at the deadline, and the console says why"

# (2) A bad config: run refuses it; the deadline still ends the machine.
write_config "$WORK/bad.conf" "IdleTimeout = 25"  # a bare number: refused
"$POOL" worker b2 --config "$WORK/bad.conf" --entrypoint "${BOTH[@]}" >/dev/null
wait_until 120 "b2, with a bad config, powers off at its boot deadline" shutdown_happened b2
grep -q "is not valid; nothing was started" "$INSTANCES/b2/console.log" ||
  fail "run did not refuse the bad config"
grep -q "boot deadline: 25s after the boot, the config is not valid (/etc/osg-worker.conf:[0-9]*: error: IdleTimeout: " \
  "$INSTANCES/b2/console.log" || fail "b2's console does not say why it powered off"
log "ok: bad config: nothing started, powered off at the deadline"

# (3) A valid config: the worker is up at the deadline and stays.
write_config "$WORK/good.conf" "IdleTimeout = 1h"
"$POOL" worker b3 --config "$WORK/good.conf" --entrypoint "${BOTH[@]}" >/dev/null
wait_until 90 "b3 is listed" worker_listed
wait_until 120 "b3's boot deadline finds the worker up" \
  grep -q "boot deadline: the worker is up" "$INSTANCES/b3/console.log"
never_within 20 "b3 powers off" shutdown_happened b3
worker_listed || fail "b3 is no longer listed after its boot deadline"
log "ok: a worker up at the deadline is left alone"
log PASS
