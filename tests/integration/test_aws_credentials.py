"""One test per credential source, and the precedence between them, checked
by who moto says the caller is (STS GetCallerIdentity through `cairn whoami
--json`): every source hands out the keys of a different IAM user or role
made in moto, so the ARN proves which source was used."""

import json
import os
import sys

import awsfixtures
import cairntest

NO_KEYS = {"AWS_ACCESS_KEY_ID": None, "AWS_SECRET_ACCESS_KEY": None}
TRUST = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}]})


class TestCredentialSources(cairntest.CairnTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        ep = cls.moto.url
        cls.users = {n: awsfixtures.moto_user(ep, n) for n in
                     ("envuser", "fileuser", "cfguser", "procuser", "baseuser", "containeruser",
                      "imdsuser", "devuser")}
        iam = awsfixtures.boto_client(ep, "iam")
        for r in ("deploy", "web", "envrole"):
            iam.create_role(RoleName=r, AssumeRolePolicyDocument=TRUST)

    @staticmethod
    def role(name):
        return "arn:aws:iam::123456789012:role/" + name

    def whoami(self, *args, env=None, ok=True):
        e = dict(NO_KEYS)
        e.update(env or {})
        r = self.cairn("whoami", "--json", *args, env=e)
        if ok:
            self.assertEqual(r.returncode, 0, r.stderr)
            return json.loads(r.stdout), r
        return None, r

    def keys_env(self, user):
        k, s = self.users[user]
        return {"AWS_ACCESS_KEY_ID": k, "AWS_SECRET_ACCESS_KEY": s}

    def creds_file(self, text):
        self.write(".aws/credentials", text)

    def config_file(self, text):
        self.write(".aws/config", text)

    def ini_keys(self, user):
        k, s = self.users[user]
        return "aws_access_key_id = %s\naws_secret_access_key = %s\n" % (k, s)

    def assert_user(self, who, user, source):
        self.assertTrue(who["Arn"].endswith(":user/" + user), who["Arn"])
        self.assertEqual(who["Credentials"]["Source"], source)

    # ---- one per source

    def test_environment(self):
        who, r = self.whoami(env=self.keys_env("envuser"))
        self.assert_user(who, "envuser", "env")
        self.assertNotIn(self.users["envuser"][1], r.stdout + r.stderr)

    def test_shared_credentials_file(self):
        self.creds_file("[default]\n" + self.ini_keys("fileuser"))
        who, _ = self.whoami()
        self.assert_user(who, "fileuser", "shared-credentials-file")
        self.assertIn("profile 'default'", who["Credentials"]["Detail"])

    def test_config_file(self):
        self.config_file("[default]\nregion = us-east-1\n" + self.ini_keys("cfguser"))
        who, _ = self.whoami()
        self.assert_user(who, "cfguser", "config-file")

    def test_named_profile(self):
        self.creds_file("[default]\n" + self.ini_keys("fileuser") + "[dev]\n" + self.ini_keys("devuser"))
        who, _ = self.whoami(env={"AWS_PROFILE": "dev"})
        self.assert_user(who, "devuser", "shared-credentials-file")
        self.assertEqual(who["Profile"], "dev")
        who, _ = self.whoami("--profile", "dev")
        self.assert_user(who, "devuser", "shared-credentials-file")

    def test_credential_process(self):
        k, s = self.users["procuser"]
        script = self.write("creds.py", "import json\nprint(json.dumps({'Version': 1, 'AccessKeyId': %r, "
                                        "'SecretAccessKey': %r}))\n" % (k, s))
        self.config_file("[default]\ncredential_process = %s %s\n" % (sys.executable, script))
        who, r = self.whoami(env={"CAIRN_LOG": "debug"})
        self.assert_user(who, "procuser", "custom-process")
        self.assertNotIn(s, r.stdout + r.stderr)

    def test_assume_role_with_source_profile(self):
        self.creds_file("[base]\n" + self.ini_keys("baseuser"))
        self.config_file("[profile deploy]\nrole_arn = %s\nsource_profile = base\nexternal_id = ext-42\n"
                         "role_session_name = cairn-it\nduration_seconds = 1800\n" % self.role("deploy"))
        who, r = self.whoami("--profile", "deploy", env={"CAIRN_LOG": "debug"})
        self.assertEqual(who["Arn"], "arn:aws:sts::123456789012:assumed-role/deploy/cairn-it")
        self.assertEqual(who["Credentials"]["Source"], "assume-role")
        self.assertIn("profile 'base'", who["Credentials"]["Detail"])
        self.assertIn("sts.AssumeRole HTTP 200", r.stderr)

    def test_assume_role_with_credential_source_environment(self):
        self.config_file("[profile er]\nrole_arn = %s\ncredential_source = Environment\n"
                         "role_session_name = from-env\n" % self.role("envrole"))
        who, _ = self.whoami("--profile", "er", env=self.keys_env("envuser"))
        self.assertEqual(who["Arn"], "arn:aws:sts::123456789012:assumed-role/envrole/from-env")

    def test_web_identity_from_environment(self):
        tok = self.write("token.jwt", "eyJhbGciOi.fake.token\n")
        who, _ = self.whoami(env={"AWS_WEB_IDENTITY_TOKEN_FILE": tok, "AWS_ROLE_ARN": self.role("web"),
                                  "AWS_ROLE_SESSION_NAME": "ci-session"})
        self.assertEqual(who["Arn"], "arn:aws:sts::123456789012:assumed-role/web/ci-session")
        self.assertEqual(who["Credentials"]["Source"], "assume-role-with-web-identity")

    def test_web_identity_from_profile(self):
        tok = self.write("token.jwt", "eyJhbGciOi.fake.token\n")
        self.config_file("[profile oidc]\nrole_arn = %s\nweb_identity_token_file = %s\n"
                         "role_session_name = gh\n" % (self.role("web"), tok))
        who, _ = self.whoami("--profile", "oidc")
        self.assertEqual(who["Arn"], "arn:aws:sts::123456789012:assumed-role/web/gh")

    def test_container_credentials(self):
        k, s = self.users["containeruser"]
        srv = awsfixtures.CredServer("container", k, s, auth="Bearer secret-token")
        self.addCleanup(srv.stop)
        env = {"AWS_CONTAINER_CREDENTIALS_FULL_URI": srv.url + "/v2/credentials/abc",
               "AWS_CONTAINER_AUTHORIZATION_TOKEN": "Bearer secret-token"}
        who, r = self.whoami(env=env)
        self.assert_user(who, "containeruser", "container-role")
        self.assertEqual(srv.requests[0][0:2], ("GET", "/v2/credentials/abc"))
        self.assertEqual(srv.requests[0][2].get("Authorization"), "Bearer secret-token")
        self.assertNotIn("secret-token", r.stdout + r.stderr)
        # the token may come from a file instead (EKS Pod Identity)
        tf = self.write("token", "Bearer secret-token\n")
        env = {"AWS_CONTAINER_CREDENTIALS_FULL_URI": srv.url + "/v2/credentials/abc",
               "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": tf}
        who, _ = self.whoami(env=env)
        self.assert_user(who, "containeruser", "container-role")

    def test_container_full_uri_must_be_loopback_or_https(self):
        for bad in ("http://10.1.2.3/creds", "http://169.254.170.2.example.com/creds",
                    "ftp://127.0.0.1/creds"):
            _, r = self.whoami(env={"AWS_CONTAINER_CREDENTIALS_FULL_URI": bad}, ok=False)
            self.assertEqual(r.returncode, 1)
            self.assertIn("AWS_CONTAINER_CREDENTIALS_FULL_URI", r.stderr)
            self.assertIn("loopback", r.stderr)

    def test_imdsv2(self):
        k, s = self.users["imdsuser"]
        srv = awsfixtures.CredServer("imds", k, s, token="imds-session", role="web-server")
        self.addCleanup(srv.stop)
        who, _ = self.whoami(env={"AWS_EC2_METADATA_DISABLED": None,
                                  "AWS_EC2_METADATA_SERVICE_ENDPOINT": srv.url})
        self.assert_user(who, "imdsuser", "iam-role")
        self.assertIn("web-server", who["Credentials"]["Detail"])
        methods = [(m, p) for m, p, _ in srv.requests]
        self.assertEqual(methods[0], ("PUT", "/latest/api/token"))
        self.assertIn(("GET", "/latest/meta-data/iam/security-credentials/"), methods)
        self.assertIn(("GET", "/latest/meta-data/iam/security-credentials/web-server"), methods)
        for m, p, h in srv.requests[1:]:
            self.assertEqual(h.get("X-aws-ec2-metadata-token"), srv.imds_token)

    def test_temporary_credentials_are_refreshed_before_expiry(self):
        k, s = self.users["containeruser"]
        soon = awsfixtures.CredServer("container", k, s, expires_in=300)
        later = awsfixtures.CredServer("container", k, s, expires_in=3600)
        self.addCleanup(soon.stop)
        self.addCleanup(later.stop)
        # whoami takes the credentials twice: to name their source, then to sign
        self.whoami(env={"AWS_CONTAINER_CREDENTIALS_FULL_URI": later.url + "/c"})
        self.assertEqual(len(later.requests), 1)
        self.whoami(env={"AWS_CONTAINER_CREDENTIALS_FULL_URI": soon.url + "/c"})
        self.assertEqual(len(soon.requests), 2)

    def test_nothing_found_lists_every_source(self):
        _, r = self.whoami(ok=False)
        self.assertEqual(r.returncode, 1)
        for src in ("env:", "assume-role:", "assume-role-with-web-identity:", "shared-credentials-file:",
                    "custom-process:", "config-file:", "container-role:", "iam-role:"):
            self.assertIn(src, r.stderr)
        self.assertIn("no AWS credentials found", r.stderr)

    # ---- precedence (the AWS CLI's)

    def test_environment_beats_files_but_not_an_explicit_profile(self):
        self.creds_file("[default]\n" + self.ini_keys("fileuser") + "[dev]\n" + self.ini_keys("devuser"))
        env = self.keys_env("envuser")
        who, _ = self.whoami(env=env)
        self.assert_user(who, "envuser", "env")
        env["AWS_PROFILE"] = "dev"
        who, _ = self.whoami(env=env)
        self.assert_user(who, "envuser", "env")
        who, _ = self.whoami("--profile", "dev", env=self.keys_env("envuser"))
        self.assert_user(who, "devuser", "shared-credentials-file")

    def test_credentials_file_beats_config_file(self):
        self.creds_file("[default]\n" + self.ini_keys("fileuser"))
        self.config_file("[default]\n" + self.ini_keys("cfguser"))
        who, _ = self.whoami()
        self.assert_user(who, "fileuser", "shared-credentials-file")

    def test_role_profile_beats_static_keys_and_process(self):
        self.creds_file("[base]\n" + self.ini_keys("baseuser") + "[deploy]\n" + self.ini_keys("fileuser"))
        self.config_file("[profile deploy]\nrole_arn = %s\nsource_profile = base\n"
                         "role_session_name = s\n" % self.role("deploy"))
        who, _ = self.whoami("--profile", "deploy")
        self.assertEqual(who["Arn"], "arn:aws:sts::123456789012:assumed-role/deploy/s")

    def test_web_identity_beats_shared_file(self):
        tok = self.write("token.jwt", "t\n")
        self.creds_file("[default]\n" + self.ini_keys("fileuser"))
        who, _ = self.whoami(env={"AWS_WEB_IDENTITY_TOKEN_FILE": tok, "AWS_ROLE_ARN": self.role("web"),
                                  "AWS_ROLE_SESSION_NAME": "w"})
        self.assertEqual(who["Credentials"]["Source"], "assume-role-with-web-identity")

    def test_container_beats_instance_metadata_and_files_beat_both(self):
        ck, cs = self.users["containeruser"]
        ik, isec = self.users["imdsuser"]
        c = awsfixtures.CredServer("container", ck, cs)
        i = awsfixtures.CredServer("imds", ik, isec)
        self.addCleanup(c.stop)
        self.addCleanup(i.stop)
        env = {"AWS_CONTAINER_CREDENTIALS_FULL_URI": c.url + "/c", "AWS_EC2_METADATA_DISABLED": None,
               "AWS_EC2_METADATA_SERVICE_ENDPOINT": i.url}
        who, _ = self.whoami(env=env)
        self.assert_user(who, "containeruser", "container-role")
        self.assertEqual(i.requests, [])
        self.creds_file("[default]\n" + self.ini_keys("fileuser"))
        who, _ = self.whoami(env=env)
        self.assert_user(who, "fileuser", "shared-credentials-file")


if __name__ == "__main__":
    cairntest.main()
