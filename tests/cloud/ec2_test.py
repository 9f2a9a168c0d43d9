#!/usr/bin/env python3
"""EC2 self-termination end to end: `osg-worker cloud-test ec2-terminate` against moto's server
with signature checking on, a small IMDSv2 server, and fault servers (HTTP 500, no answer).

Runs inside the test image (python3-moto, python3-boto3), on loopback only. Exits non-zero on the
first failure; prints PASS last.
"""

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3
import botocore.exceptions

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hook_run  # noqa: E402
import imds_server  # noqa: E402

REGION = "us-east-1"
MOTO_LOG = "/run/moto-server.log"  # /run is a fresh tmpfs in the image, gone afterwards
WORKER = os.environ.get("OSG_WORKER", "osg-worker")
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
    "Action": "sts:AssumeRole"}]})


def log(text):
    print(f"[{time.strftime('%T')} ec2_test] {text}", flush=True)


def fail(text):
    log(f"FAIL: {text}")
    if os.path.exists(MOTO_LOG):
        with open(MOTO_LOG) as f:
            print("===== moto's server log (last lines) =====\n" + "".join(f.readlines()[-30:]))
    sys.exit(1)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_moto():
    port = free_port()
    logfile = open(MOTO_LOG, "w")
    argv = [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)]
    proc = subprocess.Popen(argv, stdout=logfile, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    for _ in range(150):
        try:
            urllib.request.urlopen(url + "/moto-api/", timeout=1)
            return proc, url
        except OSError:
            time.sleep(0.2)
    fail("moto's server did not start; see " + MOTO_LOG)


def set_moto_auth(url, free_actions):
    """Moto checks SigV4 signatures and IAM policies once `free_actions` requests have passed."""
    req = urllib.request.Request(url + "/moto-api/reset-auth", data=str(free_actions).encode(),
                                 method="POST", headers={"Content-Type": "text/plain"})
    urllib.request.urlopen(req, timeout=5).read()


def client(service, url, creds=None):
    creds = creds or {"AccessKeyId": "testing", "SecretAccessKey": "testing", "SessionToken": None}
    return boto3.client(service, region_name=REGION, endpoint_url=url,
                        aws_access_key_id=creds["AccessKeyId"],
                        aws_secret_access_key=creds["SecretAccessKey"],
                        aws_session_token=creds.get("SessionToken"))


def make_role(url, name, actions):
    """A role with an inline policy allowing `actions`; returns credentials from AssumeRole."""
    iam = client("iam", url)
    arn = iam.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST)["Role"]["Arn"]
    iam.put_role_policy(RoleName=name, PolicyName="worker", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}]}))
    return client("sts", url).assume_role(RoleArn=arn, RoleSessionName="worker")["Credentials"]


def fault_server(behaviour):
    """A stand-in EC2 endpoint: "500" answers InternalError, "hang" answers after 10 s."""
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if behaviour == "hang":
                time.sleep(10)
            body = (b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Errors><Error>"
                    b"<Code>InternalError</Code><Message>An internal error has occurred</Message>"
                    b"</Error></Errors><RequestID>x</RequestID></Response>")
            self.send_response(500)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}"


class Runner:
    def __init__(self, imds_url, secrets):
        self.imds_url = imds_url
        self.secrets = secrets  # none of these may ever show in our output

    def run(self, ec2_url, want_rc, needles, timeout_ms=5000, env=None):
        """`env`: AWS_* variables for static credentials (a secret never goes in an argument)."""
        argv = [WORKER, "cloud-test", "ec2-terminate", "--imds", self.imds_url, "--ec2", ec2_url,
                "--timeout-ms", str(timeout_ms)]
        return hook_run.run_hook(argv, want_rc, needles, fail, self.secrets, "AWS_", env)


def make_user(url, name, actions):
    """An IAM user with an inline policy allowing `actions`; returns its long-term access key."""
    iam = client("iam", url)
    iam.create_user(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName="worker", PolicyDocument=json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": actions, "Resource": "*"}]}))
    return iam.create_access_key(UserName=name)["AccessKey"]


def instance_state(ec2, instance_id):
    r = ec2.describe_instances(InstanceIds=[instance_id])
    return r["Reservations"][0]["Instances"][0]["State"]["Name"]


def with_moto(cases):
    """Runs cases(moto_url) against a fresh moto server, stopped afterwards."""
    moto, moto_url = start_moto()
    try:
        cases(moto_url)
    finally:
        moto.terminate()
        moto.wait()


def run_cases(moto_url):
    # Setup while moto accepts anything; then every request must be signed by a known key.
    good = make_role(moto_url, "osg-worker", ["ec2:TerminateInstances", "ec2:DescribeInstances"])
    weak = make_role(moto_url, "osg-worker-weak", ["ec2:DescribeInstances"])
    ec2 = client("ec2", moto_url)
    image = ec2.describe_images()["Images"][0]["ImageId"]
    instance_id = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1)["Instances"][0][
        "InstanceId"]
    static_instance = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1)["Instances"][0][
        "InstanceId"]
    static_key = make_user(moto_url, "osg-worker-static", ["ec2:TerminateInstances"])
    set_moto_auth(moto_url, 0)
    checker = client("ec2", moto_url, good)
    wrong = dict(good, SecretAccessKey="wrong" + good["SecretAccessKey"][5:])
    try:
        client("ec2", moto_url, wrong).describe_instances()
        fail("moto accepted a wrong secret: signature checking is off")
    except botocore.exceptions.ClientError as e:
        if e.response["Error"]["Code"] != "AuthFailure":
            fail(f"wrong secret: expected AuthFailure, got {e.response['Error']}")
    log(f"ok: moto checks signatures (boto3 with a wrong secret: AuthFailure); {instance_id} "
        f"is {instance_state(checker, instance_id)}")

    state = {"instance_id": instance_id, "region": REGION, "role": "osg-worker",
             "credentials": wrong}
    imds = imds_server.start(state)
    imds_url = f"http://127.0.0.1:{imds.server_port}"
    secrets = [c[k] for c in (good, weak, wrong) for k in ("SecretAccessKey", "SessionToken")]
    secrets.append(static_key["SecretAccessKey"])
    r = Runner(imds_url, secrets)

    try:
        urllib.request.urlopen(imds_url + "/latest/meta-data/instance-id", timeout=5)
        fail("the IMDS test server answered a GET without a token")
    except urllib.error.HTTPError as e:
        if e.code != 401:
            fail(f"IMDS without a token: HTTP {e.code}, expected 401")

    r.run(moto_url, 1, [f"identity: {instance_id} in {REGION}", "outcome: refused",
                        "HTTP 401: AuthFailure"])
    log("ok: a wrong secret is refused by moto (401 AuthFailure) -> refused")

    state["credentials"] = dict(good, SessionToken=good["SessionToken"][:-4] + "AAAA")
    r.run(moto_url, 1, ["outcome: refused", "HTTP 401: AuthFailure"])
    log("ok: a wrong session token is refused by moto (401 AuthFailure) -> refused")

    state["credentials"] = weak
    r.run(moto_url, 1, ["outcome: refused", "HTTP 403: AccessDenied", "ec2:TerminateInstances"])
    log("ok: a role without ec2:TerminateInstances (403 AccessDenied) -> refused")
    if instance_state(checker, instance_id) != "running":
        fail("the instance changed state after refused requests")

    state["credentials"] = good
    state["mode"] = "reject-tokens"
    r.run(moto_url, 2, ["identity: error: instance metadata /latest/meta-data/instance-id: "
                        "HTTP 401, the IMDSv2 session token was refused"])
    log("ok: IMDS refusing the session token (401) -> a clear error")
    state["mode"] = "no-role"
    r.run(moto_url, 2, ["HTTP 404", "is an instance role (instance profile) attached?"])
    log("ok: no instance role -> a clear error")
    state["mode"] = ""

    r.run(fault_server("500"), 75, ["outcome: retry", "HTTP 500: InternalError"])
    log("ok: EC2 answering 500 -> retry")
    _, elapsed = r.run(fault_server("hang"), 75, ["outcome: retry", "EC2 did not answer in time"],
                       timeout_ms=1000)
    if elapsed > 8:
        fail(f"the 1 s timeout took {elapsed:.1f} s")
    log(f"ok: EC2 not answering -> retry after {elapsed:.1f} s (1 s timeout)")
    r.run("http://127.0.0.1:1", 75, ["outcome: retry", "cannot reach EC2"])
    log("ok: EC2 unreachable -> retry")

    r.run(moto_url, 0, ["outcome: done", "running -> shutting-down"])
    now = instance_state(checker, instance_id)
    if now not in ("shutting-down", "terminated"):
        fail(f"after TerminateInstances moto says {now}")
    log(f"ok: TerminateInstances signed with the role's session credentials -> done; moto: {now}")
    r.run(moto_url, 0, ["outcome: already-gone", "the instance was already terminated"])
    log("ok: a second call -> already-gone")
    state["instance_id"] = "i-0123456789abcdef0"
    r.run(moto_url, 0, ["outcome: already-gone", "InvalidInstanceID.NotFound"])
    log("ok: an instance EC2 does not know (InvalidInstanceID.NotFound) -> already-gone")
    run_static_cases(r, state, moto_url, checker, static_instance, static_key)
    log("PASS")


def wrong_secret(secret):
    """The secret with its first character changed: never the secret itself (a fixed "x" was the
    secret when moto's random key began with x, and moto then accepted the "wrong" one)."""
    return ("y" if secret[0] == "x" else "x") + secret[1:]


def run_static_cases(r, state, moto_url, checker, instance_id, key):
    """Static credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, on an instance without a
    role: moto checks their signature."""
    state.update(instance_id=instance_id, mode="no-role")
    env = {"AWS_ACCESS_KEY_ID": key["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"]}
    r.run(moto_url, 2, ["credentials: error: AWS_ACCESS_KEY_ID is set in the environment without "
                        "AWS_SECRET_ACCESS_KEY; set both or neither"],
          env={"AWS_ACCESS_KEY_ID": key["AccessKeyId"]})
    log("ok: AWS_ACCESS_KEY_ID without AWS_SECRET_ACCESS_KEY -> a clear error")
    wrong = dict(env, AWS_SECRET_ACCESS_KEY=wrong_secret(key["SecretAccessKey"]))
    r.secrets.append(wrong["AWS_SECRET_ACCESS_KEY"])
    r.run(moto_url, 1, [f"credentials: access key {key['AccessKeyId']} from the environment",
                        "outcome: refused", "HTTP 401: AuthFailure"], env=wrong)
    log("ok: a static key with a wrong secret is refused by moto (401 AuthFailure) -> refused")
    if instance_state(checker, instance_id) != "running":
        fail("the instance changed state after a refused request")
    r.run(moto_url, 0, [f"identity: {instance_id} in {REGION}", "outcome: done",
                        "running -> shutting-down"], env=env)
    now = instance_state(checker, instance_id)
    if now not in ("shutting-down", "terminated"):
        fail(f"after TerminateInstances with static credentials moto says {now}")
    log(f"ok: TerminateInstances signed with a static access key (no instance role) -> done; "
        f"moto: {now}")


if __name__ == "__main__":
    with_moto(run_cases)
