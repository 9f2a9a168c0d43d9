#!/usr/bin/env python3
"""A test cloud for the local pool: moto's EC2 (signature checking on) and an IMDSv2 server
(tests/cloud/imds_server.py) for one instance, served on the central manager's address so that
worker instances can delete "themselves". Run on the cm: test_cloud.py ADDRESS STATE_DIR.
Writes STATE_DIR/instance-id once ready; `test_cloud.py --state ADDRESS ID` prints its state.
"""

import os
import subprocess
import sys
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ec2_test  # noqa: E402  (moto helpers: roles, clients, auth switch)
import imds_server  # noqa: E402

MOTO_PORT = 5000
IMDS_PORT = 8169


def serve(address, state_dir):
    url = f"http://{address}:{MOTO_PORT}"
    moto = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", address, "-p",
                             str(MOTO_PORT)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(150):
        try:
            urllib.request.urlopen(url + "/moto-api/", timeout=1)
            break
        except OSError:
            time.sleep(0.2)
    role = ec2_test.make_role(url, "osg-worker", ["ec2:TerminateInstances"])
    ec2 = ec2_test.client("ec2", url)
    image = ec2.describe_images()["Images"][0]["ImageId"]
    instance = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1)["Instances"][0]
    ec2_test.set_moto_auth(url, 0)  # from now on every request must be signed by a known key
    state = {"instance_id": instance["InstanceId"], "region": ec2_test.REGION, "role": "osg-worker",
             "credentials": role, "mode": ""}
    imds_server.start(state, address, IMDS_PORT)
    os.makedirs(state_dir, exist_ok=True)
    with open(os.path.join(state_dir, "instance-id"), "w") as f:
        f.write(instance["InstanceId"])
    moto.wait()


def print_state(address, instance_id):
    url = f"http://{address}:{MOTO_PORT}"
    # Describing needs a signed request now: use moto's root account through a fresh role.
    ec2_test.set_moto_auth(url, 1)
    ec2 = ec2_test.client("ec2", url)
    print(ec2_test.instance_state(ec2, instance_id))


if __name__ == "__main__":
    if sys.argv[1] == "--state":
        print_state(sys.argv[2], sys.argv[3])
    else:
        serve(sys.argv[1], sys.argv[2])
