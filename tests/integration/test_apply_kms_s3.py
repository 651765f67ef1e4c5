"""apply and destroy of a KMS key and an S3 bucket encrypted with it, against
moto, every result checked with boto3 (never with cairn's own reader alone).

The stack of issue 3's Done-when: rotation on, versioning on, public access
blocked. plan shows 2 to add; apply creates both; a second plan is a no-op;
a tag change is an update in place; a BucketName change is a replacement;
destroy removes both. Also: out-of-band changes are shown and put right,
a resource deleted outside cairn is made again, outputs.
"""
import json
import os

import cairntest

TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Description: a KMS key and a bucket encrypted with it
Parameters:
  Team: {Type: String, Default: ml}
Resources:
  Key:
    Type: AWS::KMS::Key
    Properties:
      Description: data key
      EnableKeyRotation: true
      Tags:
        - {Key: team, Value: !Ref Team}
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      %(name)s
      VersioningConfiguration: {Status: Enabled}
      BucketEncryption:
        ServerSideEncryptionConfiguration:
          - ServerSideEncryptionByDefault:
              SSEAlgorithm: aws:kms
              KMSMasterKeyID: !GetAtt Key.Arn
            BucketKeyEnabled: true
      PublicAccessBlockConfiguration:
        BlockPublicAcls: true
        BlockPublicPolicy: true
        IgnorePublicAcls: true
        RestrictPublicBuckets: true
      Tags:
        - {Key: team, Value: !Ref Team}
Outputs:
  BucketName:
    Value: !Ref Bucket
  BucketArn:
    Value: !GetAtt Bucket.Arn
  KeyArn:
    Value: !GetAtt Key.Arn
    Export: {Name: !Sub "${AWS::StackName}-key"}
"""


def template(name=None):
    return TEMPLATE % {"name": ("BucketName: %s" % name) if name else ""}


def tags_of(tagset, key="Key", value="Value"):
    return {t[key]: t[value] for t in tagset}


class TestKmsS3(cairntest.CairnTestCase):

    def setUp(self):
        super().setUp()
        self.moto.reset()

    def state(self, stack="demo"):
        with open("%s/.cairn/%s.state.json" % (self.tmp, stack)) as f:
            return json.load(f)

    def output(self, name):
        return self.cairn_ok("output", name).stdout.strip()

    def live_buckets(self):
        return sorted(b["Name"] for b in self.boto("s3").list_buckets().get("Buckets", []))

    def key_state(self, key_id):
        return self.boto("kms").describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"]

    def assert_bucket_configured(self, name, key_arn, team):
        s3 = self.boto("s3")
        self.assertEqual(s3.get_bucket_versioning(Bucket=name)["Status"], "Enabled")
        rules = s3.get_bucket_encryption(Bucket=name)["ServerSideEncryptionConfiguration"]["Rules"]
        self.assertEqual(len(rules), 1)
        self.assertEqual(rules[0]["ApplyServerSideEncryptionByDefault"],
                         {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key_arn})
        self.assertTrue(rules[0]["BucketKeyEnabled"])
        pab = s3.get_public_access_block(Bucket=name)["PublicAccessBlockConfiguration"]
        self.assertEqual(pab, {"BlockPublicAcls": True, "BlockPublicPolicy": True,
                               "IgnorePublicAcls": True, "RestrictPublicBuckets": True})
        tags = tags_of(s3.get_bucket_tagging(Bucket=name)["TagSet"])
        self.assertEqual(tags, {"team": team, "cairn:stack": "demo",
                                "cairn:logical-id": "Bucket"})

    def test_plan_apply_update_replace_destroy(self):
        t = self.write("demo.yaml", template())

        r = self.cairn_ok("plan", t)
        self.assertIn("Plan: 2 to add, 0 to change, 0 to replace, 0 to destroy.", r.stdout)
        self.assertIn("+ Key", r.stdout)
        self.assertIn("+ Bucket", r.stdout)
        self.assertIn("\"KMSMasterKeyID\": (known after apply)", r.stdout)
        self.assertEqual(self.live_buckets(), [], "plan must not create anything")

        r = self.cairn_ok("apply", "--auto-approve", t)
        self.assertIn("Key: Creation complete after", r.stdout)
        self.assertIn("Apply complete! Resources: 2 added, 0 changed, 0 replaced, 0 destroyed.",
                      r.stdout)
        bucket, key_arn = self.output("BucketName"), self.output("KeyArn")
        self.assertRegex(bucket, r"^demo-bucket-[0-9a-f]{12}$")
        self.assertEqual(self.live_buckets(), [bucket])
        self.assert_bucket_configured(bucket, key_arn, "ml")
        kms = self.boto("kms")
        key_id = kms.describe_key(KeyId=key_arn)["KeyMetadata"]["KeyId"]
        self.assertTrue(kms.get_key_rotation_status(KeyId=key_id)["KeyRotationEnabled"])
        self.assertEqual(kms.describe_key(KeyId=key_id)["KeyMetadata"]["Description"], "data key")
        self.assertEqual(tags_of(kms.list_resource_tags(KeyId=key_id)["Tags"], "TagKey", "TagValue"),
                         {"team": "ml", "cairn:stack": "demo", "cairn:logical-id": "Key"})
        st = self.state()
        self.assertEqual(st["resources"]["Bucket"]["id"], bucket)
        # `cairn output FILE [NAME]` names the stack as plan and apply do,
        # which matters when .cairn/ holds several stacks' states.
        with open("%s/.cairn/other.state.json" % self.tmp, "w") as f:
            json.dump(dict(st, stack="other", outputs={}), f)
        r = self.cairn("output", "BucketName")
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertEqual(self.cairn_ok("output", t, "BucketName").stdout, bucket + "\n")
        self.assertIn('BucketName = "%s"' % bucket, self.cairn_ok("output", t).stdout)
        os.unlink("%s/.cairn/other.state.json" % self.tmp)
        self.assertEqual(st["resources"]["Key"]["id"], key_id)
        self.assertEqual(st["outputs"]["KeyArn"], {"value": key_arn, "export": "demo-key"})

        r = self.cairn("plan", "-detailed-exitcode", t)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("No changes.", r.stdout)

        # a tag: updated in place, on both, the same bucket and key
        r = self.cairn("plan", "-detailed-exitcode", "--param", "Team=data", t)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("Plan: 0 to add, 2 to change, 0 to replace, 0 to destroy.", r.stdout)
        self.assertIn("~ Tags = [{\"Key\":\"team\",\"Value\":\"ml\"}] -> "
                      "[{\"Key\":\"team\",\"Value\":\"data\"}]", r.stdout)
        self.cairn_ok("apply", "--auto-approve", "--param", "Team=data", t)
        self.assertEqual(self.live_buckets(), [bucket])
        self.assert_bucket_configured(bucket, key_arn, "data")
        self.assertEqual(tags_of(kms.list_resource_tags(KeyId=key_id)["Tags"], "TagKey",
                                 "TagValue")["team"], "data")
        r = self.cairn("plan", "-detailed-exitcode", "--param", "Team=data", t)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

        # BucketName: a replacement; the new bucket first, then the old one goes
        t = self.write("demo.yaml", template("cairn-test-renamed"))
        r = self.cairn("plan", "-detailed-exitcode", "--param", "Team=data", t)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("-/+ Bucket", r.stdout)
        self.assertIn("\"%s\" -> \"cairn-test-renamed\" # forces replacement" % bucket, r.stdout)
        self.assertIn("Plan: 0 to add, 0 to change, 1 to replace, 0 to destroy.", r.stdout)
        r = self.cairn_ok("apply", "--auto-approve", "--param", "Team=data", t)
        self.assertIn("1 replaced", r.stdout)
        self.assertEqual(self.live_buckets(), ["cairn-test-renamed"])
        self.assert_bucket_configured("cairn-test-renamed", key_arn, "data")
        self.assertEqual(self.output("BucketName"), "cairn-test-renamed")
        self.assertNotIn("deposed", self.state()["resources"]["Bucket"])
        r = self.cairn("plan", "-detailed-exitcode", "--param", "Team=data", t)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

        # destroy: the bucket, then the key (scheduled for deletion, as KMS does)
        r = self.cairn("destroy", t)
        self.assertEqual(r.returncode, 1)
        self.assertIn("--auto-approve", r.stderr)
        self.assertEqual(self.live_buckets(), ["cairn-test-renamed"])
        r = self.cairn_ok("destroy", "--auto-approve", "--param", "Team=data", t)
        self.assertIn("Destroy complete! Resources: 2 destroyed.", r.stdout)
        self.assertLess(r.stdout.index("Bucket: Destruction complete"),
                        r.stdout.index("Key: Destroying"))
        self.assertEqual(self.live_buckets(), [])
        self.assertEqual(self.key_state(key_id), "PendingDeletion")
        st = self.state()
        self.assertEqual(st["resources"], {})
        self.assertEqual(st["outputs"], {})
        r = self.cairn("plan", "-detailed-exitcode", "--destroy", t)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_a_key_removed_inside_a_list_item_is_removed_in_aws(self):
        t = self.write("demo.yaml", template())
        self.cairn_ok("apply", "--auto-approve", t)
        bucket = self.output("BucketName")
        s3 = self.boto("s3")

        def default_rule():
            rules = s3.get_bucket_encryption(Bucket=bucket)[
                "ServerSideEncryptionConfiguration"]["Rules"]
            return rules[0]["ApplyServerSideEncryptionByDefault"]

        self.assertIn("KMSMasterKeyID", default_rule())
        # the bucket then uses the account's aws/s3 key: a change, at its path
        t = self.write("demo.yaml", template().replace(
            "              KMSMasterKeyID: !GetAtt Key.Arn\n", ""))
        r = self.cairn("plan", "-detailed-exitcode", "--no-policies", t)
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertIn("- BucketEncryption.ServerSideEncryptionConfiguration[0]."
                      "ServerSideEncryptionByDefault.KMSMasterKeyID", r.stdout)
        self.assertIn("Plan: 0 to add, 1 to change, 0 to replace, 0 to destroy.", r.stdout)
        self.cairn_ok("apply", "--auto-approve", t)
        self.assertEqual(default_rule(), {"SSEAlgorithm": "aws:kms"})
        r = self.cairn("plan", "-detailed-exitcode", t)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_out_of_band_changes_are_shown_and_put_right(self):
        t = self.write("demo.yaml", template())
        self.cairn_ok("apply", "--auto-approve", t)
        bucket, key_arn = self.output("BucketName"), self.output("KeyArn")
        s3, kms = self.boto("s3"), self.boto("kms")
        s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Suspended"})
        s3.delete_public_access_block(Bucket=bucket)
        s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [
            {"Key": "team", "Value": "ml"}, {"Key": "extra", "Value": "x"},
            {"Key": "cairn:stack", "Value": "demo"}, {"Key": "cairn:logical-id", "Value": "Bucket"}]})
        kms.disable_key_rotation(KeyId=key_arn)

        r = self.cairn("plan", "-detailed-exitcode", t)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("~ VersioningConfiguration.Status", r.stdout)
        self.assertIn("\"Suspended\" -> \"Enabled\"", r.stdout)
        self.assertIn("+ PublicAccessBlockConfiguration", r.stdout)
        self.assertIn("~ EnableKeyRotation", r.stdout)
        self.assertIn("Plan: 0 to add, 2 to change, 0 to replace, 0 to destroy.", r.stdout)

        self.cairn_ok("apply", "--auto-approve", t)
        self.assert_bucket_configured(bucket, key_arn, "ml")   # "extra" is gone too
        self.assertTrue(kms.get_key_rotation_status(KeyId=key_arn)["KeyRotationEnabled"])
        r = self.cairn("plan", "-detailed-exitcode", t)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_deleted_outside_cairn_is_made_again(self):
        t = self.write("demo.yaml", template())
        self.cairn_ok("apply", "--auto-approve", t)
        old = self.output("BucketName")
        self.boto("s3").delete_bucket(Bucket=old)
        r = self.cairn("plan", "-detailed-exitcode", t)
        self.assertEqual(r.returncode, 2)
        self.assertIn("# Bucket (AWS::S3::Bucket) will be created (it was deleted outside cairn)",
                      r.stdout)
        self.cairn_ok("apply", "--auto-approve", t)
        new = self.output("BucketName")
        self.assertEqual(self.live_buckets(), [new])
        self.assert_bucket_configured(new, self.output("KeyArn"), "ml")
        self.cairn_ok("destroy", "--auto-approve", t)
        self.assertEqual(self.live_buckets(), [])

    def test_removed_resource_is_deleted_and_retain_is_honoured(self):
        t = self.write("two.yaml", """\
Resources:
  Kept:
    Type: AWS::S3::Bucket
    DeletionPolicy: Retain
    Properties: {BucketName: cairn-test-kept}
  Gone:
    Type: AWS::S3::Bucket
    Properties: {BucketName: cairn-test-gone}
  Stays:
    Type: AWS::S3::Bucket
    Properties: {BucketName: cairn-test-stays}
""")
        self.cairn_ok("apply", "--auto-approve", t)
        self.assertEqual(self.live_buckets(), ["cairn-test-gone", "cairn-test-kept", "cairn-test-stays"])
        t = self.write("two.yaml", """\
Resources:
  Stays:
    Type: AWS::S3::Bucket
    Properties: {BucketName: cairn-test-stays}
""")
        r = self.cairn_ok("plan", t)
        self.assertIn("# Gone (AWS::S3::Bucket) will be destroyed (removed from the template)",
                      r.stdout)
        self.assertIn("# Kept (AWS::S3::Bucket) will be removed from the state and left in AWS",
                      r.stdout)
        self.assertIn("Plan: 0 to add, 0 to change, 0 to replace, 1 to destroy.", r.stdout)
        r = self.cairn_ok("apply", "--auto-approve", t)
        self.assertIn("1 resource left in AWS and removed from the state (Retain).", r.stdout)
        self.assertEqual(self.live_buckets(), ["cairn-test-kept", "cairn-test-stays"])
        self.assertEqual(sorted(self.state("two")["resources"]), ["Stays"])
        self.cairn_ok("destroy", "--auto-approve", t)
        self.assertEqual(self.live_buckets(), ["cairn-test-kept"])

    def test_update_replace_policy_retain_keeps_the_old_one(self):
        tmpl = """\
Resources:
  Logs:
    Type: AWS::S3::Bucket
    UpdateReplacePolicy: Retain
    Properties: {BucketName: %s}
"""
        t = self.write("urp.yaml", tmpl % "cairn-test-logs-a")
        self.cairn_ok("apply", "--auto-approve", t)
        t = self.write("urp.yaml", tmpl % "cairn-test-logs-b")
        r = self.cairn_ok("plan", t)
        self.assertIn("must be replaced (the old one is left in AWS: UpdateReplacePolicy Retain)",
                      r.stdout)
        r = self.cairn_ok("apply", "--auto-approve", t)
        self.assertIn("Removed from the state and left in AWS (Retain)", r.stdout)
        self.assertEqual(self.live_buckets(), ["cairn-test-logs-a", "cairn-test-logs-b"])
        st = self.state("urp")
        self.assertEqual(st["resources"]["Logs"]["id"], "cairn-test-logs-b")
        self.assertNotIn("deposed", st["resources"]["Logs"])

    def test_a_bucket_cairn_did_not_make_is_never_taken_over(self):
        self.boto("s3").create_bucket(Bucket="cairn-test-theirs")
        t = self.write("mine.yaml", """\
Resources:
  Other:
    Type: AWS::S3::Bucket
  Theirs:
    Type: AWS::S3::Bucket
    Properties: {BucketName: cairn-test-theirs}
  AfterTheirs:
    Type: AWS::S3::Bucket
    Properties:
      Tags: [{Key: next-to, Value: !Ref Theirs}]
""")
        r = self.cairn("apply", "--auto-approve", t)
        self.assertEqual(r.returncode, 1)
        self.assertIn("Error: Theirs (AWS::S3::Bucket): create failed", r.stderr)
        self.assertIn("CreateBucket (s3): BucketAlreadyExists", r.stderr)
        self.assertIn("1 operation failed", r.stderr)
        # what did not depend on the failure finished; what did never started
        self.assertIn("Other: Creation complete", r.stdout)
        self.assertNotIn("AfterTheirs: Creating", r.stdout)
        st = self.state("mine")
        self.assertEqual(st["resources"]["Other"]["status"], "created")
        self.assertNotIn("AfterTheirs", st["resources"])
        # their bucket was not touched: still untagged
        with self.assertRaises(self.boto("s3").exceptions.ClientError):
            self.boto("s3").get_bucket_tagging(Bucket="cairn-test-theirs")
        # still refused on the next run; nothing duplicated
        r = self.cairn("apply", "--auto-approve", t)
        self.assertEqual(r.returncode, 1)
        self.assertEqual(len(self.live_buckets()), 2)


if __name__ == "__main__":
    cairntest.main()
