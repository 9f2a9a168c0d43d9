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
For `osg-worker launch` and `scale` (Compute "Create Server", "List Servers Detailed", "Show
Server Details", "List Flavors With Details"; Image v2 "List images" and "Show image"; Networking
v2.0 "List networks"):
  GET /compute/v2.1/flavors/detail             m3.tiny (1 vCPU), m3.small (2), m3.quad (4)
  POST /compute/v2.1/servers                   202; 400 without networks (microversion 2.37+,
      asked for with the OpenStack-API-Version header), for an unknown flavorRef or imageRef, or
      user_data that is not base64 or over 65535 bytes; 403 over the quota (QUOTA servers)
  GET /compute/v2.1/servers/detail[?name=RE]   the project's servers, not the deleted ones
  GET /compute/v2.1/servers/ID                 one server
  GET /image/v2/images[?name=N], /image/v2/images/ID    one image, Featured-Debian13
  GET /network/v2.0/networks[?name=N]          one network, auto_allocated_network
Booting: with `--boot CMD`, a created server is booted by running `CMD HOSTNAME USER_DATA_FILE`
(one at a time), whose last output line is the instance's address on the pool's network: the
metadata service then answers that address with that server's meta_data.json, as a real one
answers each VM. A deleted server is stopped with `--stop CMD HOSTNAME`. The e2e tests use
tests/cloud/boot_worker.sh, which starts a real worker of the local pool from the user-data.
The catalog also lists an internal compute endpoint and a second region that lead to a 400, so a
client that picks the wrong endpoint fails loudly.
{"server_status": {"ID": "SHUTOFF"}} sets one server's state; {"create": "403"} fails creates.

Faults, set per operation (keystone, delete, shelve, metadata) by POST /_test/mode with a JSON
object such as {"delete": "403"}: a status code to answer instead ("401", "403", "404", "409",
"500", "503", "429"), "hang" (answer after HANG_SECONDS, beyond the client's timeout), or
"CODE*N" (answer CODE N times, then behave). {"locked": true} locks the server (409 for delete and
shelve, as Nova does for a non-admin); {"status": "ACTIVE"} sets the server's state. GET /_test/state gives the servers' states and the
requests seen (method, path; never a header or a body).

Command line, for the e2e tests (run on the central manager):
  openstack_server.py serve ADDRESS PORT STATE_DIR [--boot CMD] [--stop CMD] [--quota N]
      writes STATE_DIR/server-id and STATE_DIR/credential (id and secret, two lines, mode 0600)
      once ready
  openstack_server.py state URL [ID]     prints the server's state (ACTIVE, DELETED, ...)
  openstack_server.py mode URL JSON      sets faults
"""

import base64
import binascii
import json
import os
import re
import secrets
import shlex
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HANG_SECONDS = 15
REGION = "RegionOne"
FLAVORS = [{"id": "1", "name": "m3.tiny", "vcpus": 1, "ram": 3072, "disk": 20},
           {"id": "2", "name": "m3.small", "vcpus": 2, "ram": 6144, "disk": 20},
           {"id": "3", "name": "m3.quad", "vcpus": 4, "ram": 15360, "disk": 20}]
IMAGE = {"id": "5f7b4f3e-1d2c-4b6a-9e8f-0a1b2c3d4e5f", "name": "Featured-Debian13",
         "status": "active"}
NETWORK = {"id": "9d1c6a2e-3b4f-4e5d-8c7b-6a5f4e3d2c1b", "name": "auto_allocated_network",
           "status": "ACTIVE"}
MAX_USER_DATA = 65535  # Nova: user_data after base64, at most 64 KiB


class Cloud:
    def __init__(self, base_url, boot=None, stop=None, quota=10, state_dir="/tmp"):
        self.base_url = base_url
        self.credential_id = secrets.token_hex(16)
        self.credential_secret = secrets.token_urlsafe(24)
        self.server_id = str(uuid.uuid4())
        self.servers = {self.server_id: {"status": "ACTIVE", "locked": False, "name": "w1",
                                         "metadata": {}, "created": now_text()}}
        self.tokens = set()
        self.modes = {}
        self.requests = []
        self.lock = threading.Lock()
        self.boot, self.stop, self.quota, self.state_dir = boot, stop, quota, state_dir
        self.by_address = {}  # a booted server's address -> its id (the metadata service's view)
        self.boot_lock = threading.Lock()  # one boot at a time: the pool hands out addresses
        self.booted = 0

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
            {"type": "image", "name": "glance", "id": "g1", "endpoints": [
                {"id": "e5", "interface": "public", "region": REGION, "region_id": REGION,
                 "url": self.base_url + "/image"}]},
            {"type": "network", "name": "neutron", "id": "q1", "endpoints": [
                {"id": "e6", "interface": "public", "region": REGION, "region_id": REGION,
                 "url": self.base_url + "/network"}]},
            {"type": "compute", "name": "nova", "id": "n1", "endpoints": [
                {"id": "e2", "interface": "internal", "region": REGION, "region_id": REGION,
                 "url": self.base_url + "/wrong-endpoint/internal"},
                {"id": "e3", "interface": "public", "region": REGION, "region_id": REGION,
                 "url": compute},
                {"id": "e4", "interface": "public", "region": "RegionTwo",
                 "region_id": "RegionTwo", "url": self.base_url + "/wrong-endpoint/region-two"}]},
        ]


def now_text():
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def server_view(server_id, server):
    return {"id": server_id, "name": server.get("name", ""), "status": server["status"],
            "created": server.get("created", ""), "metadata": server.get("metadata", {}),
            "OS-EXT-SRV-ATTR:hostname": server.get("hostname", ""), "locked": server["locked"]}


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
                server_id = self.caller_server()
                with cloud.lock:
                    server = cloud.servers.get(server_id, {})
                return self.reply(200, {"uuid": server_id, "name": server.get("name", "w1"),
                                        "availability_zone": "nova", "project_id": "p1",
                                        "launch_index": 0, "meta": server.get("metadata", {})})
            url = urllib.parse.urlsplit(self.path)
            query = urllib.parse.parse_qs(url.query)
            if url.path.startswith(("/compute/", "/image/", "/network/")) and \
                    not self.authorized():
                return
            if url.path == "/compute/v2.1/flavors/detail":
                return self.reply(200, {"flavors": FLAVORS})
            if url.path == "/compute/v2.1/servers/detail":
                return self.list_servers(query.get("name", [""])[0])
            match = re.fullmatch(r"/compute/v2\.1/servers/([^/]+)", url.path)
            if match:
                with cloud.lock:
                    server = cloud.servers.get(match.group(1))
                    if server and server["status"] != "DELETED":
                        return self.reply(200, {"server": server_view(match.group(1), server)})
                return self.nova_fault(404, f"Instance {match.group(1)} could not be found.")
            if url.path == "/image/v2/images":
                wanted = query.get("name", [None])[0]
                return self.reply(200, {"images": [IMAGE] if wanted in (None, IMAGE["name"])
                                        else []})
            if url.path == "/image/v2/images/" + IMAGE["id"]:
                return self.reply(200, IMAGE)
            if url.path == "/network/v2.0/networks":
                wanted = query.get("name", [None])[0]
                return self.reply(200, {"networks": [NETWORK] if wanted in (None, NETWORK["name"])
                                        else []})
            self.nova_fault(404)

        def caller_server(self):
            """The server whose address asks (a booted one: wait for its boot to say its
            address), else the first server, as before launches existed."""
            for _ in range(100):
                with cloud.lock:
                    server_id = cloud.by_address.get(self.client_address[0])
                    booting = any(s["status"] == "BUILD" for s in cloud.servers.values())
                if server_id or not booting:
                    break
                time.sleep(0.1)
            return server_id or cloud.server_id

        def list_servers(self, name_filter):
            pattern = re.compile(name_filter) if name_filter else None
            with cloud.lock:
                servers = [server_view(i, s) for i, s in cloud.servers.items()
                           if s["status"] != "DELETED" and
                           (pattern is None or pattern.search(s.get("name", "")))]
            self.reply(200, {"servers": servers})

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
                        elif key == "server_status":
                            for server_id, status in value.items():
                                cloud.servers[server_id]["status"] = str(status)
                        else:
                            cloud.modes[key] = str(value)
                return self.reply(200, {"modes": cloud.modes})
            if self.path == "/identity/v3/auth/tokens":
                return self.issue_token(body)
            if self.path == "/compute/v2.1/servers":
                return self.create_server(body)
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
                hostname = server.get("hostname")
            self.reply(204)
            if hostname and cloud.stop:
                threading.Thread(target=run_quietly, args=(cloud.stop + [hostname],),
                                 daemon=True).start()

        def create_server(self, body):
            if not self.authorized():
                return
            version = self.headers.get("OpenStack-API-Version", "")
            match = re.fullmatch(r"compute (\d+)\.(\d+)", version.strip())
            if not match or (int(match.group(1)), int(match.group(2))) < (2, 37):
                return self.nova_fault(400, "this test cloud speaks compute 2.37 and later: "
                                            "send OpenStack-API-Version: compute 2.37")
            server = (body or {}).get("server") if isinstance(body, dict) else None
            if not isinstance(server, dict) or not server.get("name"):
                return self.nova_fault(400, "Invalid input for field/attribute server.")
            if "networks" not in server:
                return self.nova_fault(400, "Invalid input for field/attribute server. Value: "
                                            "'networks' is a required property")
            if not any(f["id"] == server.get("flavorRef") for f in FLAVORS):
                return self.nova_fault(400, f"Flavor {server.get('flavorRef')} could not be "
                                            "found.")
            if server.get("imageRef") != IMAGE["id"]:
                return self.nova_fault(400, f"Image {server.get('imageRef')} could not be found.")
            user_data = server.get("user_data", "")
            try:
                script = base64.b64decode(user_data, validate=True)
            except (binascii.Error, ValueError):
                return self.nova_fault(400, "User data needs to be valid base 64.")
            if len(user_data) > MAX_USER_DATA:
                return self.nova_fault(400, "User data too large.")
            if self.play_fault("create"):
                return
            with cloud.lock:
                live = sum(1 for i, s in cloud.servers.items()
                           if s["status"] != "DELETED" and i != cloud.server_id)
                if live >= cloud.quota:
                    return self.nova_fault(403, "Quota exceeded for instances: Requested 1, but "
                                                f"already used {live} of {cloud.quota} instances")
                server_id = str(uuid.uuid4())
                cloud.booted += 1
                record = {"status": "BUILD", "locked": False, "name": server["name"],
                          "metadata": server.get("metadata", {}), "created": now_text(),
                          "hostname": f"s{cloud.booted}"}
                cloud.servers[server_id] = record
            self.reply(202, {"server": {"id": server_id, "links": [],
                                        "security_groups": [{"name": "default"}]}})
            threading.Thread(target=boot, args=(cloud, server_id, script), daemon=True).start()

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


def run_quietly(argv):
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)


def boot(cloud, server_id, script):
    """Boots a created server: with --boot, the boot command starts it from its user-data and
    prints its address; ACTIVE once up, ERROR if it could not start. Without, ACTIVE at once."""
    with cloud.lock:
        hostname = cloud.servers[server_id]["hostname"]
    if not cloud.boot:
        with cloud.lock:
            cloud.servers[server_id]["status"] = "ACTIVE"
        return
    path = os.path.join(cloud.state_dir, f"user-data-{server_id}")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(script)
    with cloud.boot_lock:
        # As in Nova, deleting a server still in BUILD cancels its boot: a launch that failed
        # part-way deletes servers that are still queued here, whose workers must never run.
        with cloud.lock:
            cancelled = cloud.servers[server_id]["status"] == "DELETED"
        done = None if cancelled else subprocess.run(cloud.boot + [hostname, path],
                                                     capture_output=True, text=True, check=False)
    os.unlink(path)  # it holds the token: the booted instance has its own copy now
    if done is None:
        return
    lines = done.stdout.split()
    with cloud.lock:
        server = cloud.servers[server_id]
        if server["status"] != "DELETED":
            if done.returncode == 0 and lines:
                cloud.by_address[lines[-1]] = server_id
                if server["status"] == "BUILD":
                    server["status"] = "ACTIVE"
            else:
                server["status"] = "ERROR"
                print(f"boot of {hostname} failed: {done.stderr.strip()[-500:]}",
                      file=sys.stderr, flush=True)
            return
    # Deleted during its boot: the delete's stop found no instance yet, so stop it now.
    if cloud.stop:
        run_quietly(cloud.stop + [hostname])


def start(host="127.0.0.1", port=0, boot_cmd=None, stop_cmd=None, quota=10, state_dir="/tmp"):
    """Serves a fresh cloud in a thread; returns (cloud, server)."""
    server = ThreadingHTTPServer((host, port), None)
    server.daemon_threads = True
    cloud = Cloud(f"http://{host}:{server.server_port}", boot_cmd, stop_cmd, quota, state_dir)
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
        options = dict(zip(argv[5::2], argv[6::2]))
        os.makedirs(state_dir, exist_ok=True)
        cloud, server = start(address, port,
                              shlex.split(options["--boot"]) if "--boot" in options else None,
                              shlex.split(options["--stop"]) if "--stop" in options else None,
                              int(options.get("--quota", 10)), state_dir)
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
    elif argv[1] == "servers":  # every server but the first: ID NAME STATUS HOSTNAME
        state = request(argv[2] + "/_test/state")
        for server_id, server in list(state["servers"].items())[1:]:
            print(server_id, server["name"], server["status"], server.get("hostname", ""))
    elif argv[1] == "mode":
        request(argv[2] + "/_test/mode", "POST", json.loads(argv[3]))
    else:
        sys.exit("usage: openstack_server.py serve|state|servers|mode ...")


if __name__ == "__main__":
    main(sys.argv)
