#!/usr/bin/env python3
"""A small GCE metadata server and Compute Engine API, written from Google's published API
reference (the metadata server's computeMetadata/v1 paths; Compute Engine v1 REST: instances.get,
instances.delete and the Operation it returns; Google's JSON error document). No emulator exists.

Metadata: GET /computeMetadata/v1/project/project-id, instance/name, instance/zone
("projects/NUMBER/zones/ZONE") and instance/service-accounts/default/token (JSON access_token,
expires_in, token_type). A request without `Metadata-Flavor: Google` gets 403; every answer
carries the header. Compute: GET and DELETE /compute/v1/projects/P/zones/Z/instances/N with
`Authorization: Bearer TOKEN`, a token this metadata server issued (else 401). A delete answers an
Operation and the instance is gone (GET and DELETE then answer 404); a repeated requestId answers
the first Operation again, as the reference says.

`state` is shared with the test, which changes it between runs. state["mode"] picks a fault:
"401", "403", "404", "429", "500", "503" (instances.delete answers that), "hang" (it answers only
after 10 s, past the client's timeout), "no-flavor" (metadata answers without the header),
"no-service-account" (no token page), "bad-token" (a token page that is not JSON), "bad-zone".
state["status"] is "RUNNING", then "deleted"; state["request_ids"] lists each delete's requestId.

Alone: `gce_server.py ADDRESS STATE_DIR` serves metadata on ADDRESS:8170 and compute on :8171 and
writes STATE_DIR/ready; `gce_server.py --state ADDRESS` prints RUNNING or deleted.
"""

import json
import os
import re
import secrets
import sys
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

METADATA_PORT = 8170
COMPUTE_PORT = 8171
ERRORS = {  # mode -> (HTTP status, reason, message), in the shape of Google's error document
    "401": (401, "authError", "Invalid Credentials"),
    "403": (403, "forbidden", "Required 'compute.instances.delete' permission for '{resource}'"),
    "404": (404, "notFound", "The resource '{resource}' was not found"),
    "429": (429, "rateLimitExceeded", "Quota exceeded for quota metric 'Queries'"),
    "500": (500, "backendError", "Internal error. Please try again or contact Google Support."),
    "503": (503, "backendError", "The service is currently unavailable."),
}


def new_state(project="osg-test-project", number="123456789012", zone="us-central1-a",
              name="osg-worker-1"):
    return {"project": project, "number": number, "zone": zone, "name": name, "mode": "",
            "status": "RUNNING", "tokens": set(), "request_ids": [], "operations": {}}


class _Handler(BaseHTTPRequestHandler):
    state = None

    def log_message(self, *args):  # quiet: the test prints what matters
        pass

    def reply(self, status, body, content_type="application/json", flavor=False):
        data = (body if isinstance(body, str) else json.dumps(body)).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        if flavor:
            self.send_header("Metadata-Flavor", "Google")
        self.end_headers()
        self.wfile.write(data)


class MetadataHandler(_Handler):
    def do_GET(self):
        state = self.state
        flavor = state["mode"] != "no-flavor"
        if self.headers.get("Metadata-Flavor") != "Google":
            return self.reply(403, "Missing Metadata-Flavor:Google header.", "text/html", flavor)
        prefix = "/computeMetadata/v1/"
        path = urlsplit(self.path).path
        zone = f"projects/{state['number']}/zones/{state['zone']}"
        pages = {
            "project/project-id": state["project"],
            "instance/name": state["name"],
            "instance/zone": zone if state["mode"] != "bad-zone" else state["zone"],
        }
        if state["mode"] == "bad-token":
            pages["instance/service-accounts/default/token"] = "access_token=ya29.not-json"
        elif state["mode"] != "no-service-account":
            token = "ya29." + secrets.token_urlsafe(48)
            state["tokens"].add(token)
            pages["instance/service-accounts/default/token"] = json.dumps(
                {"access_token": token, "expires_in": 3599, "token_type": "Bearer"})
        page = pages.get(path[len(prefix):]) if path.startswith(prefix) else None
        if page is None:
            return self.reply(404, "Not Found", "text/html", flavor)
        content_type = "application/json" if page.startswith("{") else "application/text"
        self.reply(200, page, content_type, flavor)


class ComputeHandler(_Handler):
    def error(self, status, reason, message):
        self.reply(status, {"error": {"code": status, "message": message, "errors": [
            {"message": message, "domain": "global", "reason": reason}]}})

    def authorized(self):
        """Whether the request carries a token the metadata server issued; else answers 401."""
        auth = self.headers.get("Authorization", "")
        if auth.startswith("Bearer ") and auth[7:] in self.state["tokens"] \
                and self.state["mode"] != "401":
            return True
        self.error(*ERRORS["401"])
        return False

    def target(self):
        """The resource name of the instance the path names, or None after answering 404."""
        state = self.state
        m = re.fullmatch(r"/compute/v1/projects/([^/]+)/zones/([^/]+)/instances/([^/]+)",
                         urlsplit(self.path).path)
        resource = "projects/{}/zones/{}/instances/{}".format(*m.groups()) if m else self.path
        if not m or m.groups() != (state["project"], state["zone"], state["name"]) \
                or state["status"] == "deleted" or state["mode"] == "404":
            status, reason, message = ERRORS["404"]
            self.error(status, reason, message.format(resource=resource))
            return None
        return resource

    def do_GET(self):
        resource = self.authorized() and self.target()
        if resource:
            self.reply(200, {"kind": "compute#instance", "name": self.state["name"],
                             "status": self.state["status"], "selfLink": self.link(resource)})

    def link(self, resource):
        return "https://www.googleapis.com/compute/v1/" + resource

    def do_DELETE(self):
        state = self.state
        if state["mode"] == "hang":
            time.sleep(10)
            return self.error(*ERRORS["503"])
        if not self.authorized():
            return
        request_id = parse_qs(urlsplit(self.path).query).get("requestId", [""])[0]
        if request_id in state["operations"]:  # the same request again: the same Operation
            return self.reply(200, state["operations"][request_id])
        resource = self.target()
        if not resource:
            return
        if state["mode"] in ERRORS:
            status, reason, message = ERRORS[state["mode"]]
            return self.error(status, reason, message.format(resource=resource))
        now = time.strftime("%Y-%m-%dT%H:%M:%S.000-00:00", time.gmtime())
        zone = f"projects/{state['project']}/zones/{state['zone']}"
        name = f"operation-{int(time.time() * 1000)}-{secrets.token_hex(6)}"
        operation = {
            "kind": "compute#operation", "id": str(secrets.randbits(63)), "name": name,
            "zone": self.link(zone), "operationType": "delete",
            "targetLink": self.link(resource), "targetId": "4567890123456789012",
            "status": "RUNNING", "user": "worker@osg-test-project.iam.gserviceaccount.com",
            "progress": 0, "insertTime": now, "startTime": now,
            "selfLink": self.link(f"{zone}/operations/{name}"),
        }
        state["status"] = "deleted"
        state["request_ids"].append(request_id)
        if request_id:
            state["operations"][request_id] = operation
        self.reply(200, operation)


def _serve(handler, state, host, port):
    server = ThreadingHTTPServer((host, port), type("H", (handler,), {"state": state}))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def start(state, host="127.0.0.1", metadata_port=0, compute_port=0):
    """Serves `state` in threads (free loopback ports by default); returns (metadata, compute)."""
    return (_serve(MetadataHandler, state, host, metadata_port),
            _serve(ComputeHandler, state, host, compute_port))


def instance_status(metadata_url, compute_url):
    """RUNNING or deleted, asked as a client would: a token from the metadata server, then GET."""
    def get(url, headers):
        return urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=5)
    flavor = {"Metadata-Flavor": "Google"}
    base = metadata_url + "/computeMetadata/v1/"
    project = get(base + "project/project-id", flavor).read().decode()
    zone = get(base + "instance/zone", flavor).read().decode().rsplit("/", 1)[-1]
    name = get(base + "instance/name", flavor).read().decode()
    token = json.loads(get(base + "instance/service-accounts/default/token", flavor).read())
    url = f"{compute_url}/compute/v1/projects/{project}/zones/{zone}/instances/{name}"
    try:
        answer = get(url, {"Authorization": "Bearer " + token["access_token"]})
        return json.loads(answer.read())["status"]
    except urllib.error.HTTPError as e:
        if e.code == 404:
            return "deleted"
        raise


def main():
    if sys.argv[1] == "--state":
        host = sys.argv[2]
        print(instance_status(f"http://{host}:{METADATA_PORT}", f"http://{host}:{COMPUTE_PORT}"))
        return
    host, state_dir = sys.argv[1], sys.argv[2]
    start(new_state(), host, METADATA_PORT, COMPUTE_PORT)
    os.makedirs(state_dir, exist_ok=True)
    with open(os.path.join(state_dir, "ready"), "w") as f:
        f.write(f"http://{host}:{METADATA_PORT} http://{host}:{COMPUTE_PORT}\n")
    threading.Event().wait()


if __name__ == "__main__":
    main()
