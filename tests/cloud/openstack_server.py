#!/usr/bin/env python3
"""A small OpenStack for tests: Keystone v3 tokens, Nova's server delete and shelve, and the
metadata service's meta_data.json, written from OpenStack's published API references (Identity
v3 "Password/application credential authentication", Compute "Delete Server" and "Shelve Server
(shelve Action)", and the metadata service's /openstack/latest/meta_data.json). No emulator of
these APIs is packaged, so this stands in; it is no copy of any OpenStack code.

One HTTP server answers all of it:
  POST /identity/v3/auth/tokens    application credential method only; 201, the token in the
                                   X-Subject-Token header, the catalog in the body; 401 otherwise
  DELETE /compute/v2.1/servers/ID  204, 404 (unknown or deleted), 409 (locked), 401 (bad token)
  POST /compute/v2.1/servers/ID/action {"shelve": null}   202; 409 when shelved already
  GET /openstack/latest/meta_data.json   {"uuid": ID, ...}
The catalog also lists an internal compute endpoint and a second region that lead to a 400, so a
client that picks the wrong endpoint fails loudly.

Faults, set per operation (keystone, delete, shelve, metadata) by POST /_test/mode with a JSON
object such as {"delete": "403"}: a status code to answer instead ("401", "403", "404", "409",
"500", "503", "429"), "hang" (answer after HANG_SECONDS, beyond the client's timeout), or
"CODE*N" (answer CODE N times, then behave). {"locked": true} locks the server (409 for delete and
shelve, as Nova does for a non-admin); {"status": "ACTIVE"} sets the server's state. GET /_test/state gives the servers' states and the
requests seen (method, path; never a header or a body).

Command line, for the e2e tests (run on the central manager):
  openstack_server.py serve ADDRESS PORT STATE_DIR   writes STATE_DIR/server-id and
      STATE_DIR/credential (id and secret, two lines, mode 0600) once ready
  openstack_server.py state URL [ID]     prints the server's state (ACTIVE, DELETED, ...)
  openstack_server.py mode URL JSON      sets faults
"""

import json
import os
import re
import secrets
import sys
import threading
import time
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HANG_SECONDS = 15
REGION = "RegionOne"


class Cloud:
    def __init__(self, base_url):
        self.base_url = base_url
        self.credential_id = secrets.token_hex(16)
        self.credential_secret = secrets.token_urlsafe(24)
        self.server_id = str(uuid.uuid4())
        self.servers = {self.server_id: {"status": "ACTIVE", "locked": False}}
        self.tokens = set()
        self.modes = {}
        self.requests = []
        self.lock = threading.Lock()

    def fault(self, operation):
        """The fault to play for `operation` now ("" for none), counting down "CODE*N"."""
        with self.lock:
            mode = self.modes.get(operation, "")
            match = re.fullmatch(r"(\w+)\*(\d+)", mode)
            if not match:
                return mode
            left = int(match.group(2))
            if left <= 0:
                return ""
            self.modes[operation] = f"{match.group(1)}*{left - 1}"
            return match.group(1)

    def catalog(self):
        compute = self.base_url + "/compute/v2.1"
        return [
            {"type": "identity", "name": "keystone", "id": "k1", "endpoints": [
                {"id": "e1", "interface": "public", "region": REGION, "region_id": REGION,
                 "url": self.base_url + "/identity/v3"}]},
            {"type": "compute", "name": "nova", "id": "n1", "endpoints": [
                {"id": "e2", "interface": "internal", "region": REGION, "region_id": REGION,
                 "url": self.base_url + "/wrong-endpoint/internal"},
                {"id": "e3", "interface": "public", "region": REGION, "region_id": REGION,
                 "url": compute},
                {"id": "e4", "interface": "public", "region": "RegionTwo",
                 "region_id": "RegionTwo", "url": self.base_url + "/wrong-endpoint/region-two"}]},
        ]


FAULTS = {
    400: ("badRequest", "Bad request"),
    401: ("unauthorized", "The request you have made requires authentication."),
    403: ("forbidden", "Policy doesn't allow os_compute_api:servers:delete to be performed."),
    404: ("itemNotFound", "Instance could not be found."),
    409: ("conflictingRequest", "Instance is locked"),
    429: ("overLimit", "Rate limit exceeded"),
    500: ("computeFault", "Unexpected API Error."),
    503: ("serviceUnavailable", "Service unavailable"),
}


def make_handler(cloud):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):  # quiet: the tests print what matters
            pass

        def reply(self, status, body=None, headers=()):
            data = b"" if body is None else json.dumps(body).encode()
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            if data:
                self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def nova_fault(self, status, message=None):
            kind, text = FAULTS.get(status, ("computeFault", "error"))
            self.reply(status, {kind: {"code": status, "message": message or text}})

        def keystone_error(self, status, title, message):
            self.reply(status, {"error": {"code": status, "title": title, "message": message}})

        def body(self):
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                return json.loads(raw or b"null")
            except ValueError:
                return None

        def record(self):
            with cloud.lock:
                cloud.requests.append({"method": self.command, "path": self.path})

        def play_fault(self, operation, nova=True):
            """Answers with the configured fault; True when it did."""
            fault = cloud.fault(operation)
            if not fault:
                return False
            if fault == "hang":
                time.sleep(HANG_SECONDS)
                fault = "503"
            status = int(fault)
            if nova:
                self.nova_fault(status)
            else:
                self.keystone_error(status, FAULTS.get(status, ("Error", ""))[0],
                                    FAULTS.get(status, ("", "error"))[1])
            return True

        def do_GET(self):
            self.record()
            if self.path == "/_test/state":
                with cloud.lock:
                    return self.reply(200, {"servers": cloud.servers, "modes": cloud.modes,
                                            "requests": cloud.requests})
            if self.path == "/openstack/latest/meta_data.json":
                if self.play_fault("metadata"):
                    return
                return self.reply(200, {"uuid": cloud.server_id, "name": "w1",
                                        "availability_zone": "nova", "project_id": "p1",
                                        "launch_index": 0, "meta": {}})
            self.nova_fault(404)

        def do_POST(self):
            self.record()
            body = self.body()
            if self.path == "/_test/mode":
                with cloud.lock:
                    for key, value in (body or {}).items():
                        if key == "locked":
                            cloud.servers[cloud.server_id]["locked"] = bool(value)
                        elif key == "status":
                            cloud.servers[cloud.server_id]["status"] = str(value)
                        else:
                            cloud.modes[key] = str(value)
                return self.reply(200, {"modes": cloud.modes})
            if self.path == "/identity/v3/auth/tokens":
                return self.issue_token(body)
            match = re.fullmatch(r"/compute/v2\.1/servers/([^/]+)/action", self.path)
            if match:
                return self.shelve(match.group(1), body)
            self.nova_fault(400, "wrong endpoint: " + self.path)

        def do_DELETE(self):
            self.record()
            match = re.fullmatch(r"/compute/v2\.1/servers/([^/]+)", self.path)
            if not match:
                return self.nova_fault(400, "wrong endpoint: " + self.path)
            if not self.authorized() or self.play_fault("delete"):
                return
            with cloud.lock:
                server = cloud.servers.get(match.group(1))
                if server is None or server["status"] == "DELETED":
                    return self.nova_fault(404, f"Instance {match.group(1)} could not be found.")
                if server["locked"]:
                    return self.nova_fault(409, f"Instance {match.group(1)} is locked")
                server["status"] = "DELETED"
            self.reply(204)

        def shelve(self, server_id, body):
            if not self.authorized():
                return
            if not isinstance(body, dict) or "shelve" not in body or body["shelve"] is not None:
                return self.nova_fault(400, "expected {\"shelve\": null}")
            if self.play_fault("shelve"):
                return
            with cloud.lock:
                server = cloud.servers.get(server_id)
                if server is None or server["status"] == "DELETED":
                    return self.nova_fault(404, f"Instance {server_id} could not be found.")
                if server["locked"]:
                    return self.nova_fault(409, f"Instance {server_id} is locked")
                if server["status"].startswith("SHELVED"):
                    return self.nova_fault(
                        409, f"Cannot 'shelve' instance {server_id} while it is in vm_state "
                             f"{server['status'].lower()}")
                # A boot-from-volume server (or shelved_offload_time = 0) is offloaded at once.
                server["status"] = "SHELVED_OFFLOADED"
            self.reply(202)

        def authorized(self):
            if self.headers.get("X-Auth-Token") not in cloud.tokens:
                self.nova_fault(401)
                return False
            return True

        def issue_token(self, body):
            if self.play_fault("keystone", nova=False):
                return
            try:
                identity = body["auth"]["identity"]
                methods = identity["methods"]
                credential = identity["application_credential"]
            except (KeyError, TypeError):
                return self.keystone_error(400, "Bad Request", "Expecting an auth identity")
            if methods != ["application_credential"] or \
                    credential.get("id") != cloud.credential_id or \
                    credential.get("secret") != cloud.credential_secret:
                return self.keystone_error(401, "Unauthorized", "The request you have made "
                                                                "requires authentication.")
            token = "gAAAAA" + secrets.token_urlsafe(32)
            with cloud.lock:
                cloud.tokens.add(token)
            self.reply(201, {"token": {
                "methods": ["application_credential"], "expires_at": "2099-01-01T00:00:00Z",
                "project": {"id": "p1", "name": "osg", "domain": {"id": "default"}},
                "application_credential": {"id": cloud.credential_id, "restricted": True},
                "catalog": cloud.catalog()}}, headers=[("X-Subject-Token", token)])

    return Handler


def start(host="127.0.0.1", port=0):
    """Serves a fresh cloud in a thread; returns (cloud, server)."""
    server = ThreadingHTTPServer((host, port), None)
    server.daemon_threads = True
    cloud = Cloud(f"http://{host}:{server.server_port}")
    server.RequestHandlerClass = make_handler(cloud)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return cloud, server


def request(url, method="GET", body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=5) as r:
        return json.loads(r.read())


def main(argv):
    if argv[1] == "serve":
        address, port, state_dir = argv[2], int(argv[3]), argv[4]
        cloud, server = start(address, port)
        os.makedirs(state_dir, exist_ok=True)
        path = os.path.join(state_dir, "credential")
        fd = os.open(path + ".tmp", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(f"{cloud.credential_id}\n{cloud.credential_secret}\n")
        os.rename(path + ".tmp", path)
        with open(os.path.join(state_dir, "server-id.tmp"), "w") as f:
            f.write(cloud.server_id)
        os.rename(os.path.join(state_dir, "server-id.tmp"), os.path.join(state_dir, "server-id"))
        threading.Event().wait()
    elif argv[1] == "state":
        state = request(argv[2] + "/_test/state")
        server_id = argv[3] if len(argv) > 3 else next(iter(state["servers"]))
        print(state["servers"][server_id]["status"])
    elif argv[1] == "mode":
        request(argv[2] + "/_test/mode", "POST", json.loads(argv[3]))
    else:
        sys.exit("usage: openstack_server.py serve|state|mode ...")


if __name__ == "__main__":
    main(sys.argv)
