"""A resource this stack retained, applied again (docs/internals/state.md#retained).

A destroy leaves a DeletionPolicy: Retain bucket in AWS with this stack's
cairn tags, and remembers it in the state's "retained". Applying the
stack again adopts that bucket back (same name, same physical id, updated
in place to what the template says) instead of failing to create it.
Without the record (a state from an older cairn), create fails with a
message that says the bucket (or IAM role or user) carries this stack's
tags, why cairn does not take it over, and the commands to run. The same
for an IAM role, adopted back or explained. Checked with boto3.
"""
import json
import os

import cairntest


def stack(bucket_name=None, versioning=None, retain=True):
    props = {"Tags": [{"Key": "team", "Value": "data"}]}
    if bucket_name:
        props["BucketName"] = bucket_name
    if versioning:
        props["VersioningConfiguration"] = {"Status": versioning}
    b = {"Type": "AWS::S3::Bucket", "Properties": props}
    if retain:
        b["DeletionPolicy"] = "Retain"
    return {"AWSTemplateFormatVersion": "2010-09-09", "Resources": {"Bucket": b}}


class TestRetainedReadopt(cairntest.CairnTestCase):

    def setUp(self):
        super().setUp()
        self.moto.reset()

    def put(self, t, name="keep"):
        return self.write(name + ".yaml", json.dumps(t, indent=1))

    def state_path(self, name="keep"):
        return os.path.join(self.tmp, ".cairn", name + ".state.json")

    def state(self, name="keep"):
        with open(self.state_path(name)) as f:
            return json.load(f)

    def test_fixed_name_adopted_back_and_updated(self):
        s3 = self.boto("s3")
        path = self.put(stack("keep-data-bucket"))
        self.cairn_ok("apply", "--auto-approve", path)
        s3.put_object(Bucket="keep-data-bucket", Key="precious", Body=b"x")
        r = self.cairn_ok("destroy", "--auto-approve", path)
        self.assertIn("1 retained", r.stdout)
        st = self.state()
        self.assertEqual(st["resources"], {})
        self.assertEqual(st["retained"]["Bucket"]["id"], "keep-data-bucket")
        self.assertEqual(st["retained"]["Bucket"]["type"], "AWS::S3::Bucket")
        s3.head_bucket(Bucket="keep-data-bucket")

        # plan says what it will do, and changes nothing
        path = self.put(stack("keep-data-bucket", versioning="Enabled"))
        r = self.cairn_ok("plan", path)
        self.assertIn("Bucket (AWS::S3::Bucket) was retained by this stack: it will be adopted "
                      "back and updated in place", r.stdout)
        self.assertIn("1 resource this stack retained will be adopted back.", r.stdout)
        self.assertIn("retained", self.state())
        self.assertNotIn("Status", s3.get_bucket_versioning(Bucket="keep-data-bucket"))

        r = self.cairn_ok("apply", "--auto-approve", path)
        self.assertIn("1 resource this stack retained adopted back.", r.stdout)
        st = self.state()
        self.assertNotIn("retained", st)
        self.assertEqual(st["resources"]["Bucket"]["status"], "created")
        self.assertEqual(st["resources"]["Bucket"]["id"], "keep-data-bucket")
        self.assertEqual(s3.get_bucket_versioning(Bucket="keep-data-bucket")["Status"], "Enabled")
        self.assertEqual(s3.get_object(Bucket="keep-data-bucket", Key="precious")["Body"].read(), b"x")
        r = self.cairn("plan", "-detailed-exitcode", path)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_generated_name_adopted_back_as_it_is(self):
        s3 = self.boto("s3")
        path = self.put(stack())
        self.cairn_ok("apply", "--auto-approve", path)
        name = self.state()["resources"]["Bucket"]["id"]
        self.cairn_ok("destroy", "--auto-approve", path)
        # through a saved plan: adopted back when the plan is applied
        r = self.cairn_ok("plan", "-out", "back.plan", path)
        self.assertIn("was retained by this stack: it will be adopted back as it is", r.stdout)
        self.assertIn("retained", self.state())
        r = self.cairn_ok("apply", "back.plan")
        self.assertIn("1 resource this stack retained adopted back.", r.stdout)
        self.assertNotIn("retained", self.state())
        self.assertEqual(self.state()["resources"]["Bucket"]["id"], name)
        names = [b["Name"] for b in s3.list_buckets()["Buckets"]]
        self.assertEqual(names, [name])

    def test_gone_or_not_ours_is_created_again(self):
        s3 = self.boto("s3")
        path = self.put(stack())
        self.cairn_ok("apply", "--auto-approve", path)
        old = self.state()["resources"]["Bucket"]["id"]
        self.cairn_ok("destroy", "--auto-approve", path)
        s3.delete_bucket(Bucket=old)
        r = self.cairn_ok("apply", "--auto-approve", path)
        self.assertIn("is no longer in AWS", r.stdout)
        new = self.state()["resources"]["Bucket"]["id"]
        self.assertNotEqual(new, old)
        s3.head_bucket(Bucket=new)

    def test_without_record_the_message_says_what_to_do(self):
        s3 = self.boto("s3")
        path = self.put(stack("keep-old-bucket"))
        self.cairn_ok("apply", "--auto-approve", path)
        self.cairn_ok("destroy", "--auto-approve", path)
        # a state written by a cairn that did not remember retained resources
        st = self.state()
        del st["retained"]
        with open(self.state_path(), "w") as f:
            json.dump(st, f)
        r = self.cairn("apply", "--auto-approve", path)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertNotIn("did not make it", r.stderr)
        self.assertIn("a bucket named keep-old-bucket already exists and carries this stack's "
                      "tags (cairn:stack=keep, cairn:logical-id=Bucket)", r.stderr)
        self.assertIn("aws s3 rb s3://keep-old-bucket --force", r.stderr)
        self.assertIn("give BucketName another value", r.stderr)
        # a bucket of that name that is not this stack's: still "did not make it"
        s3.create_bucket(Bucket="someone-elses")
        r = self.cairn("apply", "--auto-approve", self.put(stack("someone-elses"), "other"))
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("already exists (in this account) and cairn did not make it", r.stderr)

    def test_a_retained_role_is_adopted_back_or_explained(self):
        iam = self.boto("iam")
        trust = {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"},
            "Action": "sts:AssumeRole"}]}

        def role_stack(description):
            return {"AWSTemplateFormatVersion": "2010-09-09", "Resources": {"Runner": {
                "Type": "AWS::IAM::Role", "DeletionPolicy": "Retain",
                "Properties": {"RoleName": "keep-runner", "Description": description,
                               "AssumeRolePolicyDocument": trust}}}}

        path = self.put(role_stack("first"), "roles")
        self.cairn_ok("apply", "--auto-approve", path)
        role_id = iam.get_role(RoleName="keep-runner")["Role"]["RoleId"]
        self.cairn_ok("destroy", "--auto-approve", path)
        self.assertEqual(iam.get_role(RoleName="keep-runner")["Role"]["RoleId"], role_id)

        # with the state's record: the same role, updated in place
        path = self.put(role_stack("second"), "roles")
        r = self.cairn_ok("apply", "--auto-approve", path)
        self.assertIn("adopted back", r.stdout)
        role = iam.get_role(RoleName="keep-runner")["Role"]
        self.assertEqual((role["RoleId"], role["Description"]), (role_id, "second"))
        self.assertEqual(self.state("roles")["resources"]["Runner"]["id"], "keep-runner")

        # without it (an older cairn's state): what it is and what to do
        self.cairn_ok("destroy", "--auto-approve", path)
        st = self.state("roles")
        del st["retained"]
        with open(self.state_path("roles"), "w") as f:
            json.dump(st, f)
        r = self.cairn("apply", "--auto-approve", path)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertNotIn("did not make it", r.stderr)
        self.assertIn("a role named keep-runner already exists and carries this stack's tags "
                      "(cairn:stack=roles, cairn:logical-id=Runner)", r.stderr)
        self.assertIn("aws iam delete-role --role-name keep-runner", r.stderr)
        self.assertEqual(iam.get_role(RoleName="keep-runner")["Role"]["RoleId"], role_id)
        # a role of that name that is not this stack's: "did not make it"
        iam.create_role(RoleName="not-ours", AssumeRolePolicyDocument=json.dumps(trust))
        other = role_stack("x")
        other["Resources"]["Runner"]["Properties"]["RoleName"] = "not-ours"
        r = self.cairn("apply", "--auto-approve", self.put(other, "other"))
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("a role named not-ours already exists and cairn did not make it", r.stderr)


if __name__ == "__main__":
    cairntest.main()
