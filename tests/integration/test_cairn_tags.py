"""Tags whose key starts with cairn: (docs/stack-language.md#tags).

cairn owns exactly two tag keys, cairn:stack and cairn:logical-id: it puts
them on every resource it creates, and a template that sets one is a
validation error naming the resource, the line and the tag. Every other
cairn: tag (cairn:access: read-only, which the least-privilege pack reads)
is the user's: sent to AWS, read back and compared like any tag. Checked
with boto3 against moto: the tag is there, a second plan is a no-op,
changing it is an in-place update (same physical id), removing it untags.
"""
import json
import os

import cairntest


def role(tags):
    return {"Type": "AWS::IAM::Role",
            "Properties": {"AssumeRolePolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                               "Action": "sts:AssumeRole"}]},
                "Tags": tags}}


def tag_dict(tagset):
    return {t["Key"]: t["Value"] for t in tagset or []}


class TestCairnTags(cairntest.CairnTestCase):

    def setUp(self):
        super().setUp()
        self.moto.reset()

    def stack(self, resources, name="tags"):
        t = {"AWSTemplateFormatVersion": "2010-09-09", "Resources": resources}
        return self.write(name + ".yaml", json.dumps(t, indent=1))

    def state(self, stack="tags"):
        with open(os.path.join(self.tmp, ".cairn", stack + ".state.json")) as f:
            return json.load(f)

    def plan_json(self, path, rc):
        r = self.cairn("plan", "-detailed-exitcode", "--json", path)
        self.assertEqual(r.returncode, rc, r.stdout + r.stderr)
        return json.loads(r.stdout)

    def test_user_cairn_tags_reach_aws_and_change_in_place(self):
        iam, kms, s3 = self.boto("iam"), self.boto("kms"), self.boto("s3")
        ro = [{"Key": "cairn:access", "Value": "read-only"}, {"Key": "team", "Value": "ml"}]
        path = self.stack({"Reader": role(ro),
                           "Key": {"Type": "AWS::KMS::Key",
                                   "Properties": {"EnableKeyRotation": True,
                                                  "Tags": [{"Key": "cairn:owner", "Value": "data"}]}},
                           "Bucket": {"Type": "AWS::S3::Bucket",
                                      "Properties": {"Tags": [{"Key": "cairn:owner", "Value": "data"}]}}})
        self.cairn_ok("apply", "--auto-approve", path)
        st = self.state()["resources"]
        name = st["Reader"]["id"]
        got = tag_dict(iam.list_role_tags(RoleName=name)["Tags"])
        self.assertEqual(got, {"cairn:access": "read-only", "team": "ml",
                               "cairn:stack": "tags", "cairn:logical-id": "Reader"})
        key = st["Key"]["id"]
        got = {t["TagKey"]: t["TagValue"] for t in kms.list_resource_tags(KeyId=key)["Tags"]}
        self.assertEqual(got, {"cairn:owner": "data", "cairn:stack": "tags", "cairn:logical-id": "Key"})
        got = tag_dict(s3.get_bucket_tagging(Bucket=st["Bucket"]["id"])["TagSet"])
        self.assertEqual(got, {"cairn:owner": "data", "cairn:stack": "tags", "cairn:logical-id": "Bucket"})

        # Read back and compared like any tag: nothing to do.
        r = self.cairn("plan", "-detailed-exitcode", path)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("No changes.", r.stdout)

        # Changed: an in-place update that shows the tag, applied to AWS.
        rw = [{"Key": "cairn:access", "Value": "read-write"}, {"Key": "team", "Value": "ml"}]
        path = self.stack({"Reader": role(rw),
                           "Key": {"Type": "AWS::KMS::Key",
                                   "Properties": {"EnableKeyRotation": True,
                                                  "Tags": [{"Key": "cairn:owner", "Value": "data"}]}},
                           "Bucket": {"Type": "AWS::S3::Bucket",
                                      "Properties": {"Tags": [{"Key": "cairn:owner", "Value": "ops"}]}}})
        plan = self.plan_json(path, 2)
        changes = {c["logical_id"]: c for c in plan["resource_changes"]}
        self.assertEqual(changes["Reader"]["action"], "update")
        self.assertEqual(changes["Bucket"]["action"], "update")
        self.assertEqual(changes["Key"]["action"], "no-op")
        tags_change = [c for c in changes["Reader"]["changes"] if c["path"] == "Tags"][0]
        self.assertIn({"Key": "cairn:access", "Value": "read-only"}, tags_change["before"])
        self.assertIn({"Key": "cairn:access", "Value": "read-write"}, tags_change["after"])
        for side in ("before", "after"):
            self.assertNotIn("cairn:stack", {t["Key"] for t in tags_change[side]})
        text = self.cairn("plan", path).stdout
        self.assertIn("cairn:access", text)
        self.assertIn("Plan: 0 to add, 2 to change, 0 to replace, 0 to destroy.", text)
        self.cairn_ok("apply", "--auto-approve", path)
        self.assertEqual(self.state()["resources"]["Reader"]["id"], name)
        got = tag_dict(iam.list_role_tags(RoleName=name)["Tags"])
        self.assertEqual(got["cairn:access"], "read-write")
        self.assertEqual(got["cairn:stack"], "tags")
        self.assertEqual(tag_dict(s3.get_bucket_tagging(Bucket=st["Bucket"]["id"])["TagSet"])["cairn:owner"],
                         "ops")
        self.assertEqual(self.cairn("plan", "-detailed-exitcode", path).returncode, 0)

        # Removed from the template: untagged; cairn's own tags stay.
        path = self.stack({"Reader": role([{"Key": "team", "Value": "ml"}]),
                           "Key": {"Type": "AWS::KMS::Key",
                                   "Properties": {"EnableKeyRotation": True,
                                                  "Tags": [{"Key": "cairn:owner", "Value": "data"}]}},
                           "Bucket": {"Type": "AWS::S3::Bucket",
                                      "Properties": {"Tags": [{"Key": "cairn:owner", "Value": "ops"}]}}})
        self.plan_json(path, 2)
        self.cairn_ok("apply", "--auto-approve", path)
        got = tag_dict(iam.list_role_tags(RoleName=name)["Tags"])
        self.assertEqual(got, {"team": "ml", "cairn:stack": "tags", "cairn:logical-id": "Reader"})
        self.assertEqual(self.cairn("plan", "-detailed-exitcode", path).returncode, 0)

        # Set out of band: a user cairn: tag is drift like any tag.
        iam.tag_role(RoleName=name, Tags=[{"Key": "cairn:access", "Value": "admin"}])
        plan = self.plan_json(path, 2)
        self.assertEqual({c["logical_id"]: c["action"] for c in plan["resource_changes"]}["Reader"],
                         "update")
        self.cairn_ok("apply", "--auto-approve", path)
        self.assertNotIn("cairn:access", tag_dict(iam.list_role_tags(RoleName=name)["Tags"]))
        self.cairn_ok("destroy", "--auto-approve", path)

    def test_reserved_keys_are_validation_errors(self):
        text = ('Resources:\n'
                '  Reader:\n'
                '    Type: AWS::S3::Bucket\n'
                '    Properties:\n'
                '      Tags:\n'
                '        - Key: team\n'
                '          Value: ml\n'
                '        - Key: cairn:stack\n'
                '          Value: other\n'
                '        - {Key: cairn:logical-id, Value: X}\n'
                '        - {Key: "aws:cloudformation:stack-name", Value: X}\n'
                '        - {Key: cairn:access, Value: read-only}\n')
        path = self.write("r.yaml", text)
        for cmd in ("validate", "plan", "check"):
            r = self.cairn(cmd, path)
            self.assertEqual(r.returncode, 1, cmd + ": " + r.stdout + r.stderr)
            self.assertIn("r.yaml:8:11: Reader (AWS::S3::Bucket): Properties.Tags[1].Key: the tag "
                          "key 'cairn:stack' is reserved: cairn sets it on every resource it "
                          "creates", r.stderr)
            self.assertIn("r.yaml:10:12: Reader (AWS::S3::Bucket): Properties.Tags[2].Key: the tag "
                          "key 'cairn:logical-id' is reserved", r.stderr)
            self.assertIn("r.yaml:11:12: Reader (AWS::S3::Bucket): Properties.Tags[3].Key: the tag "
                          "key 'aws:cloudformation:stack-name' is reserved: AWS refuses tag keys "
                          "starting with aws:", r.stderr)
            self.assertNotIn("cairn:access", r.stderr)
        # A key only known at apply: the provider refuses it before any call.
        text = ('Parameters:\n  K: {Type: String, Default: "cairn:stack"}\n'
                'Resources:\n  B:\n    Type: AWS::S3::Bucket\n    Properties:\n'
                '      Tags: [{Key: !Ref K, Value: x}]\n')
        path = self.write("p.yaml", text)
        r = self.cairn("apply", "--auto-approve", path)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("the tag key 'cairn:stack' is reserved", r.stderr)
        self.assertEqual(self.boto("s3").list_buckets()["Buckets"], [])


if __name__ == "__main__":
    cairntest.main()
