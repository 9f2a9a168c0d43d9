#!/usr/bin/env bash
# first_job.sh [ROUNDS]: issue 12's latency in the local loop, from the first idle job to the first
# worker running it. Each round: a fresh pool and test OpenStack (tests/cloud/serve_openstack.sh,
# whose hypervisor boots each created server as a real worker of the pool from its user-data),
# `osg-worker scale --max 1 --poll POLL` running on the central manager, then one TG-A job.
# Split: submit -> launch (the controller's next round, from the job's QDate to the record's
# launch time) and launch -> the job running
# (boot, join, negotiation; JobCurrentStartDate), 1 s resolution.
# The test bed boots an instance in seconds; a cloud VM's boot (about 80 s for our image under TCG,
# tens of seconds on KVM) comes on top. POLL_S (default 30, the controller's default --poll) is
# printed; the job is submitted at a random moment of a poll period.
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

ROUNDS=${1:-3}
POLL_S=${POLL_S:-30}
POLL=${POLL_S}s
{ [[ $ROUNDS =~ ^[0-9]+$ ]] && [ "$ROUNDS" -gt 0 ]; } || die "usage: $0 [ROUNDS]"
CLOUD=http://10.111.0.2:8780

: >"$WORK/results"
for round in $(seq "$ROUNDS"); do
  pool_up
  rm -rf "$WORK/testos"
  "$REPO_DIR/tests/cloud/serve_openstack.sh" "$WORK/testos" >"$WORK/cloud.log" 2>&1 &
  BG_PIDS+=($!)
  for _ in $(seq 100); do [ -s "$WORK/testos/credential" ] && break; sleep 0.3; done
  { read -r id && read -r secret; } <"$WORK/testos/credential"
  osg_config "$WORK/w.conf" "Bench First Job" "IdleTimeout = 30s" "Cloud = openstack" \
    "ShutdownAction = delete" "OpenStackAuthURL = $CLOUD/identity/v3" \
    "OpenStackApplicationCredentialID = $id" "OpenStackMetadataURL = $CLOUD"
  sed -i -e '/^ShutdownAction = command/d' -e 's/"TG-NNNNNN"/"TG-A"/' "$WORK/w.conf"
  printf 'OpenStackApplicationCredentialSecret = %s\n' "$secret" >>"$WORK/w.conf"
  "$POOL" cm install -D -m 600 /dev/stdin /root/w.conf <"$WORK/w.conf"
  printf 'clouds:\n  b:\n    auth:\n      auth_url: %s\n      application_credential_id: %s\n      application_credential_secret: %s\n' \
    "$CLOUD/identity/v3" "$id" "$secret" | "$POOL" cm install -D -m 600 /dev/stdin /root/.config/openstack/clouds.yaml
  # The controller runs already, as it would all day; the job comes at a random moment of its poll.
  "$POOL" cm env OS_CLOUD=b osg-worker scale --cloud openstack --config /root/w.conf --max 1 \
    --flavor m3.tiny --image Featured-Debian13 --network auto_allocated_network --poll "$POLL" \
    --record /root/scale.json >"$WORK/scale.log" 2>&1 &
  BG_PIDS+=($!)
  for _ in $(seq 100); do grep -q 'scale: demand' "$WORK/scale.log" && break; sleep 0.3; done
  sleep $((RANDOM % POLL_S))
  cluster=$("$POOL" submit --project TG-A --sleep 5)
  started() { "$POOL" cm condor_q "$cluster" -af JobCurrentStartDate 2>/dev/null | grep -q '^[0-9]'; }
  for _ in $(seq 600); do started && break; sleep 0.5; done
  started || die "round $round: the job did not start: $(tail -n 5 "$WORK/scale.log")"
  read -r qdate start < <("$POOL" cm condor_q "$cluster" -af QDate JobCurrentStartDate)
  launched=$("$POOL" cm python3 -c 'import json; print(json.load(open("/root/scale.json"))["workers"][0]["launched_at"])')
  total=$((start - qdate))
  log "round $round: submit->launch $((launched - qdate)) s, launch->running $((start - launched)) s, submit->running $total s"
  echo "$round $((launched - qdate)) $((start - launched)) $total" >>"$WORK/results"
  kill "${BG_PIDS[@]}" 2>/dev/null || true
  BG_PIDS=()
done

echo "== first_job: first idle job -> first worker running it (scale --poll $POLL, 1 s clock) =="
printf '%-6s %16s %16s %18s\n' round "submit->launch" "launch->running" "submit->running"
while read -r round a b c; do printf '%-6s %16s %16s %18s\n' "$round" "$a" "$b" "$c"; done <"$WORK/results"
read -r mn md mx n < <(awk '{print $4}' "$WORK/results" | stats)
echo "submit->running min/median/max over $n rounds: $mn / $md / $mx s"
