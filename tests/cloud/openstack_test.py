#!/usr/bin/env python3
"""OpenStack self-removal end to end: `osg-worker cloud-test openstack` against the test cloud
(tests/cloud/openstack_server.py): Keystone refusing the credential (401), Nova refusing the
delete (403) and the fallback to shelve, already gone (404), locked (409), 5xx retried, no answer
in time, the wrong endpoint interface or region, the metadata service down with and without a
config drive, and the credential from OS_* variables and from clouds.yaml. No secret and no
token may ever show in the output.

Runs inside the test image on loopback only. Exits non-zero on the first failure; PASS last.
"""

import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import openstack_server  # noqa: E402

WORKER = os.environ.get("OSG_WORKER", "osg-worker")


def log(text):
    print(f"[{time.strftime('%T')} openstack_test] {text}", flush=True)


def fail(text):
    log(f"FAIL: {text}")
    sys.exit(1)


class Runner:
    def __init__(self, cloud, url):
        self.cloud = cloud
        self.url = url
        self.env = {"PATH": os.environ["PATH"], "OS_AUTH_URL": url + "/identity/v3",
                    "OS_APPLICATION_CREDENTIAL_ID": cloud.credential_id,
                    "OS_APPLICATION_CREDENTIAL_SECRET": cloud.credential_secret}

    def run(self, action, want_rc, needles, env=None, metadata=None, extra=()):
        argv = [WORKER, "cloud-test", "openstack", "--action", action,
                "--metadata", metadata or self.url, *extra]
        start = time.monotonic()
        p = subprocess.run(argv, capture_output=True, text=True, timeout=120,
                           env=env or self.env)
        elapsed = time.monotonic() - start
        out = p.stdout + p.stderr
        for secret in [self.cloud.credential_secret, *self.cloud.tokens]:
            if secret in out:
                fail(f"the output shows a secret or a token: {out}")
        if p.returncode != want_rc:
            fail(f"{action}: exit {p.returncode}, expected {want_rc}: {out}")
        for needle in needles:
            if needle not in out:
                fail(f"{action}: expected [{needle}] in: {out}")
        print("    " + "\n    ".join(out.strip().splitlines()), flush=True)
        return out, elapsed

    def state(self):
        return self.cloud.servers[self.cloud.server_id]["status"]

    def expect_state(self, want):
        if self.state() != want:
            fail(f"the server is {self.state()}, expected {want}")

    def reset(self, **modes):
        with self.cloud.lock:
            self.cloud.modes = dict(modes)
            self.cloud.servers[self.cloud.server_id] = {"status": "ACTIVE", "locked": False}


def main():
    cloud, server = openstack_server.start()
    url = cloud.base_url
    r = Runner(cloud, url)
    sid = cloud.server_id
    env = r.env

    wrong = dict(env, OS_APPLICATION_CREDENTIAL_SECRET="wrong-" + cloud.credential_secret[6:])
    r.run("delete", 1, [f"identity: openstack {sid}", "outcome: refused",
                        "Keystone answered HTTP 401", "not accepted"], env=wrong)
    r.expect_state("ACTIVE")
    log("ok: a wrong secret -> Keystone 401 -> refused")

    r.reset(delete="403")
    r.run("delete", 1, ["outcome: refused", "Nova answered HTTP 403 (forbidden"])
    r.expect_state("ACTIVE")
    log("ok: delete not allowed (403) -> refused")
    r.run("remove", 0, ["step: delete failed", "step: shelve ok", "outcome: removed"])
    r.expect_state("SHELVED_OFFLOADED")
    log("ok: the shutdown sequence: delete refused (403) -> shelved (SHELVED_OFFLOADED)")
    r.run("shelve", 0, ["outcome: already-gone", "already shelved",
                        "while it is in vm_state shelved_offloaded"])
    log("ok: shelving a shelved server (409 vm_state shelved_offloaded) -> done")

    r.reset()
    with cloud.lock:
        cloud.servers[sid]["locked"] = True
    r.run("delete", 1, ["outcome: refused", "HTTP 409 (conflictingRequest: Instance", "is locked"])
    r.run("remove", 1, ["step: delete failed", "step: shelve failed", "is locked",
                        "outcome: not removed"])
    r.expect_state("ACTIVE")
    log("ok: a locked server (409): delete and shelve refused -> not removed (the agent powers off)")

    r.reset(delete="503")
    r.run("delete", 75, ["outcome: retry", "HTTP 503"])
    r.reset(delete="500*2")
    out, elapsed = r.run("remove", 0, ["step: delete ok", "outcome: removed"])
    if out.count("step: delete failed") != 2 or "HTTP 500" not in out:
        fail("expected two failed deletes (500) before the accepted one")
    if elapsed < 2.5:
        fail(f"retries without backoff: {elapsed:.1f} s for 1 s + 2 s of waits")
    r.expect_state("DELETED")
    log(f"ok: 5xx retried with backoff ({elapsed:.1f} s), then deleted")
    r.run("delete", 0, ["outcome: already-gone", "HTTP 404 (itemNotFound"])
    log("ok: deleting a deleted server (404) -> already-gone")

    r.reset(delete="hang")
    _, elapsed = r.run("delete", 75, ["outcome: retry", "Nova did not answer in time"])
    if elapsed > openstack_server.HANG_SECONDS - 1:
        fail(f"the client waited {elapsed:.1f} s, as long as the server hung")
    r.expect_state("ACTIVE")
    log(f"ok: Nova not answering -> retry after {elapsed:.1f} s (the client's timeout)")
    r.reset(keystone="503")
    r.run("delete", 75, ["outcome: retry", "Keystone answered HTTP 503"])
    log("ok: Keystone 503 -> retry")

    r.reset()
    r.run("delete", 1, ["outcome: refused", "HTTP 400", "wrong endpoint: /wrong-endpoint/internal"],
          env=dict(env, OS_INTERFACE="internal"))
    r.run("delete", 1, ["HTTP 400", "wrong endpoint: /wrong-endpoint/region-two"],
          env=dict(env, OS_REGION_NAME="RegionTwo"))
    r.run("delete", 1, ["outcome: refused", "no public compute endpoint in region Nowhere"],
          env=dict(env, OS_REGION_NAME="Nowhere"))
    r.expect_state("ACTIVE")
    log("ok: OS_INTERFACE and OS_REGION_NAME choose the catalog's endpoint")

    with tempfile.TemporaryDirectory() as drive:
        r.reset(metadata="500")
        r.run("delete", 2, ["identity: error: metadata service", "HTTP 500"],
              extra=["--config-drive", drive + "/absent"])
        os.makedirs(drive + "/openstack/latest")
        with open(drive + "/openstack/latest/meta_data.json", "w") as f:
            f.write('{"uuid": "%s", "name": "w1"}' % sid)
        r.run("delete", 0, [f"identity: openstack {sid}", "outcome: done"],
              extra=["--config-drive", drive])
        r.expect_state("DELETED")
        log("ok: metadata service down: the id from the config drive; deleted")

        r.reset()
        yaml = os.path.join(drive, "clouds.yaml")
        with open(yaml, "w") as f:
            f.write(f"""clouds:
  test:
    auth_type: v3applicationcredential
    auth:
      auth_url: {url}/identity/v3/
      application_credential_id: "{cloud.credential_id}"
      application_credential_secret: "{cloud.credential_secret}"
    region_name: {openstack_server.REGION}
    interface: public
  other:
    auth:
      auth_url: http://127.0.0.1:1/v3
      application_credential_id: x
      application_credential_secret: y
""")
        os.chmod(yaml, 0o600)
        yaml_env = {"PATH": os.environ["PATH"], "OS_CLIENT_CONFIG_FILE": yaml}
        r.run("delete", 2, ["credentials: error:", "holds several clouds"], env=yaml_env)
        r.run("delete", 0, ["outcome: done"], env=dict(yaml_env, OS_CLOUD="test"))
        r.expect_state("DELETED")
        log("ok: the credential from clouds.yaml (OS_CLOUD) -> deleted")

    r.run("delete", 2, ["credentials: error: no OpenStack application credential"],
          env={"PATH": os.environ["PATH"], "HOME": "/nonexistent"})
    log("ok: no credential anywhere -> a clear error")
    server.shutdown()
    log("PASS")


if __name__ == "__main__":
    main()
