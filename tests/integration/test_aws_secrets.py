"""No secret in any output, log or error: every kind of AWS activity is run
at --log-level debug (and trace) with temporary credentials, and its
stdout and stderr are scanned (tests/lib/secretscan.py) for the secret
key, the session token, the credential_process output, the container
authorization token, Authorization headers and signatures.

To extend it (e.g. to a whole `cairn apply`): run the command with
self.env_with_role() (or any of the credential setups below) and pass its
output to self.scan(result)."""

import json
import sys

import awsfixtures
import cairntest
import secretscan

CALLS = """
local aws = require "cairn.aws"
aws.sts.GetCallerIdentity{}
aws.iam.ListUsers{}
aws.ec2.DescribeVpcs{}
aws.kms.ListKeys{}
aws.dynamodb.ListTables{}
aws.s3.CreateBucket{ Bucket = "secret-scan" }
aws.s3.PutObject{ Bucket = "secret-scan", Key = "k", Body = "data" }
aws.s3.ListObjectsV2{ Bucket = "secret-scan" }
aws.lambda.ListFunctions{}
local ok, e = pcall(aws.kms.DescribeKey, { KeyId = "does-not-exist" })
assert(not ok)
return tostring(e)
"""


class TestNoSecretsInOutput(cairntest.CairnTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.key, cls.secret = awsfixtures.moto_user(cls.moto.url, "scanner")
        iam = awsfixtures.boto_client(cls.moto.url, "iam")
        iam.create_role(RoleName="scan-role", AssumeRolePolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"},
                                                    "Action": "sts:AssumeRole"}]}))
        cls.role = awsfixtures.boto_client(cls.moto.url, "sts").assume_role(
            RoleArn="arn:aws:iam::123456789012:role/scan-role", RoleSessionName="scan")["Credentials"]
        cls.secrets = [cls.secret, cls.role["SecretAccessKey"], cls.role["SessionToken"],
                       "Bearer container-auth-token"]

    def scan(self, r, extra=()):
        secretscan.assert_clean(self, r.stdout + r.stderr, list(self.secrets) + list(extra))

    def env_with_role(self, level="debug"):
        return {"AWS_ACCESS_KEY_ID": self.role["AccessKeyId"],
                "AWS_SECRET_ACCESS_KEY": self.role["SecretAccessKey"],
                "AWS_SESSION_TOKEN": self.role["SessionToken"], "CAIRN_LOG": level}

    def test_every_protocol_with_a_session_token(self):
        for level in ("debug", "trace"):
            r, out = awsfixtures.run_lua(self, CALLS, env=self.env_with_role(level))
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("aws: kms.ListKeys HTTP 200", r.stderr)  # the log is there
            self.scan(r)

    def test_errors_and_retries(self):
        proxy = awsfixtures.proxy(self.moto.url, seed=3, throttle=0.5, drop=0.2)
        self.addCleanup(proxy.stop)
        env = self.env_with_role()
        env["AWS_ENDPOINT_URL"] = "http://127.0.0.1:%d" % proxy.port
        env["AWS_MAX_ATTEMPTS"] = "2"
        r, _ = awsfixtures.run_lua(self, CALLS, env=env)
        self.assertIn("retrying in", r.stderr)
        self.scan(r)
        # a wrong secret, and a connection that cannot be made
        env = self.env_with_role()
        env["AWS_SECRET_ACCESS_KEY"] = "wrong" + self.secret
        r = self.cairn("whoami", env=env)
        self.scan(r, ["wrong" + self.secret])
        env = self.env_with_role()
        env["AWS_ENDPOINT_URL"] = "http://127.0.0.1:9"
        env["AWS_MAX_ATTEMPTS"] = "1"
        r = self.cairn("whoami", env=env)
        self.assertNotEqual(r.returncode, 0)
        self.scan(r)

    def test_assumed_roles_credential_process_and_containers(self):
        self.write(".aws/credentials", "[base]\naws_access_key_id = %s\naws_secret_access_key = %s\n"
                   % (self.key, self.secret))
        script = self.write("proc.py", "import json\nprint(json.dumps({'Version': 1, 'AccessKeyId': %r, "
                            "'SecretAccessKey': %r, 'SessionToken': %r}))\n"
                            % (self.role["AccessKeyId"], self.role["SecretAccessKey"], self.role["SessionToken"]))
        self.write(".aws/config", "[profile r]\nrole_arn = arn:aws:iam::123456789012:role/scan-role\n"
                   "source_profile = base\n[profile p]\ncredential_process = %s %s\n" % (sys.executable, script))
        nokeys = {"AWS_ACCESS_KEY_ID": None, "AWS_SECRET_ACCESS_KEY": None, "CAIRN_LOG": "debug"}
        for profile in ("r", "p"):
            r = self.cairn("whoami", "--json", "--profile", profile, env=nokeys)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.scan(r)
            r, _ = awsfixtures.run_lua(self, CALLS, "--profile", profile, env=nokeys)
            self.scan(r)
        srv = awsfixtures.CredServer("container", self.role["AccessKeyId"], self.role["SecretAccessKey"],
                                     token=self.role["SessionToken"], auth="Bearer container-auth-token")
        self.addCleanup(srv.stop)
        env = dict(nokeys, AWS_CONTAINER_CREDENTIALS_FULL_URI=srv.url + "/creds",
                   AWS_CONTAINER_AUTHORIZATION_TOKEN="Bearer container-auth-token")
        r = self.cairn("whoami", env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.scan(r)
        # a credential_process whose output is not credentials: the
        # error must not echo what it printed
        bad = self.write("bad.py", "print('garbage %s')\n" % self.role["SessionToken"])
        self.write(".aws/config", "[profile bad]\ncredential_process = %s %s\n" % (sys.executable, bad))
        r = self.cairn("whoami", "--profile", "bad", env=nokeys)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("printed something that is not credentials", r.stderr)
        self.scan(r)

    def test_the_scanner_catches_leaks(self):
        # the scanner itself must be able to fail
        self.assertTrue(secretscan.find("x " + self.secret + " y", [self.secret]))
        self.assertTrue(secretscan.find("Authorization: AWS4-HMAC-SHA256 Credential=A/b", []))
        self.assertTrue(secretscan.find("Signature=" + "a" * 64, []))
        self.assertTrue(secretscan.find("X-Amz-Security-Token=abc", []))
        self.assertFalse(secretscan.find("cairn: debug: aws: kms.ListKeys HTTP 200", [self.secret]))


if __name__ == "__main__":
    cairntest.main()
