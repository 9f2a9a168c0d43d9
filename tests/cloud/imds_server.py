"""A small EC2 instance metadata service (IMDSv2 only), written from AWS's documentation.

IMDSv2: `PUT /latest/api/token` with `X-aws-ec2-metadata-token-ttl-seconds` (1..21600) returns a
session token; every GET must carry it in `X-aws-ec2-metadata-token`, else 401 (an instance with
HttpTokens=required). The instance role's credentials are JSON at
/latest/meta-data/iam/security-credentials/<role>. `state` is shared with the test, which changes
what is served between runs; mode "reject-tokens" refuses every token it issued (as when a token
expired), "no-role" serves no instance profile.
"""

import json
import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def start(state, host="127.0.0.1", port=0):
    """Serves `state` in a thread (a free loopback port by default); returns the server."""
    tokens = set()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # quiet: the test prints what matters
            pass

        def reply(self, status, text="", content_type="text/plain"):
            body = text.encode()
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_PUT(self):
            if self.path != "/latest/api/token":
                return self.reply(404, "Not Found")
            ttl = self.headers.get("X-aws-ec2-metadata-token-ttl-seconds", "")
            if not ttl.isdigit() or not 1 <= int(ttl) <= 21600:
                return self.reply(400, "Bad Request")
            token = secrets.token_urlsafe(32)
            tokens.add(token)
            self.reply(200, token)

        def do_GET(self):
            token = self.headers.get("X-aws-ec2-metadata-token")
            if token not in tokens or state.get("mode") == "reject-tokens":
                return self.reply(401, "Unauthorized")
            role = state["role"] if state.get("mode") != "no-role" else None
            prefix = "/latest/meta-data/iam/security-credentials/"
            pages = {
                "/latest/meta-data/instance-id": state["instance_id"],
                "/latest/meta-data/placement/region": state["region"],
            }
            if role:
                pages[prefix] = role
                pages[prefix + role] = json.dumps(
                    {
                        "Code": "Success",
                        "LastUpdated": "2025-01-01T00:00:00Z",
                        "Type": "AWS-HMAC",
                        "AccessKeyId": state["credentials"]["AccessKeyId"],
                        "SecretAccessKey": state["credentials"]["SecretAccessKey"],
                        "Token": state["credentials"]["SessionToken"],
                        "Expiration": "2099-01-01T00:00:00Z",
                    }
                )
            if self.path not in pages:
                return self.reply(404, "Not Found")
            self.reply(200, pages[self.path])

    server = ThreadingHTTPServer((host, port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
