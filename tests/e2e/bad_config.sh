#!/usr/bin/env bash
# Every bad /etc/osg-worker.conf the issue lists, through the real binary in the image:
# `osg-worker check` exits 78 with a message naming the file, the line and the key (0 for the
# accepted and warning-only cases); `osg-worker run` on a bad file exits 78, says nothing was
# started, and leaves the instance untouched. No output ever shows the token.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
cd "$WORK" || exit 1  # `osg-pool run` bind-mounts the cwd, so the files below are seen at the same paths

mint() { python3 "$REPO_DIR/testdata/e2e/mint_token.py" "$1"; }  # EXP -> a valid-looking token
now=$(date +%s)
T=$(mint $((now + 86400)))
OLD=$(mint $((now - 3600)))
NL=$'\n'
TOK="Token = $T$NL"
START="Start = TARGET.ProjectName == \"TG-NNNNNN\"$NL"

# Every case runs; the problems found are listed together at the end.
problems=()
problem() { problems+=("$1"); log "PROBLEM: $1"; return 1; }

no_secret() {  # NAME OUTPUT: neither token, nor any signature or tail of one, is shown
  local s
  for s in "$T" "$OLD" "${T##*.}" "${OLD##*.}" "${T:60}"; do
    case $2 in *"$s"*) problem "$1: the output shows token material: $2"; return ;; esac
  done
}

# check_case NAME WANT_RC TEXT NEEDLE...: writes $WORK/NAME.conf (mode $MODE, default 600), runs
# `osg-worker check` on it and asserts the exit status and that each NEEDLE (with %F replaced by
# the file's path) is in the output.
check_case() {
  local name=$1 want=$2 text=$3 f=$WORK/$1.conf rc=0 needle; shift 3
  printf '%s' "$text" >"$f"
  chmod "${MODE:-600}" "$f"
  out=$("$POOL" run osg-worker check --config "$f" 2>&1) || rc=$?
  [ "$rc" = "$want" ] || { problem "$name: check exited $rc, expected $want: $out"; return 0; }
  for needle; do
    needle=${needle//%F/$f}
    case $out in *"$needle"*) ;; *) problem "$name: expected [$needle] in: $out" || return 0 ;; esac
  done
  no_secret "$name" "$out" && log "ok: check $name -> exit $rc"
  return 0
}

rc=0; out=$("$POOL" run osg-worker check --config "$WORK/absent.conf" 2>&1) || rc=$?
[ "$rc" = 78 ] || fail "missing file: exit $rc"
assert_contains "$out" "$WORK/absent.conf: error: cannot read the file: No such file or directory" \
  "check of a missing file exits 78 and names it"

check_case empty 78 "" "%F: error: the file holds no settings; it needs at least Token and Start"
check_case missing_token 78 "$START" "%F: error: Token: missing; this key is required"
check_case missing_start 78 "$TOK" "%F: error: Start: missing; this key is required"
check_case not_a_jwt 78 "Token = aaabbb...$NL$START" "%F:1: error: Token: not an IDTOKEN"
check_case expired 78 "Token = $OLD$NL$START" "%F:1: error: Token: the token expired at"
check_case inner_space 78 "Token = ${T:0:50} ${T:50}$NL$START" \
  "%F:1: error: Token: contains whitespace inside the token"
# An editor wrapped the token onto a second line: refused, and neither half may be echoed.
check_case wrapped_token 78 "Token = ${T:0:60}$NL${T:60}$NL$START" "%F:1: error: Token:"
check_case token_blanks 0 "Token = "$'\t'"  $T "$'\t'" $NL$START" \
  "Token                = issuer osgpool.test, subject worker@osgpool.test, key id POOL"
check_case start_not_classad 78 "${TOK}Start = TARGET.ProjectName ==$NL" \
  "%F:2: error: Start: does not parse as a ClassAd expression"
check_case start_multiline 78 "${TOK}Start = TARGET.ProjectName == \"a\" ||$NL   TARGET.ProjectName == \"b\"$NL" \
  "%F:3: error: Start: Start must be on one line"
# Wrapped without indentation: the continuation line must be named as continuing Start too.
check_case start_wrapped 78 "${TOK}Start = Cpus > 1 &&${NL}Memory > 1024$NL" \
  "%F:3: error: Start: Start must be on one line"
check_case start_backslash 78 "${TOK}Start = Cpus > 1 \\$NL  && Memory > 1$NL" \
  "%F:2: error: Start: ends with a backslash"
check_case start_macro 78 "${TOK}Start = \$(FULL_HOSTNAME) == \"x\"$NL" \
  "%F:2: error: Start: contains \"\$\", which HTCondor's configuration reads as a macro"
check_case start_append_value 78 "${TOK}Start = TARGET.ProjectName @= \"x\"$NL" \
  "%F:2: error: Start: contains HTCondor configuration syntax \"@=\""
check_case start_append_key 78 "${TOK}Start @= TARGET.ProjectName == \"x\"$NL" "%F:2: error: Start: HTCondor's \"@=\" multi-line syntax is not allowed"
check_case start_include 78 "${TOK}Start = include : /etc/passwd$NL" \
  "%F:2: error: Start: contains the word \"include\""
check_case start_unquoted 78 "${TOK}Start = TARGET.ProjectName == TG-NNNNNN$NL" \
  "%F:2: error: Start: the unquoted TG-NNNNNN is read as attribute names and arithmetic, not as text, so Start matches no job; did you mean: TARGET.ProjectName == \"TG-NNNNNN\""
check_case unknown_key 78 "$TOK${START}WorkerGroup = x$NL" \
  "%F:3: error: WorkerGroup: unknown key; did you mean WorkerGroupName?"
check_case relative_image 78 "$TOK${START}DefaultImage = debian-13.sif$NL" \
  "%F:3: error: DefaultImage: \"debian-13.sif\" is not an image: write an http(s):// URL or an absolute path of a .sif, ospool:NAME, or none"
check_case image_with_password 78 "$TOK${START}DefaultImage = https://bob:pw@example.org/x.sif$NL" \
  "%F:3: error: DefaultImage: the URL holds a user name or password"
check_case image_ok 0 "$TOK${START}CentralManager = cm.example.org${NL}DefaultImage = /srv/images/rocky9.sif$NL" \
  "DefaultImage         = /srv/images/rocky9.sif" "DefaultGPUImage      = /srv/images/rocky9.sif (on a machine with GPUs)"
check_case duplicate 0 "WorkerGroupName = First$NL$TOK${START}WorkerGroupName = Second$NL" \
  "%F:4: warning: WorkerGroupName: given again (first on line 1); the last one wins" \
  "WorkerGroupName      = Second"
check_case crlf 0 "# from a Windows editor"$'\r\n'"Token = $T"$'\r\n'"Start = Cpus > 1"$'\r\n' \
  "Start                = Cpus > 1${NL}IdleTimeout"
case $out in *$'\r'* | *warning* | *error*) problem "crlf: unexpected output: $out" ;; esac
MODE=644 check_case readable 0 "$TOK$START" \
  "%F: warning: Token: the file holds a token and is readable by other users; run: chmod 600 %F"
MODE=600 check_case private 0 "$TOK$START" "%F: valid."
case $out in *warning*) problem "a 0600 file warned: $out" ;; esac

# `run` on a bad file: exit 78, "nothing was started", and nothing was: no file changed where
# the agent writes (not /var/cache: others may be building in the image meanwhile) or in /run,
# no rendered config or token, no condor_master, no status file.
cat >"$WORK/probe.sh" <<'EOF'
: >/tmp/.before
osg-worker run --config "$1"; echo "exit=$?"
find /etc /var/lib /var/log /var/spool /usr/local /root -xdev -cnewer /tmp/.before -print | sed 's/^/changed: /'
find /run -mindepth 1 -print | sed 's/^/in run: /'
for f in /etc/condor/config.d/50-osg-worker.conf /etc/condor/tokens.d/osg-worker.token \
  /run/osg-worker/status.json; do [ ! -e "$f" ] || echo "present: $f"; done
ls -A /etc/condor/tokens.d 2>/dev/null | sed 's/^/token file: /'
! pgrep -x condor_master >/dev/null || echo "present: condor_master"
EOF
for name in not_a_jwt start_unquoted unknown_key empty expired wrapped_token absent; do
  f=$WORK/$name.conf
  out=$("$POOL" run sh "$WORK/probe.sh" "$f" 2>&1) || fail "run $name: the probe failed: $out"
  case $out in *"osg-worker: $f is not valid; nothing was started${NL}exit=78"*) ;;
    *) problem "run $name: expected exit 78 and 'nothing was started': $out" || continue ;; esac
  case $out in *changed:* | *"in run:"* | *present:* | *"token file:"*)
    problem "run $name changed the system: $out" || continue ;; esac
  no_secret "run $name" "$out" && log "ok: run $name exits 78, says and changes nothing, starts nothing"
done
[ ${#problems[@]} = 0 ] || fail "${#problems[@]} problem(s):$NL$(printf '  %s\n' "${problems[@]}")"
log PASS
