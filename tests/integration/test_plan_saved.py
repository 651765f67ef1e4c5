"""cairn plan: the JSON plan, -detailed-exitcode, --target, and saved plans
(-out FILE, then cairn apply FILE): a saved plan applies exactly what it
shows, and is refused once the state or the template changed."""
import json
import os
import stat

import cairntest

TEMPLATE = """\
Parameters:
  Env: {Type: String, Default: dev}
  Secret: {Type: String, NoEcho: true, Default: s3cr3t-value}
Resources:
  Key:
    Type: AWS::KMS::Key
    Properties:
      Description: !Sub "key for ${Env}"
      Tags: [{Key: note, Value: !Sub "x-${Secret}"}]
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      BucketEncryption:
        ServerSideEncryptionConfiguration:
          - ServerSideEncryptionByDefault: {SSEAlgorithm: aws:kms, KMSMasterKeyID: !Ref Key}
      Tags: [{Key: env, Value: !Ref Env}]
  Logs:
    Type: AWS::S3::Bucket
    Properties:
      Tags: [{Key: env, Value: !Ref Env}]
Outputs:
  Bucket: {Value: !Ref Bucket}
  Leak: {Value: !Ref Secret}
"""


def load(path):
    with open(path) as f:
        return json.load(f)


class TestPlan(cairntest.CairnTestCase):

    def setUp(self):
        super().setUp()
        self.moto.reset()
        self.t = self.write("app.yaml", TEMPLATE)

    def buckets(self):
        return sorted(b["Name"] for b in self.boto("s3").list_buckets().get("Buckets", []))

    def test_json_plan_format(self):
        r = self.cairn_ok("plan", "--json", self.t)
        plan = json.loads(r.stdout)
        self.assertEqual(plan["format_version"], "1")
        self.assertEqual(plan["stack"], "app")
        by_id = {c["logical_id"]: c for c in plan["resource_changes"]}
        self.assertEqual(set(by_id), {"Key", "Bucket", "Logs"})
        for c in plan["resource_changes"]:
            self.assertEqual(set(c) >= {"logical_id", "type", "action", "changes"}, True, c)
            self.assertEqual(c["action"], "create")
            for ch in c["changes"]:
                self.assertEqual(set(ch) >= {"path", "before", "after"}, True, ch)
                self.assertIsNone(ch["before"])
        self.assertEqual(by_id["Key"]["type"], "AWS::KMS::Key")
        desc = [ch for ch in by_id["Key"]["changes"] if ch["path"] == "Description"][0]
        self.assertEqual(desc["after"], "key for dev")
        enc = [ch for ch in by_id["Bucket"]["changes"] if ch["path"] == "BucketEncryption"][0]
        kid = enc["after"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]["KMSMasterKeyID"]
        self.assertEqual(kid, {"Cairn::Unknown": {"Ref": "Key"}})
        # NoEcho values never appear, in JSON or text
        self.assertNotIn("s3cr3t-value", r.stdout)
        self.assertTrue(by_id["Key"].get("sensitive"))
        self.assertEqual(plan["outputs"]["Bucket"]["known"], False)
        self.assertEqual(plan["summary"], {"add": 3, "change": 0, "replace": 0, "destroy": 0,
                                           "changes": True})
        r = self.cairn_ok("plan", self.t)
        self.assertNotIn("s3cr3t-value", r.stdout)
        self.assertIn("(sensitive)", r.stdout)
        self.assertNotIn("\033[", r.stdout)  # NO_COLOR is set by the harness

        self.cairn_ok("apply", "--auto-approve", self.t)
        plan = json.loads(self.cairn_ok("plan", "--json", self.t).stdout)
        self.assertEqual({c["action"] for c in plan["resource_changes"]}, {"no-op"})
        self.assertEqual(plan["summary"]["changes"], False)
        r = self.cairn_ok("output")
        self.assertIn("Leak = (sensitive)", r.stdout)
        self.assertNotIn("s3cr3t-value", r.stdout)
        plan = json.loads(self.cairn_ok("plan", "--json", "--param", "Env=prod", self.t).stdout)
        by_id = {c["logical_id"]: c for c in plan["resource_changes"]}
        self.assertEqual(by_id["Key"]["action"], "update")
        self.assertEqual(by_id["Key"]["changes"],
                         [{"path": "Description", "before": "key for dev", "after": "key for prod"}])
        self.assertEqual(by_id["Logs"]["changes"][0]["path"], "Tags")

    def test_detailed_exitcode(self):
        r = self.cairn("plan", "-detailed-exitcode", self.t)
        self.assertEqual(r.returncode, 2, r.stderr)
        r = self.cairn("plan", self.t)
        self.assertEqual(r.returncode, 0, r.stderr)
        bad = self.write("bad.yaml", "Resources:\n  X:\n    Type: AWS::S3::Nope\n")
        r = self.cairn("plan", "-detailed-exitcode", bad)
        self.assertEqual(r.returncode, 1)
        self.assertIn("bad.yaml:3:", r.stderr)
        self.assertEqual(self.buckets(), [])

    def test_saved_plan_applies_exactly_then_goes_stale(self):
        planfile = os.path.join(self.tmp, "app.plan")
        r = self.cairn_ok("plan", "-out", planfile, self.t)
        self.assertIn("Saved the plan to", r.stdout)
        self.assertEqual(stat.S_IMODE(os.stat(planfile).st_mode), 0o600)
        saved = load(planfile)
        self.assertEqual(saved["state"]["serial"], 0)
        self.assertIsNone(saved["state"]["lineage"])

        r = self.cairn_ok("apply", planfile)   # no confirmation: it was reviewed
        self.assertIn("Apply complete! Resources: 3 added", r.stdout)
        names = self.buckets()
        self.assertEqual(len(names), 2)
        st = load(os.path.join(self.tmp, ".cairn", "app.state.json"))
        self.assertEqual(sorted(st["resources"]), ["Bucket", "Key", "Logs"])
        self.assertEqual(sorted(r["id"] for k, r in st["resources"].items() if k != "Key"), names)
        r = self.cairn("plan", "-detailed-exitcode", self.t)
        self.assertEqual(r.returncode, 0, r.stdout)

        # applied once: the same file is now stale
        r = self.cairn("apply", planfile)
        self.assertEqual(r.returncode, 1)
        self.assertIn("the saved plan is stale", r.stderr)
        self.assertIn("lineage (none: no state)", r.stderr)

        # a plan made now, then another apply changes the state: stale
        r = self.cairn_ok("plan", "-out", planfile, "--param", "Env=prod", self.t)
        self.cairn_ok("apply", "--auto-approve", "--param", "Env=test", self.t)
        r = self.cairn("apply", planfile)
        self.assertEqual(r.returncode, 1)
        self.assertIn("another apply ran since", r.stderr)
        tags = {t["Key"]: t["Value"] for b in names
                for t in self.boto("s3").get_bucket_tagging(Bucket=b)["TagSet"]}
        self.assertEqual(tags["env"], "test")

        # a plan made now, then the template changes: stale
        self.cairn_ok("plan", "-out", planfile, "--param", "Env=prod", self.t)
        with open(self.t, "a") as f:
            f.write("# edited\n")
        r = self.cairn("apply", planfile)
        self.assertEqual(r.returncode, 1)
        self.assertIn("app.yaml changed since the plan was made", r.stderr)

        # the saved plan carries its own parameters: applying it gives prod
        self.cairn_ok("plan", "-out", planfile, "--param", "Env=prod", self.t)
        r = self.cairn("apply", "--param", "Env=x", planfile)
        self.assertEqual(r.returncode, 1)
        self.assertIn("is a saved plan", r.stderr)
        r = self.cairn_ok("apply", planfile)
        self.assertIn("0 added, 3 changed", r.stdout)
        tags = {t["Key"]: t["Value"] for b in names
                for t in self.boto("s3").get_bucket_tagging(Bucket=b)["TagSet"]}
        self.assertEqual(tags["env"], "prod")

    def test_saved_destroy_plan(self):
        self.cairn_ok("apply", "--auto-approve", self.t)
        planfile = os.path.join(self.tmp, "destroy.plan")
        r = self.cairn_ok("plan", "--destroy", "-out", planfile, self.t)
        self.assertIn("Plan: 0 to add, 0 to change, 0 to replace, 3 to destroy.", r.stdout)
        self.assertEqual(len(self.buckets()), 2)
        r = self.cairn_ok("apply", planfile)
        self.assertIn("Destroy complete! Resources: 3 destroyed.", r.stdout)
        self.assertEqual(self.buckets(), [])

    def test_target_limits_the_plan_to_a_resource_and_its_dependencies(self):
        r = self.cairn_ok("plan", "--json", "--target", "Bucket", self.t)
        ids = sorted(c["logical_id"] for c in json.loads(r.stdout)["resource_changes"])
        self.assertEqual(ids, ["Bucket", "Key"])
        self.cairn_ok("apply", "--auto-approve", "--target", "Bucket", self.t)
        self.assertEqual(len(self.buckets()), 1)
        st = load(os.path.join(self.tmp, ".cairn", "app.state.json"))
        self.assertEqual(sorted(st["resources"]), ["Bucket", "Key"])
        r = self.cairn("plan", "--target", "Nope", self.t)
        self.assertEqual(r.returncode, 1)
        self.assertIn("--target Nope: there is no resource Nope", r.stderr)
        # destroy --target Key takes what depends on it too
        r = self.cairn_ok("destroy", "--auto-approve", "--target", "Key", self.t)
        self.assertIn("Resources: 2 destroyed", r.stdout)
        self.assertEqual(self.buckets(), [])


if __name__ == "__main__":
    cairntest.main()
