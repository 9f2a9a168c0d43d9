#!/usr/bin/env python3
"""GCE self-deletion end to end: `osg-worker cloud-test gce-delete` against the test metadata
server and Compute API (tests/cloud/gce_server.py), through every error path, on loopback only.
Exits non-zero on the first failure; prints PASS last.
"""

import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gce_server  # noqa: E402

WORKER = os.environ.get("OSG_WORKER", "osg-worker")
UUID4 = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")


def log(text):
    print(f"[{time.strftime('%T')} gce_test] {text}", flush=True)


def fail(text):
    log(f"FAIL: {text}")
    sys.exit(1)


class Runner:
    def __init__(self, state, metadata_url, compute_url):
        self.state, self.metadata_url, self.compute_url = state, metadata_url, compute_url

    def run(self, want_rc, needles, compute_url=None, timeout_ms=5000):
        argv = [WORKER, "cloud-test", "gce-delete", "--metadata", self.metadata_url,
                "--compute", compute_url or self.compute_url, "--timeout-ms", str(timeout_ms)]
        start = time.monotonic()
        p = subprocess.run(argv, capture_output=True, text=True, timeout=60)
        elapsed = time.monotonic() - start
        out = p.stdout + p.stderr
        for token in self.state["tokens"]:
            if token in out or token[5:25] in out:
                fail(f"the output shows an access token: {out}")
        if p.returncode != want_rc:
            fail(f"exit {p.returncode}, expected {want_rc}: {out}")
        for needle in needles:
            if needle not in out:
                fail(f"expected [{needle}] in: {out}")
        print("    " + "\n    ".join(out.strip().splitlines()), flush=True)
        return out, elapsed

    def status(self):
        return gce_server.instance_status(self.metadata_url, self.compute_url)


def main():
    state = gce_server.new_state()
    metadata, compute = gce_server.start(state)
    r = Runner(state, f"http://127.0.0.1:{metadata.server_port}",
               f"http://127.0.0.1:{compute.server_port}")
    ident = "identity: osg-worker-1 in osg-test-project/us-central1-a"

    try:
        urllib.request.urlopen(r.metadata_url + "/computeMetadata/v1/instance/name", timeout=5)
        fail("the metadata test server answered without Metadata-Flavor")
    except urllib.error.HTTPError as e:
        if e.code != 403:
            fail(f"metadata without Metadata-Flavor: HTTP {e.code}, expected 403")
    try:
        urllib.request.urlopen(urllib.request.Request(
            r.compute_url + "/compute/v1/projects/osg-test-project/zones/us-central1-a/instances/"
            "osg-worker-1", headers={"Authorization": "Bearer ya29.guessed"}), timeout=5)
        fail("the compute test server accepted a token it never issued")
    except urllib.error.HTTPError as e:
        if e.code != 401:
            fail(f"compute with a made-up token: HTTP {e.code}, expected 401")
    log(f"ok: the test servers check Metadata-Flavor (403) and the bearer token (401); "
        f"the instance is {r.status()}")

    cases = [  # mode, exit status, expected output, what it shows
        ("no-flavor", 2, ['without "Metadata-Flavor: Google": not a GCE metadata server'],
         "an answer without Metadata-Flavor: Google is not trusted"),
        ("bad-zone", 2, ["is not projects/NUMBER/zones/ZONE"], "a malformed zone"),
        ("no-service-account", 1, [ident, "outcome: refused", "the instance has no service account"],
         "no service account -> refused"),
        ("bad-token", 75, ["outcome: retry", "the access token document is not a JSON object"],
         "a token page that is not JSON -> retry"),
        ("401", 1, ["outcome: refused", "HTTP 401: authError"], "401 -> refused"),
        ("403", 1, ["outcome: refused", "HTTP 403: forbidden",
                    "Required 'compute.instances.delete' permission for 'projects/osg-test-project/"
                    "zones/us-central1-a/instances/osg-worker-1'"], "403 -> refused"),
        ("429", 75, ["outcome: retry", "HTTP 429: rateLimitExceeded"], "429 -> retry"),
        ("500", 75, ["outcome: retry", "HTTP 500: backendError"], "500 -> retry"),
        ("503", 75, ["outcome: retry", "HTTP 503: backendError"], "503 -> retry"),
    ]
    for mode, rc, needles, what in cases:
        state["mode"] = mode
        r.run(rc, needles)
        log(f"ok: {what}")
    state["mode"] = ""
    if r.status() != "RUNNING":
        fail("the instance changed state after failed deletes")

    state["mode"] = "hang"
    _, elapsed = r.run(75, ["outcome: retry", "the Compute API did not answer in time"],
                       timeout_ms=1000)
    if elapsed > 8:
        fail(f"the 1 s timeout took {elapsed:.1f} s")
    log(f"ok: the Compute API not answering -> retry after {elapsed:.1f} s (1 s timeout)")
    state["mode"] = ""
    r.run(75, ["outcome: retry", "cannot reach the Compute API"], compute_url="http://127.0.0.1:1")
    log("ok: the Compute API unreachable -> retry")
    if r.status() != "RUNNING" or state["request_ids"]:
        fail("the instance changed state after failed deletes")

    r.run(0, [ident, "outcome: done", "accepted: operation operation-", "RUNNING"])
    if r.status() != "deleted":
        fail("instances.delete was accepted but the instance is still there")
    if len(state["request_ids"]) != 1 or not UUID4.fullmatch(state["request_ids"][0]):
        fail(f"the delete's requestId is not one version 4 UUID: {state['request_ids']}")
    log(f"ok: instances.delete with the service account's token -> done (requestId "
        f"{state['request_ids'][0]}); the test cloud says {r.status()}")
    r.run(0, ["outcome: already-gone", "HTTP 404: notFound", "was not found"])
    log("ok: a second delete (404 notFound) -> already-gone")
    log("PASS")


if __name__ == "__main__":
    main()
