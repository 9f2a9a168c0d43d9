#!/usr/bin/env python3
"""The owner's EC2 fleet client end to end: `osg-worker cloud-test fleet --cloud ec2` (prepare,
create, list, delete) against moto's server with SigV4 and IAM checking on, through a small
recording proxy (the requests as sent, for what moto does not keep), with boto3 to inspect.

What moto (5.1) does not do, and so what this test checks only on the wire: it ignores
ClientToken (a second RunInstances with the same token makes a second instance) and keeps no
MetadataOptions (HttpTokens). Runs inside the test image (python3-moto, python3-boto3), on loopback
only. Exits non-zero on the first failure; prints PASS last.
"""

import base64
import http.client
import os
import secrets
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ec2_test  # noqa: E402  (moto's server, boto3 clients, IAM users, the 500 server)
import hook_run  # noqa: E402

REGION = ec2_test.REGION
WORKER = ec2_test.WORKER
GROUP = "OSG Fleet Test & friends"
OWNER_ACTIONS = ["ec2:DescribeInstanceTypes", "ec2:DescribeImages", "ec2:RunInstances",
                 "ec2:DescribeInstances", "ec2:TerminateInstances", "ec2:CreateTags",
                 "iam:PassRole"]
# The launch script carries the pool's token: the output must never show it.
TOKEN = "tok-" + secrets.token_hex(16)
USER_DATA = (f"#!/bin/sh\n# \"quotes\", 'apostrophes', $HOME, \\backslash, tab\there, é ü 漢\n"
             f"OSG_POOL_TOKEN={TOKEN}\necho done\n")


def log(text):
    print(f"[{time.strftime('%T')} ec2_fleet_test] {text}", flush=True)


def fail(text):
    ec2_test.fail(text)


def recording_proxy(moto_url):
    """Forwards each request to moto byte for byte (the Host header as signed, so that moto checks
    the signature), keeping each form it carried; returns (url, forms)."""
    target = urllib.parse.urlparse(moto_url)
    forms = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            forms.append({k: v[0] for k, v in urllib.parse.parse_qs(body.decode()).items()})
            upstream = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
            upstream.request("POST", self.path, body=body, headers=dict(self.headers.items()))
            answer = upstream.getresponse()
            data = answer.read()
            self.send_response(answer.status)
            self.send_header("Content-Type", answer.getheader("Content-Type", "text/xml"))
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            upstream.close()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}", forms


class Runner:
    def __init__(self, endpoint, key, secrets_to_hide):
        self.endpoint = endpoint
        self.env = {"AWS_ACCESS_KEY_ID": key["AccessKeyId"],
                    "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"]}
        self.secrets = secrets_to_hide  # none of these may ever show in our output

    def run(self, op, want_rc, needles, env=None, endpoint=None, **options):
        """`env`: the AWS_* variables (credentials never go in an argument)."""
        argv = [WORKER, "cloud-test", "fleet", "--cloud", "ec2", "--region", REGION,
                "--endpoint", endpoint or self.endpoint, "--op", op, "--timeout-ms", "5000"]
        for name, value in options.items():
            argv += ["--" + name.replace("_", "-"), str(value)]
        out, _ = hook_run.run_hook(argv, want_rc, needles, fail, self.secrets, "AWS_",
                                   self.env if env is None else env, label=op)
        hook_run.check_one_detail(out, want_rc, fail, label=op)
        return out


def field(out, name):
    for line in out.splitlines():
        if line.startswith(name + ": "):
            return line[len(name) + 2:]
    fail(f"no {name}: line in: {out}")


def listed(out):
    """id -> (name, state, launched_at) from the hook's `instance:` lines."""
    rows = {}
    for line in out.splitlines():
        if line.startswith("instance: "):
            ident, name, state, launched = line.split()[1:]
            rows[ident] = (name, state, int(launched))
    return rows


def describe(ec2, instance_id):
    return ec2.describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]


def attribute(ec2, instance_id, name):
    answer = ec2.describe_instance_attribute(InstanceId=instance_id, Attribute=name)
    return answer[name[0].upper() + name[1:]]["Value"]


def setup(moto_url):
    """While moto accepts anything: the owner's IAM user, an instance profile, a subnet, a security
    group, a key pair; instances of another group, and a stopped one of this group."""
    iam = ec2_test.client("iam", moto_url)
    iam.create_role(RoleName="osg-worker-role", AssumeRolePolicyDocument=ec2_test.TRUST)
    iam.create_instance_profile(InstanceProfileName="osg-worker-profile")
    iam.add_role_to_instance_profile(InstanceProfileName="osg-worker-profile",
                                     RoleName="osg-worker-role")
    ec2 = ec2_test.client("ec2", moto_url)
    world = {
        "owner": ec2_test.make_user(moto_url, "osg-owner", OWNER_ACTIONS),
        "weak": ec2_test.make_user(moto_url, "osg-owner-weak", [
            "ec2:DescribeInstances", "ec2:DescribeInstanceTypes", "ec2:DescribeImages"]),
        "image": ec2.describe_images()["Images"][0]["ImageId"],
        "subnet": ec2.describe_subnets()["Subnets"][0]["SubnetId"],
    }
    vpc = ec2.describe_subnets(SubnetIds=[world["subnet"]])["Subnets"][0]["VpcId"]
    world["sg"] = ec2.create_security_group(GroupName="osg-worker", Description="workers",
                                            VpcId=vpc)["GroupId"]
    ec2.create_key_pair(KeyName="owner-key")

    def run(tags):
        spec = [{"ResourceType": "instance",
                 "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}]
        return ec2.run_instances(ImageId=world["image"], MinCount=1, MaxCount=1,
                                 TagSpecifications=spec)["Instances"][0]["InstanceId"]

    world["other"] = run({"WorkerGroupName": GROUP + " 2", "Name": "other-1"})
    world["stopped"] = run({"WorkerGroupName": GROUP, "Name": "stopped-1"})
    ec2.stop_instances(InstanceIds=[world["stopped"]])
    world["gone"] = run({"WorkerGroupName": GROUP, "Name": "gone-1"})
    ec2.terminate_instances(InstanceIds=[world["gone"]])
    # Once moto checks signatures, only IAM users' keys sign: boto3 inspects with this one.
    inspector = ec2_test.make_user(moto_url, "inspector", ["ec2:*"])
    return ec2_test.client("ec2", moto_url, inspector), world


def run_cases(moto_url):
    checker, world = setup(moto_url)
    ec2_test.set_moto_auth(moto_url, 0)
    proxy_url, forms = recording_proxy(moto_url)
    owner = world["owner"]
    wrong_secret = ec2_test.wrong_secret(owner["SecretAccessKey"])
    hidden = [owner["SecretAccessKey"], world["weak"]["SecretAccessKey"], wrong_secret, TOKEN,
              base64.b64encode(USER_DATA.encode()).decode()[8:40]]
    r = Runner(proxy_url, owner, hidden)
    launch = {"group": GROUP, "flavor": "t3.micro", "image": world["image"]}

    check_credentials(r, owner, wrong_secret, launch)
    check_prepare(r, launch)
    instance_id = check_create(r, checker, world, forms, launch)
    check_list(r, world, instance_id)
    check_delete(r, checker, instance_id)
    r.run("list", 75, ["outcome: retry", "InternalError", "(HTTP 500)"], group=GROUP,
          endpoint=ec2_test.fault_server("500"))
    r.run("list", 75, ["outcome: retry", "cannot reach EC2"], group=GROUP,
          endpoint="http://127.0.0.1:1")
    log("ok: EC2 answering 500, or not at all -> retry")
    log("PASS")


def check_credentials(r, owner, wrong_secret, launch):
    r.run("prepare", 2, ["credentials: error: no EC2 credentials: set AWS_ACCESS_KEY_ID and "
                         "AWS_SECRET_ACCESS_KEY"], env={}, **launch)
    r.run("prepare", 2, ["AWS_ACCESS_KEY_ID is set in the environment without "
                         "AWS_SECRET_ACCESS_KEY"],
          env={"AWS_ACCESS_KEY_ID": owner["AccessKeyId"]}, **launch)
    log("ok: no credentials, or half a pair, in the environment -> an error naming the variables")
    wrong = {"AWS_ACCESS_KEY_ID": owner["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": wrong_secret}
    r.run("prepare", 1, ["outcome: refused", "AuthFailure", "(HTTP 401)"], env=wrong, **launch)
    r.run("create", 1, ["outcome: refused", "AuthFailure"], env=wrong, name="w-wrong",
          user_data=USER_DATA, **launch)
    log("ok: a wrong secret key -> refused by moto's signature check (AuthFailure), one line")


def check_prepare(r, launch):
    r.run("prepare", 0, ["cores: 2", "outcome: done"], **launch)
    log("ok: prepare t3.micro -> 2 cores (VCpuInfo/DefaultVCpus), the AMI exists")
    out = r.run("prepare", 1, ["outcome: refused", "EC2 refused instance type m9.huge: "
                               "InvalidInstanceType: ", "m9.huge"],
                **dict(launch, flavor="m9.huge"))
    r.run("prepare", 1, ["outcome: refused", "EC2 refused image ami-00000000000000000: "
                         "InvalidAMIID"], **dict(launch, image="ami-00000000000000000"))
    log(f"ok: an unknown instance type or AMI -> exit 1 and one line: {field(out, 'detail')}")


def check_create(r, checker, world, forms, launch):
    spec = dict(launch, network=world["subnet"], key_name="owner-key", security_group=world["sg"],
                instance_profile="osg-worker-profile", name="osg-fleet-1a2b3c",
                user_data=USER_DATA)
    before = len(forms)
    out = r.run("create", 0, ["outcome: done"], **spec)
    instance_id = field(out, "id")
    sent = [f for f in forms[before:] if f.get("Action") == "RunInstances"][-1]
    want = {"MinCount": "1", "MaxCount": "1", "InstanceInitiatedShutdownBehavior": "terminate",
            "MetadataOptions.HttpTokens": "required", "MetadataOptions.HttpEndpoint": "enabled",
            "IamInstanceProfile.Name": "osg-worker-profile", "SubnetId": world["subnet"],
            "KeyName": "owner-key", "SecurityGroupId.1": world["sg"],
            "TagSpecification.1.ResourceType": "instance",
            "TagSpecification.2.ResourceType": "volume"}
    for name, value in want.items():
        if sent.get(name) != value:
            fail(f"RunInstances sent {name}={sent.get(name)!r}, expected {value!r}")
    token = sent.get("ClientToken", "")
    if not token or len(token) > 64 or not token.isascii():
        fail(f"RunInstances sent ClientToken {token!r}")
    log(f"ok: RunInstances as sent: IMDSv2 required (moto keeps no MetadataOptions: checked on "
        f"the wire only), ClientToken {token}")

    instance = describe(checker, instance_id)
    tags = {t["Key"]: t["Value"] for t in instance.get("Tags", [])}
    if tags.get("WorkerGroupName") != GROUP or tags.get("Name") != "osg-fleet-1a2b3c":
        fail(f"the instance's tags: {tags}")
    behaviour = attribute(checker, instance_id, "instanceInitiatedShutdownBehavior")
    if behaviour != "terminate":
        fail(f"InstanceInitiatedShutdownBehavior is {behaviour}")
    user_data = base64.b64decode(attribute(checker, instance_id, "userData"))
    if user_data != USER_DATA.encode():
        fail("the instance's user-data differs from what was given")
    profile = instance.get("IamInstanceProfile", {}).get("Arn", "")
    if not profile.endswith("instance-profile/osg-worker-profile"):
        fail(f"the instance profile: {profile!r}")
    if (instance.get("SubnetId") != world["subnet"] or instance.get("KeyName") != "owner-key" or
            world["sg"] not in [g["GroupId"] for g in instance.get("SecurityGroups", [])]):
        fail(f"subnet, key or security group: {instance}")
    volumes = checker.describe_volumes(
        Filters=[{"Name": "attachment.instance-id", "Values": [instance_id]}])["Volumes"]
    volume_tags = [{t["Key"]: t["Value"] for t in v.get("Tags", [])} for v in volumes]
    if not volumes or any(t.get("WorkerGroupName") != GROUP for t in volume_tags):
        fail(f"the volumes' tags: {volume_tags}")
    log(f"ok: create -> {instance_id}: both tags (instance and volume), shutdown terminates, "
        f"the user-data byte for byte, the profile, subnet, key and security group")

    before = len(forms)
    again = field(r.run("create", 0, ["outcome: done"], **spec), "id")
    second = [f for f in forms[before:] if f.get("Action") == "RunInstances"][-1]
    if second.get("ClientToken") != token:
        fail(f"a second create sent ClientToken {second.get('ClientToken')!r}, not {token!r}")
    if again == instance_id:
        log("ok: create again with the same name -> the same instance (same ClientToken)")
    else:
        # moto ignores ClientToken; EC2 answers the same token with the first instance.
        log(f"ok: create again sent the same ClientToken; moto ignores it and made {again}: "
            f"idempotency itself is EC2's, not checked here")
        checker.terminate_instances(InstanceIds=[again])

    r.run("create", 1, ["outcome: refused", "RunInstances for w-weak"],
          env={"AWS_ACCESS_KEY_ID": world["weak"]["AccessKeyId"],
               "AWS_SECRET_ACCESS_KEY": world["weak"]["SecretAccessKey"]},
          **dict(spec, name="w-weak"))
    log("ok: a key without ec2:RunInstances -> refused")
    return instance_id


def check_list(r, world, instance_id):
    out = r.run("list", 0, ["outcome: done"], group=GROUP)
    rows = listed(out)
    name, state, launched = rows.get(instance_id, (None, None, 0))
    if name != "osg-fleet-1a2b3c" or state not in ("pending", "running"):
        fail(f"list: {instance_id} is {rows.get(instance_id)}")
    if abs(launched - time.time()) > 600:
        fail(f"list: launched_at {launched} is not about now")
    if rows.get(world["stopped"], (None, None))[1] != "stopped":
        fail(f"list: the stopped instance is {rows.get(world['stopped'])}")
    if world["other"] in rows or world["gone"] in rows:
        fail(f"list shows another group's or a terminated instance: {rows}")
    log(f"ok: list -> {instance_id} {state} (launched {launched}), the stopped one; not another "
        f"group's nor a terminated one")


def check_delete(r, checker, instance_id):
    r.run("delete", 0, ["outcome: done", "running -> shutting-down"], id=instance_id)
    state = describe(checker, instance_id)["State"]["Name"]
    if state not in ("shutting-down", "terminated"):
        fail(f"after delete moto says {state}")
    r.run("delete", 0, ["outcome: already-gone"], id=instance_id)
    r.run("delete", 0, ["outcome: already-gone", "InvalidInstanceID.NotFound"],
          id="i-0123456789abcdef0")
    if instance_id in listed(r.run("list", 0, ["outcome: done"], group=GROUP)):
        fail("list still shows the deleted instance")
    log(f"ok: delete -> {state}; again -> already-gone; an unknown id -> already-gone; "
        f"no longer listed")


if __name__ == "__main__":
    ec2_test.with_moto(run_cases)
