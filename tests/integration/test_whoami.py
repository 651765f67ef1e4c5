"""`cairn whoami`: the account, ARN, user id, region and where the
credentials came from, as text and as JSON; the errors a user meets
first (no region, no such profile, no credentials, a wrong key)."""

import json

import awsfixtures
import cairntest


class TestWhoami(cairntest.CairnTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.key, cls.secret = awsfixtures.moto_user(cls.moto.url, "alice")

    def env_alice(self, **more):
        e = {"AWS_ACCESS_KEY_ID": self.key, "AWS_SECRET_ACCESS_KEY": self.secret}
        e.update(more)
        return e

    def test_text(self):
        r = self.cairn_ok("whoami", env=self.env_alice())
        lines = dict(l.split(":", 1) for l in r.stdout.strip().splitlines())
        self.assertEqual(lines["Account"].strip(), cairntest.ACCOUNT)
        self.assertEqual(lines["ARN"].strip(), "arn:aws:iam::123456789012:user/alice")
        self.assertTrue(lines["User id"].strip())
        self.assertEqual(lines["Region"].strip(), "us-east-1 (partition aws)")
        self.assertEqual(lines["Profile"].strip(), "default")
        self.assertIn("env (environment variables", lines["Credentials"])
        self.assertNotIn(self.secret, r.stdout + r.stderr)

    def test_json(self):
        r = self.cairn_ok("whoami", "--json", env=self.env_alice())
        who = json.loads(r.stdout)
        self.assertEqual(who["Account"], cairntest.ACCOUNT)
        self.assertEqual(who["Arn"], "arn:aws:iam::123456789012:user/alice")
        # the same identity as boto3 sees
        sts = awsfixtures.boto_client(self.endpoint, "sts", self.key, self.secret)
        self.assertEqual(who["UserId"], sts.get_caller_identity()["UserId"])
        self.assertEqual(who["Region"], "us-east-1")
        self.assertEqual(who["Partition"], "aws")
        self.assertEqual(who["Credentials"]["Source"], "env")

    def test_region_flag_and_partition(self):
        r = self.cairn_ok("whoami", "--json", "--region", "cn-north-1", env=self.env_alice())
        who = json.loads(r.stdout)
        self.assertEqual(who["Region"], "cn-north-1")
        self.assertEqual(who["Partition"], "aws-cn")
        r = self.cairn_ok("whoami", "--json", env=self.env_alice(AWS_REGION=None, AWS_DEFAULT_REGION="us-gov-west-1"))
        self.assertEqual(json.loads(r.stdout)["Partition"], "aws-us-gov")

    def test_region_from_profile(self):
        self.write(".aws/config", "[default]\nregion = eu-west-3\n")
        r = self.cairn_ok("whoami", "--json", env=self.env_alice(AWS_REGION=None, AWS_DEFAULT_REGION=None))
        self.assertEqual(json.loads(r.stdout)["Region"], "eu-west-3")

    def test_no_region(self):
        r = self.cairn("whoami", env=self.env_alice(AWS_REGION=None, AWS_DEFAULT_REGION=None))
        self.assertEqual(r.returncode, 1)
        self.assertIn("no AWS region: pass --region, set AWS_REGION, or set 'region' in profile 'default'",
                      r.stderr)

    def test_unknown_profile(self):
        r = self.cairn("whoami", "--profile", "nope", env=self.env_alice())
        self.assertEqual(r.returncode, 1)
        self.assertIn("AWS profile 'nope' (from --profile) is not in", r.stderr)

    def test_wrong_key_names_the_call_and_the_source(self):
        # moto without auth accepts any key, so point at a closed port instead
        r = self.cairn("whoami", env=self.env_alice(AWS_ENDPOINT_URL="http://127.0.0.1:9", AWS_MAX_ATTEMPTS="1"))
        self.assertEqual(r.returncode, 1)
        self.assertIn("GetCallerIdentity (sts): ConnectionError: could not connect to http://127.0.0.1:9", r.stderr)
        self.assertIn("credentials from env", r.stderr)

    def test_usage(self):
        r = self.cairn_ok("whoami", "--help")
        self.assertIn("cairn whoami", r.stdout)
        self.assertIn("--json", r.stdout)
        r = self.cairn_ok("--help")
        self.assertIn("whoami", r.stdout)
        self.assertNotIn("__aws-lua", r.stdout)


if __name__ == "__main__":
    cairntest.main()
