#!/usr/bin/env python3
"""The owner's GCE fleet client end to end: `osg-worker cloud-test fleet --cloud gce` (prepare,
create, list, delete) against the test Compute API and OAuth token endpoint
(tests/cloud/gce_server.py), with a service account key file whose token_uri is the test server.
Loopback only. Exits non-zero on the first failure; prints PASS last.
"""

import json
import os
import re
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gce_server  # noqa: E402
import hook_run  # noqa: E402

WORKER = os.environ.get("OSG_WORKER", "osg-worker")
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
LABEL = re.compile(r"[a-z0-9_-]{1,63}")
ZONE = "us-central1-a"
GROUP = "OSG Fleet Test #1"
FAMILY = "projects/debian-cloud/global/images/family/debian-12"
# What a launch script may hold that an encoding could spoil.
USER_DATA = "#!/bin/sh\n# \"quotes\", 'apostrophes', $HOME, \\backslash, tab\there, é ü 漢\n" \
            "echo done\n"


def log(text):
    print(f"[{time.strftime('%T')} gce_fleet_test] {text}", flush=True)


def fail(text):
    log(f"FAIL: {text}")
    sys.exit(1)


class Runner:
    def __init__(self, state, compute_url, key_path):
        self.state, self.compute_url, self.key_path = state, compute_url, key_path
        with open(key_path) as f:
            self.private_key = json.load(f)["private_key"]

    def secrets(self):
        """Every secret the output must not show: the key's body, each JWT, each token."""
        key_body = "".join(line for line in self.private_key.splitlines()
                           if "PRIVATE KEY" not in line)
        found = [key_body[i:i + 24] for i in range(0, len(key_body) - 24, 24)]
        found += list(self.state["tokens"]) + [a for a in self.state["assertions"] if a]
        found += [a.rsplit(".", 1)[-1][:32] for a in self.state["assertions"] if "." in a]
        return found

    def run(self, op, want_rc, needles, env=None, **options):
        argv = [WORKER, "cloud-test", "fleet", "--cloud", "gce", "--endpoint", self.compute_url,
                "--op", op, "--timeout-ms", "5000"]
        for name, value in options.items():
            argv += ["--" + name.replace("_", "-"), str(value)]
        key_env = {"GOOGLE_APPLICATION_CREDENTIALS": self.key_path}
        out, _ = hook_run.run_hook(argv, want_rc, needles, fail, self.secrets(), "GOOGLE_",
                                   key_env if env is None else env, label=op)
        hook_run.check_one_detail(out, want_rc, fail, label=op)
        return out

    def test_instances(self):
        with urllib.request.urlopen(self.compute_url + "/_test/instances", timeout=5) as answer:
            return json.loads(answer.read())

    def set_status(self, name, status):
        request = urllib.request.Request(
            self.compute_url + "/_test/status", method="POST",
            data=json.dumps({"name": name, "status": status}).encode())
        urllib.request.urlopen(request, timeout=5).read()


def listed(out):
    """name -> (status, launched_at) from the hook's `instance:` lines."""
    rows = {}
    for line in out.splitlines():
        if line.startswith("instance: "):
            ident, name, status, launched = line.split()[1:]
            if ident != name:
                fail(f"an instance's id is not its name: {line}")
            rows[name] = (status, int(launched))
    return rows


def check_prepare(r):
    r.run("prepare", 0, ["cores: 4", "outcome: done"], zone=ZONE, flavor="e2-standard-4",
          image=FAMILY)
    r.run("prepare", 0, ["cores: 8"], zone=ZONE, flavor="n2-standard-8",
          image="projects/osg-test-project/global/images/osg-worker-image-1")
    if len(r.state["tokens"]) < 1 or not r.state["assertions"]:
        fail("no access token came from the JWT bearer grant")
    log("ok: prepare -> the machine type's guestCpus, the image found (by name and by family), "
        "with a token from a signed JWT")
    r.run("prepare", 1, ["outcome: refused", "HTTP 404: notFound",
                         "machineTypes/e2-nonesuch-9' was not found"],
          zone=ZONE, flavor="e2-nonesuch-9", image=FAMILY)
    r.run("prepare", 1, ["outcome: refused", "HTTP 404: notFound", "family/debian-99"],
          zone=ZONE, flavor="e2-standard-2",
          image="projects/debian-cloud/global/images/family/debian-99")
    r.run("prepare", 1, ["outcome: refused", "gce needs a zone"], flavor="e2-standard-2",
          image=FAMILY)
    log("ok: an unknown machine type or image -> refused with Google's reason, one line; "
        "no zone -> refused")


def check_create(r):
    state = r.state
    r.run("create", 0, ["id: osg-fleet-1", "outcome: done"], zone=ZONE, flavor="e2-standard-2",
          image=FAMILY, group=GROUP, name="osg-fleet-1", user_data=USER_DATA)
    body = state["inserted"].get("osg-fleet-1")
    if body is None:
        fail("no instance was inserted")
    items = {i["key"]: i["value"] for i in body["metadata"]["items"]}
    if items.get("user-data") != USER_DATA:
        fail(f"user-data is not the script byte for byte: {items.get('user-data')!r}")
    if items.get("osg-worker-group") != GROUP:
        fail(f"the metadata item osg-worker-group is not the group: {items}")
    label = body["labels"].get("osg-worker-group", "")
    if not LABEL.fullmatch(label) or not label.startswith("osg-fleet-test-1-"):
        fail(f"the label is not a valid value derived from the group: {label!r}")
    if body["serviceAccounts"] != [{"email": "default", "scopes": [gce_server.COMPUTE_SCOPE]}]:
        fail(f"the service account is not default with the compute scope: "
             f"{body['serviceAccounts']}")
    if body["machineType"] != f"zones/{ZONE}/machineTypes/e2-standard-2" or \
            body["disks"][0]["initializeParams"]["sourceImage"] != FAMILY or \
            not body["disks"][0]["autoDelete"] or \
            body["networkInterfaces"] != [{"network": "global/networks/default", "accessConfigs": [
                {"type": "ONE_TO_ONE_NAT", "name": "External NAT"}]}]:
        fail(f"the insert body is not as expected: {json.dumps(body)}")
    ids = list(state["insert_ids"])
    if len(ids) != 1 or not UUID.fullmatch(ids[0]):
        fail(f"the insert's requestId is not one UUID: {ids}")
    log(f"ok: create -> the body as sent: user-data byte for byte, label {label}, the exact group "
        f"in metadata, the default service account; requestId {ids[0]}; the Operation polled to "
        "DONE")

    r.run("create", 0, ["id: osg-fleet-1", "outcome: done"], zone=ZONE, flavor="e2-standard-2",
          image=FAMILY, group=GROUP, name="osg-fleet-1", user_data=USER_DATA)
    if len(state["instances"]) != 1 or list(state["insert_ids"]) != ids:
        fail(f"the same name twice made a second instance or request: {list(state['instances'])}")
    state["insert_ids"].clear()  # Google forgot the requestId: the insert answers 409
    r.run("create", 0, ["id: osg-fleet-1", "exists already"], zone=ZONE, flavor="e2-standard-2",
          image=FAMILY, group=GROUP, name="osg-fleet-1", user_data=USER_DATA)
    r.run("create", 1, ["outcome: refused", "exists outside the group"], zone=ZONE,
          flavor="e2-standard-2", image=FAMILY, group="another group", name="osg-fleet-1",
          user_data=USER_DATA)
    if len(state["instances"]) != 1:
        fail("a repeated create made a second instance")
    log("ok: the same name again -> the same requestId, one instance; a 409 for this group's "
        "instance -> done, for another group's -> refused")

    for mode, code in (("quota", "QUOTA_EXCEEDED"), ("zone-exhausted",
                                                     "ZONE_RESOURCE_POOL_EXHAUSTED")):
        state["mode"] = mode
        r.run("create", 1, ["outcome: refused", code], zone=ZONE, flavor="e2-standard-2",
              image=FAMILY, group=GROUP, name=f"osg-fleet-{mode}", user_data=USER_DATA)
        state["mode"] = ""
    if len(state["instances"]) != 1:
        fail("a failed insert left an instance")
    log("ok: an Operation ending in QUOTA_EXCEEDED or ZONE_RESOURCE_POOL_EXHAUSTED -> refused "
        "with the reason")


def check_list_and_delete(r):
    state = r.state
    r.run("create", 0, ["id: osg-fleet-2"], zone=ZONE, flavor="e2-standard-2", image=FAMILY,
          group=GROUP, name="osg-fleet-2", user_data=USER_DATA)
    r.run("create", 0, ["id: other-1"], zone=ZONE, flavor="e2-standard-2", image=FAMILY,
          group="another group", name="other-1", user_data=USER_DATA)
    # An instance with this group's label whose metadata names another group (a label collision).
    impostor = json.loads(json.dumps(state["instances"]["osg-fleet-2"]))
    impostor["name"] = "impostor-1"
    impostor["metadata"]["items"] = [{"key": "osg-worker-group", "value": GROUP + " (not)"}]
    state["instances"]["impostor-1"] = impostor
    r.set_status("osg-fleet-1", "RUNNING")
    r.set_status("osg-fleet-2", "STAGING")
    seen = r.test_instances()
    if seen["osg-fleet-2"]["status"] != "STAGING":
        fail("the test server's _test paths do not work")
    state["page_size"] = 1
    rows = listed(r.run("list", 0, ["outcome: done"], group=GROUP))
    if set(rows) != {"osg-fleet-1", "osg-fleet-2"} or rows["osg-fleet-1"][0] != "RUNNING" or \
            rows["osg-fleet-2"][0] != "STAGING":
        fail(f"list: {rows}")
    if any(abs(launched - time.time()) > 600 for _, launched in rows.values()):
        fail(f"launched_at is not the creation time (an offset misread?): {rows}")
    log("ok: list -> this group's instances only (label, then the exact group in metadata), "
        "every page, status and creation time")

    r.run("delete", 0, ["outcome: done", "accepted: operation"], id="osg-fleet-1")
    if "osg-fleet-1" in state["instances"] or len(state["fleet_delete_ids"]) != 1 or \
            not UUID.fullmatch(state["fleet_delete_ids"][0]):
        fail(f"delete: {list(state['instances'])}, requestIds {state['fleet_delete_ids']}")
    rows = listed(r.run("list", 0, ["outcome: done"], group=GROUP))
    if set(rows) != {"osg-fleet-2"}:
        fail(f"list after the delete: {rows}")
    r.run("delete", 0, ["outcome: already-gone"], id="osg-fleet-1")
    log("ok: delete (the zone found by name, a requestId) -> done; again -> already-gone")


def check_credentials(r, directory):
    state = r.state
    r.run("list", 2, ["GOOGLE_APPLICATION_CREDENTIALS", "GOOGLE_OAUTH_ACCESS_TOKEN"], env={},
          group=GROUP)
    token = "ya29.static-" + "x" * 40
    state["tokens"].add(token)
    r.run("list", 2, ["no GCE project"], env={"GOOGLE_OAUTH_ACCESS_TOKEN": token}, group=GROUP)
    rows = listed(r.run("list", 0, ["outcome: done"], env={"GOOGLE_OAUTH_ACCESS_TOKEN": token},
                        group=GROUP, project=state["project"]))
    if set(rows) != {"osg-fleet-2"}:
        fail(f"list with an access token: {rows}")
    log("ok: no credential -> both variables named; GOOGLE_OAUTH_ACCESS_TOKEN with --project works")

    # A key the token endpoint does not know (same account, another RSA key): invalid_grant.
    saved = dict(state["service_account"])
    os.mkdir(os.path.join(directory, "other"))
    other = gce_server.make_service_account(state, os.path.join(directory, "other"),
                                            saved["token_uri"])
    state["service_account"] = saved
    with open(other) as f:
        document = json.load(f)
    other_key = document["private_key"]
    document["private_key_id"] = saved["kid"]  # the same key id: only the signature is wrong
    with open(other, "w") as f:
        json.dump(document, f)
    r.run("list", 1, ["outcome: refused", "invalid_grant", "Invalid JWT Signature."],
          env={"GOOGLE_APPLICATION_CREDENTIALS": other}, group=GROUP)
    if other_key.splitlines()[1] in json.dumps(state["assertions"]):
        fail("the private key went to the token endpoint")
    log("ok: a JWT the endpoint cannot verify -> refused (invalid_grant), no secret shown")


def main():
    state = gce_server.new_state()
    _, compute = gce_server.start(state)
    compute_url = f"http://127.0.0.1:{compute.server_port}"
    with tempfile.TemporaryDirectory() as directory:
        key_path = gce_server.make_service_account(state, directory, compute_url + "/token")
        if os.stat(key_path).st_mode & 0o777 != 0o600:
            fail("the key file is not 0600")
        r = Runner(state, compute_url, key_path)
        check_prepare(r)
        check_create(r)
        check_list_and_delete(r)
        check_credentials(r, directory)
    log("PASS")


if __name__ == "__main__":
    main()
