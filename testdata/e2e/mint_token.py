#!/usr/bin/env python3
"""Prints a JWT-shaped HTCondor IDTOKEN for the end-to-end tests: header {"alg":"HS256",
"kid":"POOL"}, payload with iss, sub, iat and the given exp, and a random signature (no pool
accepts it; osg-worker only reads its claims). Usage: mint_token.py EXP_UNIX_SECONDS [SUBJECT]"""
import base64
import json
import os
import sys
import time


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def main() -> None:
    exp = int(sys.argv[1])
    sub = sys.argv[2] if len(sys.argv) > 2 else "worker@osgpool.test"
    header = {"alg": "HS256", "kid": "POOL"}
    payload = {"iss": "osgpool.test", "sub": sub, "iat": int(time.time()), "exp": exp}
    parts = [json.dumps(header).encode(), json.dumps(payload).encode(), os.urandom(32)]
    print(".".join(b64url(p) for p in parts))


if __name__ == "__main__":
    main()
