"""An AWS error in the middle of a create (moto verifying signatures and IAM
permissions): the error names the resource, its type, the AWS operation
and the code; the half-made bucket stays recorded as pending; once the
permission is granted, the next apply adopts it and finishes its
configuration, with no second bucket."""
import json

import cairntest

TEMPLATE = """\
Resources:
  Data:
    Type: AWS::S3::Bucket
    Properties:
      VersioningConfiguration: {Status: Enabled}
      Tags: [{Key: team, Value: ml}]
  Key:
    Type: AWS::KMS::Key
    Properties: {Description: fine}
"""


def policy(deny_versioning):
    st = [{"Effect": "Allow", "Action": ["s3:*", "kms:*", "sts:GetCallerIdentity"],
           "Resource": "*"}]
    if deny_versioning:
        st.append({"Effect": "Deny", "Action": "s3:PutBucketVersioning", "Resource": "*"})
    return json.dumps({"Version": "2012-10-17", "Statement": st})


class TestDenied(cairntest.CairnTestCase):
    # the six IAM calls of setUpClass are made before moto starts checking
    moto_auth_after = 6

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        import boto3
        iam = boto3.client("iam", endpoint_url=cls.moto.url, region_name=cairntest.REGION,
                           aws_access_key_id="x", aws_secret_access_key="x")
        keys = {}
        for user, pol in (("admin", json.dumps({"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": "*", "Resource": "*"}]})),
                          ("deployer", policy(True))):
            iam.create_user(UserName=user)
            iam.put_user_policy(UserName=user, PolicyName="p", PolicyDocument=pol)
            keys[user] = iam.create_access_key(UserName=user)["AccessKey"]
        cls.keys = keys

    def admin(self, service):
        k = self.keys["admin"]
        return self.boto(service, key=k["AccessKeyId"], secret=k["SecretAccessKey"])

    def as_deployer(self):
        k = self.keys["deployer"]
        return {"AWS_ACCESS_KEY_ID": k["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": k["SecretAccessKey"]}

    def test_denied_midway_then_adopted_and_finished(self):
        t = self.write("denied.yaml", TEMPLATE)
        r = self.cairn("apply", "--auto-approve", t, env=self.as_deployer())
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("Error: Data (AWS::S3::Bucket): create failed", r.stderr)
        self.assertIn("PutBucketVersioning (s3): AccessDenied", r.stderr)
        self.assertIn("1 operation failed", r.stderr)
        self.assertIn("Key: Creation complete", r.stdout)   # the independent one finished

        with open(self.tmp + "/.cairn/denied.state.json") as f:
            st = json.load(f)
        self.assertEqual(st["resources"]["Data"]["status"], "pending")
        self.assertEqual(st["resources"]["Key"]["status"], "created")
        name = st["resources"]["Data"]["pending"]["name"]
        s3 = self.admin("s3")
        self.assertEqual([b["Name"] for b in s3.list_buckets()["Buckets"]], [name])
        self.assertNotIn("Status", s3.get_bucket_versioning(Bucket=name))

        # the same permission problem again: same error, still one bucket
        r = self.cairn("apply", "--auto-approve", t, env=self.as_deployer())
        self.assertEqual(r.returncode, 1)
        self.assertIn("PutBucketVersioning (s3): AccessDenied", r.stderr)
        self.assertEqual(len(s3.list_buckets()["Buckets"]), 1)

        self.admin("iam").put_user_policy(UserName="deployer", PolicyName="p",
                                          PolicyDocument=policy(False))
        r = self.cairn("plan", "-detailed-exitcode", t, env=self.as_deployer())
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("was created by an interrupted apply: it will be adopted and updated "
                      "in place [id=%s]" % name, r.stdout)
        self.assertIn("VersioningConfiguration", r.stdout)
        r = self.cairn("apply", "--auto-approve", t, env=self.as_deployer())
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("1 resource made by an interrupted apply adopted", r.stdout)
        self.assertEqual([b["Name"] for b in s3.list_buckets()["Buckets"]], [name])
        self.assertEqual(s3.get_bucket_versioning(Bucket=name)["Status"], "Enabled")
        tags = {t["Key"]: t["Value"] for t in s3.get_bucket_tagging(Bucket=name)["TagSet"]}
        self.assertEqual(tags, {"team": "ml", "cairn:stack": "denied", "cairn:logical-id": "Data"})
        r = self.cairn("plan", "-detailed-exitcode", t, env=self.as_deployer())
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.cairn_ok("destroy", "--auto-approve", t, env=self.as_deployer())
        self.assertEqual(s3.list_buckets()["Buckets"], [])

    def test_wrong_secret_names_the_operation(self):
        t = self.write("denied.yaml", TEMPLATE)
        env = self.as_deployer()
        env["AWS_SECRET_ACCESS_KEY"] = "Wr0ngS3cretValue"
        r = self.cairn("plan", t, env=env)
        self.assertEqual(r.returncode, 1)
        self.assertIn("GetCallerIdentity", r.stderr)
        self.assertIn("SignatureDoesNotMatch", r.stderr)
        self.assertNotIn("Wr0ngS3cretValue", r.stdout + r.stderr)


if __name__ == "__main__":
    cairntest.main()
