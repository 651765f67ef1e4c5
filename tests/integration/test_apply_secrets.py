"""No secret in the output or the debug log of a whole plan, apply, a
failing apply and a destroy (issue 4's secret-grep, extended to the
engine): credentials from an assumed role (secret key and session token),
and a NoEcho parameter whose value reaches a resource's tags. The state
file keeps the NoEcho value (it is what was applied); nothing printed or
planned does."""
import json
import os

import awsfixtures
import cairntest
import secretscan

SECRET_PARAM = "NoEcho-Value-4f1d9c2a"

TEMPLATE = """\
Parameters:
  Token:
    Type: String
    NoEcho: true
Resources:
  Key:
    Type: AWS::KMS::Key
    Properties:
      Description: secret scan
      Tags: [{Key: token, Value: !Ref Token}]
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      BucketEncryption:
        ServerSideEncryptionConfiguration:
          - ServerSideEncryptionByDefault: {SSEAlgorithm: aws:kms, KMSMasterKeyID: !GetAtt Key.Arn}
      Tags: [{Key: token, Value: !Sub "t-${Token}"}]
Outputs:
  Shown: {Value: !Ref Bucket}
  Hidden: {Value: !Ref Token}
"""


class TestNoSecretsInApply(cairntest.CairnTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        iam = awsfixtures.boto_client(cls.moto.url, "iam")
        iam.create_role(RoleName="deployer", AssumeRolePolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"},
                                                    "Action": "sts:AssumeRole"}]}))
        cls.role = awsfixtures.boto_client(cls.moto.url, "sts").assume_role(
            RoleArn="arn:aws:iam::123456789012:role/deployer", RoleSessionName="apply")["Credentials"]
        cls.secrets = [cls.role["SecretAccessKey"], cls.role["SessionToken"], SECRET_PARAM]

    def run_scanned(self, *args, level="debug", ok=True):
        env = {"AWS_ACCESS_KEY_ID": self.role["AccessKeyId"],
               "AWS_SECRET_ACCESS_KEY": self.role["SecretAccessKey"],
               "AWS_SESSION_TOKEN": self.role["SessionToken"], "CAIRN_LOG": level}
        r = self.cairn(*args, env=env)
        if ok:
            self.assertEqual(r.returncode, 0, r.stderr[-3000:])
        secretscan.assert_clean(self, r.stdout + r.stderr, self.secrets)
        return r

    def test_plan_apply_destroy_leak_nothing(self):
        t = self.write("scan.yaml", TEMPLATE)
        p = ["--param", "Token=" + SECRET_PARAM]
        for level in ("debug", "trace"):
            r = self.run_scanned("plan", *p, t, level=level)
            self.assertIn("sts.GetCallerIdentity HTTP 200", r.stderr)   # the log is there
        self.run_scanned("plan", "--json", *p, t)
        self.run_scanned("plan", "-out", "scan.plan", *p, t)
        with open(os.path.join(self.tmp, "scan.plan")) as f:
            saved = json.load(f)
        self.assertNotIn(SECRET_PARAM, json.dumps(saved["plan"]))
        r = self.run_scanned("apply", "scan.plan")
        self.assertIn("Hidden = (sensitive)", r.stdout)
        self.run_scanned("plan", *p, t)
        self.run_scanned("output")
        self.run_scanned("output", "Hidden")
        self.run_scanned("output", "--json")
        self.run_scanned("state", "list")
        r = self.run_scanned("state", "show", "Bucket")
        self.assertIn('"Tags": "(sensitive)"', r.stdout)
        with open(os.path.join(self.tmp, ".cairn", "scan.state.json")) as f:
            st = json.load(f)
        self.assertEqual(st["resources"]["Bucket"]["sensitive"], ["Tags"])
        self.assertTrue(st["outputs"]["Hidden"]["sensitive"])
        # what AWS holds is what was applied, secret included
        tags = {x["Key"]: x["Value"] for x in self.boto("s3").get_bucket_tagging(
            Bucket=self.cairn_ok("output", "Shown").stdout.strip())["TagSet"]}
        self.assertEqual(tags["token"], "t-" + SECRET_PARAM)
        # a change of the secret: an update, planned and applied without showing it
        r = self.run_scanned("apply", "--auto-approve", "--param", "Token=other-" + SECRET_PARAM, t)
        self.assertIn("2 changed", r.stdout)
        # a failure in the middle, at trace level
        self.boto("s3").create_bucket(Bucket="scan-taken")
        bad = self.write("bad.yaml", TEMPLATE.replace("Properties:\n      BucketEncryption",
                                                      "Properties:\n      BucketName: scan-taken\n"
                                                      "      BucketEncryption"))
        self.run_scanned("apply", "--auto-approve", "--stack-name", "scan", *p, bad,
                         level="trace", ok=False)
        self.run_scanned("destroy", "--auto-approve", *p, t)


if __name__ == "__main__":
    cairntest.main()
