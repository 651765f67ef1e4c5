"""awsfixtures: helpers for the AWS client's integration tests.

- run_lua(case, script, *args, env=...): runs `cairn __aws-lua` (a Lua script
  run as a runner task over a real client; see src/cli/cmd_aws_debug.c) and
  returns (CompletedProcess, parsed JSON result or None).
- moto_user(endpoint, name, actions): creates an IAM user in moto with an
  inline policy allowing `actions` and returns (access_key_id, secret).
- proxy(upstream, **options): an in-process tests/proxy/faultproxy.py.
- CredServer: a loopback HTTP server answering as the ECS/EKS container
  credentials endpoint or as EC2 instance metadata (IMDSv2), recording
  what it was asked.
"""

import json
import os
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import cairntest

ROOT = cairntest.ROOT
sys.path.insert(0, os.path.join(ROOT, "tests", "proxy"))
import faultproxy  # noqa: E402


def run_lua(case, script, *args, env=None, timeout=600):
    path = case.write("script-%s.lua" % uuid.uuid4().hex[:8], script)
    r = case.cairn("__aws-lua", path, *args, env=env, timeout=timeout)
    out = None
    if r.stdout.strip():
        try:
            out = json.loads(r.stdout)
        except ValueError:
            out = None
    return r, out


def boto_client(endpoint, service, key="testing", secret="testing", token=None):
    import boto3
    return boto3.client(service, region_name=cairntest.REGION, endpoint_url=endpoint,
                        aws_access_key_id=key, aws_secret_access_key=secret,
                        aws_session_token=token)


def moto_user(endpoint, name, actions=("*",), key="testing", secret="testing"):
    iam = boto_client(endpoint, "iam", key, secret)
    iam.create_user(UserName=name)
    if actions:
        iam.put_user_policy(UserName=name, PolicyName="p", PolicyDocument=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": list(actions), "Resource": "*"}]}))
    k = iam.create_access_key(UserName=name)["AccessKey"]
    return k["AccessKeyId"], k["SecretAccessKey"]


def proxy(upstream, **options):
    return faultproxy.FaultProxy(upstream, **options).start()


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


class CredServer:
    """Loopback container-credentials or IMDSv2 server.

    kind "container": GET PATH -> JSON creds; checks Authorization == token.
    kind "imds": PUT /latest/api/token (needs the TTL header) -> token;
    GET /latest/meta-data/iam/security-credentials/ -> role name;
    GET .../ROLE -> JSON creds; both GETs need X-aws-ec2-metadata-token.
    """

    def __init__(self, kind, key, secret, token=None, auth=None, role="cairn-role",
                 expires_in=3600):
        self.kind, self.key, self.secret, self.token = kind, key, secret, token
        self.auth, self.role, self.expires_in = auth, role, expires_in
        self.requests = []          # (method, path, headers dict)
        self.imds_token = "imds-" + uuid.uuid4().hex
        outer = self

        class H(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def reply(self, code, body, ctype="application/json"):
                b = body.encode()
                self.send_response(code)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(b)))
                self.end_headers()
                self.wfile.write(b)

            def creds(self):
                d = {"AccessKeyId": outer.key, "SecretAccessKey": outer.secret,
                     "Expiration": iso(time.time() + outer.expires_in)}
                if outer.token:
                    d["Token"] = outer.token
                if outer.kind == "imds":
                    d.update({"Code": "Success", "Type": "AWS-HMAC",
                              "LastUpdated": iso(time.time())})
                return json.dumps(d)

            def do_PUT(self):
                outer.requests.append(("PUT", self.path, dict(self.headers)))
                if outer.kind == "imds" and self.path == "/latest/api/token":
                    if not self.headers.get("X-aws-ec2-metadata-token-ttl-seconds"):
                        return self.reply(400, "missing ttl", "text/plain")
                    return self.reply(200, outer.imds_token, "text/plain")
                self.reply(404, "", "text/plain")

            def do_GET(self):
                outer.requests.append(("GET", self.path, dict(self.headers)))
                if outer.kind == "container":
                    if outer.auth is not None and self.headers.get("Authorization") != outer.auth:
                        return self.reply(401, '{"message": "bad token"}')
                    return self.reply(200, self.creds())
                if self.headers.get("X-aws-ec2-metadata-token") != outer.imds_token:
                    return self.reply(401, "", "text/plain")
                base = "/latest/meta-data/iam/security-credentials/"
                if self.path == base:
                    return self.reply(200, outer.role, "text/plain")
                if self.path == base + outer.role:
                    return self.reply(200, self.creds())
                self.reply(404, "", "text/plain")

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.port = self.httpd.server_address[1]
        self.url = "http://127.0.0.1:%d" % self.port
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()
