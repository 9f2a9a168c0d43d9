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

The owner's side (the fleet client, src/gce_fleet.cc), from the same reference and Google's "Using
OAuth 2.0 for server to server applications": POST /token is the OAuth token endpoint of the JWT
bearer grant (RFC 7523): it checks the assertion's RS256 signature against the public key of the
test service account (make_service_account, `openssl dgst -verify` in a subprocess), its iss, aud,
scope, iat and exp, and issues an access token (else 400 invalid_grant). With such a token:
machineTypes.get (MACHINE_TYPES, guestCpus), images.get and images.getFromFamily (IMAGES),
instances.insert (the requestId idempotent: the same Operation again; the same name from another
request: 409 alreadyExists), instances.get, instances.delete, instances.aggregatedList with the
filters `labels.KEY = "VALUE"` and `name = "NAME"` (state["page_size"] a page, nextPageToken), and
zoneOperations.get (an insert's Operation is RUNNING until first polled, then DONE). Faults:
state["mode"] "quota" (the insert's Operation ends with QUOTA_EXCEEDED, no instance) and
"zone-exhausted" (ZONE_RESOURCE_POOL_EXHAUSTED). The fleet's instances are state["instances"]
(name -> the instance resource; state["inserted"][name] is the insert's body as sent); over HTTP,
GET /_test/instances lists them and POST /_test/status {"name", "status"} sets one's status.

Alone: `gce_server.py ADDRESS STATE_DIR` serves metadata on ADDRESS:8170 and compute on :8171 and
writes STATE_DIR/ready; `gce_server.py --state ADDRESS` prints RUNNING or deleted.
"""

import base64
import json
import os
import re
import secrets
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, quote, urlsplit

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

MACHINE_TYPES = {"e2-standard-2": 2, "e2-standard-4": 4, "n2-standard-8": 8}  # name -> guestCpus
IMAGES = [  # (project, name, family)
    ("debian-cloud", "debian-12-bookworm-v20240515", "debian-12"),
    ("osg-test-project", "osg-worker-image-1", "osg-worker"),
]
COMPUTE_SCOPE = "https://www.googleapis.com/auth/compute"
OPERATION_ERRORS = {  # mode -> the insert Operation's error (code, message)
    "quota": ("QUOTA_EXCEEDED", "Quota 'CPUS' exceeded.  Limit: 24.0 in region us-central1."),
    "zone-exhausted": ("ZONE_RESOURCE_POOL_EXHAUSTED",
                       "The zone 'projects/osg-test-project/zones/us-central1-a' does not have "
                       "enough resources available to fulfill the request."),
}


def new_state(project="osg-test-project", number="123456789012", zone="us-central1-a",
              name="osg-worker-1"):
    return {"project": project, "number": number, "zone": zone, "name": name, "mode": "",
            "status": "RUNNING", "tokens": set(), "request_ids": [], "operations": {},
            # the owner's side: the fleet's instances and what made them
            "instances": {}, "inserted": {}, "insert_ids": {}, "fleet_delete_ids": [],
            "zone_operations": {},
            "assertions": [], "page_size": 500, "service_account": None, "lock": threading.Lock()}


def make_service_account(state, directory, token_uri, email="fleet@osg-test-project.iam"
                         ".gserviceaccount.com"):
    """A service account key file (mode 0600) for the token endpoint at `token_uri`, its RSA key
    made by `openssl genpkey`; the endpoint then accepts JWTs this key signed. Returns its path."""
    key_pem = os.path.join(directory, "sa-key.pem")
    pub_pem = os.path.join(directory, "sa-pub.pem")
    subprocess.run(["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048",
                    "-out", key_pem], check=True, capture_output=True)
    subprocess.run(["openssl", "pkey", "-in", key_pem, "-pubout", "-out", pub_pem], check=True,
                   capture_output=True)
    with open(key_pem) as f:
        private_key = f.read()
    kid = secrets.token_hex(20)
    state["service_account"] = {"email": email, "kid": kid, "public_key": pub_pem,
                                "token_uri": token_uri}
    path = os.path.join(directory, "sa.json")
    document = {"type": "service_account", "project_id": state["project"],
                "private_key_id": kid, "private_key": private_key, "client_email": email,
                "client_id": "100000000000000000001", "token_uri": token_uri}
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(document, f)
    return path


def _b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def check_assertion(state, jwt):
    """'' when `jwt` is a valid grant assertion of the test service account, else why not."""
    account = state["service_account"]
    parts = jwt.split(".")
    if account is None or len(parts) != 3:
        return "not a JWT"
    try:
        header, claims = (json.loads(_b64url_decode(p)) for p in parts[:2])
        signature = _b64url_decode(parts[2])
    except ValueError:
        return "not a JWT"
    if header != {"alg": "RS256", "typ": "JWT", "kid": account["kid"]}:
        return "Invalid JWT header"
    with tempfile.TemporaryDirectory() as tmp:
        signed, sig = os.path.join(tmp, "signed"), os.path.join(tmp, "sig")
        with open(signed, "w") as f:
            f.write(parts[0] + "." + parts[1])
        with open(sig, "wb") as f:
            f.write(signature)
        verified = subprocess.run(["openssl", "dgst", "-sha256", "-verify", account["public_key"],
                                   "-signature", sig, signed], capture_output=True)
    if verified.returncode != 0:
        return "Invalid JWT Signature."
    now = time.time()
    iat, exp = claims.get("iat"), claims.get("exp")
    if claims.get("iss") != account["email"] or claims.get("aud") != account["token_uri"]:
        return "Invalid JWT: iss or aud"
    if COMPUTE_SCOPE not in str(claims.get("scope", "")).split():
        return "Invalid JWT: no compute scope"
    if not isinstance(iat, int) or not isinstance(exp, int) or exp - iat > 3600 \
            or iat > now + 300 or exp < now:
        return "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable " \
               "timeframe."
    return ""


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
        path = urlsplit(self.path).path
        if path == "/_test/instances":
            return self.reply(200, self.state["instances"])
        if self.fleet_route("GET", path):
            return
        resource = self.authorized() and self.target()
        if resource:
            self.reply(200, {"kind": "compute#instance", "name": self.state["name"],
                             "status": self.state["status"], "selfLink": self.link(resource)})

    def link(self, resource):
        return "https://www.googleapis.com/compute/v1/" + resource

    def do_DELETE(self):
        state = self.state
        if self.fleet_route("DELETE", urlsplit(self.path).path):
            return
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

    # The owner's side: the token endpoint, and the fleet's resources (module docstring).

    def do_POST(self):
        path = urlsplit(self.path).path
        length = int(self.headers.get("Content-Length", "0"))
        self.body = self.rfile.read(length).decode() if length else ""
        if path == "/token":
            return self.token()
        if path == "/_test/status":
            change = json.loads(self.body)
            self.state["instances"][change["name"]]["status"] = change["status"]
            return self.reply(200, {})
        if not self.fleet_route("POST", path):
            self.error(404, "notFound", f"The resource '{path}' was not found")

    def token(self):
        form = parse_qs(self.body)
        if form.get("grant_type") != ["urn:ietf:params:oauth:grant-type:jwt-bearer"]:
            return self.reply(400, {"error": "unsupported_grant_type",
                                    "error_description": "Invalid grant_type"})
        jwt = form.get("assertion", [""])[0]
        self.state["assertions"].append(jwt)
        why = check_assertion(self.state, jwt)
        if why:
            return self.reply(400, {"error": "invalid_grant", "error_description": why})
        token = "ya29.c." + secrets.token_urlsafe(48)
        self.state["tokens"].add(token)
        self.reply(200, {"access_token": token, "expires_in": 3599, "token_type": "Bearer"})

    FLEET_ROUTES = [  # (method, path pattern, handler name)
        ("GET", r"/compute/v1/projects/([^/]+)/zones/([^/]+)/machineTypes/([^/]+)", "machine_type"),
        ("GET", r"/compute/v1/projects/([^/]+)/global/images/family/([^/]+)", "image_family"),
        ("GET", r"/compute/v1/projects/([^/]+)/global/images/([^/]+)", "image"),
        ("POST", r"/compute/v1/projects/([^/]+)/zones/([^/]+)/instances", "insert"),
        ("GET", r"/compute/v1/projects/([^/]+)/aggregated/instances", "aggregated_list"),
        ("GET", r"/compute/v1/projects/([^/]+)/zones/([^/]+)/operations/([^/]+)", "operation"),
        ("GET", r"/compute/v1/projects/([^/]+)/zones/([^/]+)/instances/([^/]+)", "fleet_get"),
        ("DELETE", r"/compute/v1/projects/([^/]+)/zones/([^/]+)/instances/([^/]+)", "fleet_delete"),
    ]

    def fleet_route(self, method, path):
        """Answers a request of the owner's side; False when it is none (the worker's own)."""
        for route_method, pattern, name in self.FLEET_ROUTES:
            m = re.fullmatch(pattern, path)
            if route_method != method or not m:
                continue
            if name.startswith("fleet_") and m.group(3) not in self.state["instances"]:
                return False  # the worker's own instance (or a 404 its handler gives)
            if not self.authorized():
                return True
            # Public images live in other projects (debian-cloud); everything else is this one's.
            if m.group(1) != self.state["project"] and not name.startswith("image"):
                self.not_found(path.split("/v1/", 1)[1])
                return True
            with self.state["lock"]:
                getattr(self, name)(*m.groups()[1:])
            return True
        return False

    def not_found(self, resource):
        status, reason, message = ERRORS["404"]
        self.error(status, reason, message.format(resource=resource))

    def query(self, name):
        return parse_qs(urlsplit(self.path).query).get(name, [""])[0]

    def machine_type(self, zone, name):
        project = self.state["project"]
        if name not in MACHINE_TYPES:
            return self.not_found(f"projects/{project}/zones/{zone}/machineTypes/{name}")
        self.reply(200, {"kind": "compute#machineType", "name": name, "zone": zone,
                         "guestCpus": MACHINE_TYPES[name], "memoryMb": 4096 * MACHINE_TYPES[name],
                         "selfLink": self.link(f"projects/{project}/zones/{zone}/machineTypes/"
                                               f"{name}")})

    def image(self, name):
        self.find_image(name, family=False)

    def image_family(self, family):
        self.find_image(family, family=True)

    def find_image(self, key, family):
        """images.get (key: the name) or images.getFromFamily (key: the family)."""
        project = re.match(r"/compute/v1/projects/([^/]+)/", self.path).group(1)
        for p, n, f in IMAGES:
            if (p, f if family else n) == (project, key):
                return self.reply(200, {
                    "kind": "compute#image", "name": n, "family": f, "status": "READY",
                    "selfLink": self.link(f"projects/{p}/global/images/{n}")})
        self.not_found(f"projects/{project}/global/images/{'family/' if family else ''}{key}")

    def new_operation(self, zone, kind, target, status):
        now = time.strftime("%Y-%m-%dT%H:%M:%S.000-07:00", time.gmtime(time.time() - 7 * 3600))
        zone_path = f"projects/{self.state['project']}/zones/{zone}"
        name = f"operation-{int(time.time() * 1000)}-{secrets.token_hex(6)}"
        operation = {"kind": "compute#operation", "id": str(secrets.randbits(63)), "name": name,
                     "zone": self.link(zone_path), "operationType": kind,
                     "targetLink": self.link(f"{zone_path}/instances/{target}"),
                     "status": status, "progress": 0, "insertTime": now, "startTime": now,
                     "selfLink": self.link(f"{zone_path}/operations/{name}")}
        self.state["zone_operations"][name] = operation
        return operation

    def insert(self, zone):
        state = self.state
        request_id = self.query("requestId")
        if request_id and request_id in state["insert_ids"]:  # the same request: its Operation
            return self.reply(200, state["zone_operations"][state["insert_ids"][request_id]])
        body = json.loads(self.body)
        name = body.get("name", "")
        if name in state["instances"]:
            resource = f"projects/{state['project']}/zones/{zone}/instances/{name}"
            return self.error(409, "alreadyExists", f"The resource '{resource}' already exists")
        operation = self.new_operation(zone, "insert", name, "RUNNING")
        if request_id:
            state["insert_ids"][request_id] = operation["name"]
        if state["mode"] in OPERATION_ERRORS:
            code, message = OPERATION_ERRORS[state["mode"]]
            operation["error"] = {"errors": [{"code": code, "message": message}]}
            operation["httpErrorStatusCode"] = 403 if state["mode"] == "quota" else 503
            operation["status"] = "DONE"
            return self.reply(200, operation)
        state["inserted"][name] = body
        created = time.strftime("%Y-%m-%dT%H:%M:%S.000-07:00", time.gmtime(time.time() - 7 * 3600))
        state["instances"][name] = {
            "kind": "compute#instance", "id": str(secrets.randbits(63)), "name": name,
            "zone": self.link(f"projects/{state['project']}/zones/{zone}"),
            "status": "PROVISIONING", "creationTimestamp": created,
            "machineType": self.link(f"projects/{state['project']}/{body.get('machineType')}"),
            "metadata": body.get("metadata", {}), "labels": body.get("labels", {}),
            "serviceAccounts": body.get("serviceAccounts", [])}
        self.reply(200, operation)

    def operation(self, zone, name):
        operation = self.state["zone_operations"].get(name)
        if operation is None:
            project = self.state["project"]
            return self.not_found(f"projects/{project}/zones/{zone}/operations/{name}")
        operation["status"], operation["progress"] = "DONE", 100
        self.reply(200, operation)

    def aggregated_list(self):
        state = self.state
        m = re.fullmatch(r'\s*(labels\.[a-z0-9_-]+|name)\s*=\s*"([^"]*)"\s*', self.query("filter"))
        if not m:
            return self.error(400, "invalid", "Invalid value for field 'filter'")
        field, value = m.groups()

        def matches(instance):
            if field == "name":
                return instance["name"] == value
            return instance.get("labels", {}).get(field[len("labels."):]) == value
        chosen = sorted((i for i in state["instances"].values() if matches(i)),
                        key=lambda i: i["name"])
        start = int(self.query("pageToken") or 0)
        page = chosen[start:start + state["page_size"]]
        items = {f"zones/{state['zone']}": {"warning": {
            "code": "NO_RESULTS_ON_PAGE", "message": "There are no results for scope"}}}
        for instance in page:
            scope = "zones/" + instance["zone"].rsplit("/", 1)[-1]
            items.setdefault(scope, {}).pop("warning", None)
            items[scope].setdefault("instances", []).append(instance)
        answer = {"kind": "compute#instanceAggregatedList", "items": items,
                  "selfLink": self.link(f"projects/{state['project']}/aggregated/instances")}
        if start + state["page_size"] < len(chosen):
            answer["nextPageToken"] = str(start + state["page_size"])
        self.reply(200, answer)

    def fleet_get(self, zone, name):
        self.reply(200, self.state["instances"][name])

    def fleet_delete(self, zone, name):
        state = self.state
        state["fleet_delete_ids"].append(self.query("requestId"))
        del state["instances"][name]
        operation = self.new_operation(zone, "delete", name, "RUNNING")
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
