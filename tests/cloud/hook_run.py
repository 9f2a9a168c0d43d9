"""One run of an `osg-worker cloud-test` hook for the cloud tests, with the checks every run makes:
no secret in its output, the exit status, the expected text; its output echoed, indented."""

import os
import subprocess
import time


def run_hook(argv, want_rc, needles, fail, secrets=(), env_prefix=None, env=None, label=""):
    """Runs `argv` with the environment's `env_prefix` variables (a cloud's credentials) replaced
    by `env`; calls `fail` on a secret in the output, another exit status or a missing needle.
    Returns the output and the seconds it took."""
    environment = {k: v for k, v in os.environ.items()
                   if not (env_prefix and k.startswith(env_prefix))}
    environment.update(env or {})
    start = time.monotonic()
    p = subprocess.run(argv, capture_output=True, text=True, timeout=60, env=environment)
    elapsed = time.monotonic() - start
    out = p.stdout + p.stderr
    prefix = f"{label}: " if label else ""
    for secret in secrets:
        if secret and secret in out:
            fail(f"{prefix}the output shows a secret: {out}")
    if p.returncode != want_rc:
        fail(f"{prefix}exit {p.returncode}, expected {want_rc}: {out}")
    for needle in needles:
        if needle not in out:
            fail(f"{prefix}expected [{needle}] in: {out}")
    print("    " + "\n    ".join(out.strip().splitlines()), flush=True)
    return out, elapsed


def check_one_detail(out, want_rc, fail, label=""):
    """A fleet hook's output has one `detail:` line, or none when it made no client (exit 2)."""
    details = [line for line in out.splitlines() if line.startswith("detail: ")]
    if len(details) != (0 if want_rc == 2 else 1):
        fail(f"{label}: not one detail line: {out}")
