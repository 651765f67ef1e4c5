"""cairntest: the harness for cairn's integration tests.

Each test class gets its own moto_server on a free loopback port (started in
setUpClass, stopped in tearDownClass, even when a test fails), a scratch
directory per test, and helpers to run the real ./cairn binary and to check
what it did with an independent client (boto3 or the aws CLI), never with
cairn's own reader alone.

    class TestKms(cairntest.CairnTestCase):
        def test_create(self):
            r = self.cairn("apply", "--auto-approve", self.write("s.yaml", TEMPLATE))
            self.assertEqual(r.returncode, 0, r.stderr)
            keys = self.boto("kms").list_keys()["Keys"]

Environment: CAIRN (the binary, default ./cairn at the repository root);
KEEP_TMP=1 keeps scratch directories.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CAIRN = os.environ.get("CAIRN") or os.path.join(ROOT, "cairn")
REGION = "us-east-1"
ACCOUNT = "123456789012"
# The emulator with cairn's test doubles: moto_server plus, per service,
# what moto 5.x lacks or gets wrong as AWS documents it (one module per
# service in tests/lib/emulator/, each saying what it adds). Use it with
# Moto(server=EMULATOR) or `moto_server = cairntest.EMULATOR` on a test
# class; the default stays plain moto_server.
EMULATOR = [sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                         "emulator", "moto_server")]
MOTO_SAGEMAKER = EMULATOR


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Moto:
    """A moto_server on loopback. auth_after=N starts it with
    INITIAL_NO_AUTH_ACTION_COUNT=N, so after N requests it verifies SigV4
    signatures and IAM permissions. server is the command that serves
    (default moto_server; EMULATOR for moto with cairn's test doubles),
    env adds to its environment."""

    def __init__(self, auth_after=None, server=None, env=None):
        self.port = free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        extra_env = dict(env or {})
        env = dict(os.environ)
        env.pop("AWS_ENDPOINT_URL", None)
        env["MOTO_ALLOW_NONEXISTENT_REGION"] = "true"
        if auth_after is not None:
            env["INITIAL_NO_AUTH_ACTION_COUNT"] = str(auth_after)
        env.update(extra_env)
        self.log = tempfile.NamedTemporaryFile(prefix="moto-", suffix=".log", delete=False)
        self.proc = subprocess.Popen(
            list(server or ["moto_server"]) + ["-H", "127.0.0.1", "-p", str(self.port)],
            stdout=self.log, stderr=subprocess.STDOUT, env=env,
            start_new_session=True)
        deadline = time.time() + 60
        while True:
            try:
                urllib.request.urlopen(self.url + "/moto-api/", timeout=1).read()
                break
            except Exception:
                if self.proc.poll() is not None or time.time() > deadline:
                    self.stop()
                    raise RuntimeError("moto_server did not start; log in %s" % self.log.name)
                time.sleep(0.1)

    def reset(self):
        req = urllib.request.Request(self.url + "/moto-api/reset", method="POST")
        urllib.request.urlopen(req, timeout=10).read()

    def stop(self):
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.log.close()
        try:
            os.unlink(self.log.name)
        except OSError:
            pass


def aws_env(endpoint, key="testing", secret="testing", home=None):
    """The environment under which cairn, boto3 and aws talk to moto."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("AWS_") and k not in ("CAIRN_LOG", "CAIRN_HOME")}
    env.update({
        "AWS_ACCESS_KEY_ID": key,
        "AWS_SECRET_ACCESS_KEY": secret,
        "AWS_REGION": REGION,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_EC2_METADATA_DISABLED": "true",
        "NO_COLOR": "1",
    })
    if home:
        env["HOME"] = home
        env["AWS_CONFIG_FILE"] = os.path.join(home, ".aws", "config")
        env["AWS_SHARED_CREDENTIALS_FILE"] = os.path.join(home, ".aws", "credentials")
    return env


class CairnTestCase(unittest.TestCase):
    """Base class: moto per class (set moto_auth_after to verify
    signatures), a scratch directory per test (self.tmp, also HOME and the
    working directory of cairn)."""

    moto_auth_after = None
    moto_server = None      # the command that serves (None: moto_server)
    moto_env = None         # added to its environment
    needs_moto = True

    @classmethod
    def setUpClass(cls):
        cls.moto = Moto(cls.moto_auth_after, cls.moto_server, cls.moto_env) if cls.needs_moto else None

    @classmethod
    def tearDownClass(cls):
        if cls.moto:
            cls.moto.stop()

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="cairn-it-")
        if not os.environ.get("KEEP_TMP"):
            self.addCleanup(shutil.rmtree, self.tmp, True)

    @property
    def endpoint(self):
        return self.moto.url if self.moto else "http://127.0.0.1:9"

    def env(self, **extra):
        env = aws_env(self.endpoint, home=self.tmp)
        env.update({k: v for k, v in extra.items() if v is not None})
        for k, v in extra.items():
            if v is None:
                env.pop(k, None)
        return env

    def write(self, name, text, mode=None):
        path = os.path.join(self.tmp, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
        if mode is not None:
            os.chmod(path, mode)
        return path

    def cairn(self, *args, input=None, env=None, timeout=600, cwd=None):
        """Runs ./cairn with args; returns CompletedProcess (text)."""
        e = self.env(**(env or {}))
        return subprocess.run([CAIRN] + [str(a) for a in args], input=input,
                              capture_output=True, text=True, env=e,
                              cwd=cwd or self.tmp, timeout=timeout)

    def cairn_ok(self, *args, **kw):
        r = self.cairn(*args, **kw)
        self.assertEqual(r.returncode, 0,
                         "cairn %s exited %d\nstdout:\n%s\nstderr:\n%s" %
                         (" ".join(map(str, args)), r.returncode, r.stdout, r.stderr))
        return r

    def boto(self, service, **kw):
        import boto3
        return boto3.client(service, region_name=REGION, endpoint_url=self.endpoint,
                            aws_access_key_id=kw.get("key", "testing"),
                            aws_secret_access_key=kw.get("secret", "testing"))

    def aws(self, *args, env=None):
        """Runs the aws CLI against moto and returns its parsed JSON output
        (or None when it prints nothing)."""
        e = aws_env(self.endpoint)
        e.update(env or {})
        r = subprocess.run(["aws", "--output", "json"] + list(args), capture_output=True,
                           text=True, env=e, timeout=120)
        if r.returncode != 0:
            raise AssertionError("aws %s failed: %s" % (" ".join(args), r.stderr))
        return json.loads(r.stdout) if r.stdout.strip() else None


def main():
    unittest.main(verbosity=2)
