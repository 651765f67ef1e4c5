"""`cairn drift` (docs/commands/drift.md) against the emulator: what it
reports for each status, its formats and output file, its exit codes,
that it never writes the state, and what it says when it cannot work.
Changes outside cairn are made with boto3 and the aws CLI. (Every seed
stack and every service: test_drift_stacks.py.)
"""
import json
import os
import shutil
import subprocess

import cairntest

TEMPLATE = """\
Resources:
  Key:
    Type: AWS::KMS::Key
    Properties:
      Description: drift test key
      EnableKeyRotation: true
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      VersioningConfiguration: {Status: Enabled}
      Tags:
        - {Key: team, Value: data}
  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: {Service: lambda.amazonaws.com}
            Action: sts:AssumeRole
      MaxSessionDuration: 3600
Outputs:
  BucketName: {Value: !Ref Bucket}
  KeyId: {Value: !Ref Key}
  RoleName: {Value: !Ref Role}
"""


class TestDrift(cairntest.CairnTestCase):
    moto_server = cairntest.EMULATOR

    def apply(self):
        tpl = self.write("demo.yaml", TEMPLATE)
        self.cairn_ok("apply", "--auto-approve", tpl)
        out = {}
        for name in ("BucketName", "KeyId", "RoleName"):
            out[name] = self.cairn_ok("output", name).stdout.strip()
        return tpl, out

    def state_bytes(self):
        with open(os.path.join(self.tmp, ".cairn", "demo.state.json"), "rb") as f:
            return f.read()

    def test_in_sync_after_apply_then_each_status(self):
        tpl, out = self.apply()
        before = self.state_bytes()
        r = self.cairn("drift", tpl)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("Drift: 0 modified, 0 deleted, 0 not checked, 3 in sync.", r.stdout)
        r = self.cairn_ok("drift", "--all", tpl)
        self.assertIn("  Bucket (AWS::S3::Bucket) %s: IN_SYNC" % out["BucketName"], r.stdout)

        # outside cairn: versioning suspended, a tag changed, rotation off, the
        # role's session length changed
        s3 = self.boto("s3")
        s3.put_bucket_versioning(Bucket=out["BucketName"],
                                 VersioningConfiguration={"Status": "Suspended"})
        s3.put_bucket_tagging(Bucket=out["BucketName"], Tagging={"TagSet": [
            {"Key": "team", "Value": "ops"}]})
        self.aws("kms", "disable-key-rotation", "--key-id", out["KeyId"])
        self.aws("iam", "update-role", "--role-name", out["RoleName"],
                 "--max-session-duration", "7200")
        r = self.cairn("drift", "--format", "json", tpl)
        self.assertEqual(r.returncode, 2, r.stderr)
        rep = json.loads(r.stdout)
        by = {e["logical_id"]: e for e in rep["resources"]}
        self.assertEqual(by["Bucket"]["status"], "MODIFIED")
        self.assertEqual(by["Bucket"]["differences"], [
            {"path": "Tags", "expected": [{"Key": "team", "Value": "data"}],
             "actual": [{"Key": "team", "Value": "ops"}]},
            {"path": "VersioningConfiguration.Status", "expected": "Enabled",
             "actual": "Suspended"}])
        self.assertEqual(by["Key"]["differences"],
                         [{"path": "EnableKeyRotation", "expected": True, "actual": False}])
        self.assertEqual(by["Role"]["differences"],
                         [{"path": "MaxSessionDuration", "expected": 3600, "actual": 7200}])
        self.assertEqual(by["Key"]["location"], {"file": "demo.yaml", "line": 2, "column": 3})
        self.assertEqual(rep["summary"], {"resources": 3, "in_sync": 0, "modified": 3,
                                          "deleted": 0, "not_checked": 0})
        self.assertEqual(rep["template"]["path"], "demo.yaml")
        self.assertIn("generated_at", rep)

        # deleted outside cairn
        s3.delete_bucket(Bucket=out["BucketName"])
        r = self.cairn("drift", "--format", "json", tpl)
        self.assertEqual(r.returncode, 2)
        by = {e["logical_id"]: e for e in json.loads(r.stdout)["resources"]}
        self.assertEqual(by["Bucket"]["status"], "DELETED")
        self.assertEqual(by["Bucket"]["physical_id"], out["BucketName"])
        r = self.cairn("drift", tpl)
        self.assertIn("- Bucket (AWS::S3::Bucket) %s: DELETED" % out["BucketName"], r.stdout)

        # drift never writes the state
        self.assertEqual(self.state_bytes(), before)
        self.assertEqual(json.loads(before)["serial"], json.loads(self.state_bytes())["serial"])

    def test_formats_and_output_file(self):
        tpl, out = self.apply()
        self.aws("kms", "disable-key-rotation", "--key-id", out["KeyId"])
        r = self.cairn("drift", "--format", "markdown", tpl)
        self.assertEqual(r.returncode, 2)
        self.assertTrue(r.stdout.startswith("# Drift report: `demo`\n"), r.stdout[:200])
        self.assertIn("| `EnableKeyRotation` | `true` | `false` |", r.stdout)
        r = self.cairn("drift", "--output", "drift.json", "--format", "json", tpl)
        self.assertEqual(r.returncode, 2)
        self.assertEqual(r.stdout, "")
        with open(os.path.join(self.tmp, "drift.json")) as f:
            self.assertEqual(json.load(f)["summary"]["modified"], 1)
        r = self.cairn("drift", "--format", "yaml", tpl)
        self.assertEqual(r.returncode, 1)
        self.assertIn("--format yaml: give text, json or markdown", r.stderr)

    def test_pending_create_and_unreadable_resource(self):
        tpl, out = self.apply()
        path = os.path.join(self.tmp, ".cairn", "demo.state.json")
        with open(path) as f:
            st = json.load(f)
        # an apply interrupted while creating Role: not read, not drift
        st["resources"]["Role"]["status"] = "pending"
        st["resources"]["Role"]["pending"] = {"token": "t", "started": "2020-01-01T00:00:00Z"}
        with open(path, "w") as f:
            json.dump(st, f)
        r = self.cairn("drift", "--format", "json", tpl)
        self.assertEqual(r.returncode, 0, r.stderr)
        by = {e["logical_id"]: e for e in json.loads(r.stdout)["resources"]}
        self.assertEqual(by["Role"]["status"], "NOT_CHECKED")
        self.assertIn("interrupted", by["Role"]["reason"])

        # KMS cannot be reached: the key is NOT_CHECKED with the error, exit 1,
        # and the report is printed all the same
        r = self.cairn("drift", "--format", "json", tpl,
                       env={"AWS_ENDPOINT_URL_KMS": "http://127.0.0.1:9", "AWS_MAX_ATTEMPTS": "1"})
        self.assertEqual(r.returncode, 1, r.stderr)
        by = {e["logical_id"]: e for e in json.loads(r.stdout)["resources"]}
        self.assertEqual(by["Key"]["status"], "NOT_CHECKED")
        self.assertIn("reading it failed:", by["Key"]["reason"])
        self.assertIn("(kms)", by["Key"]["reason"])
        self.assertEqual(by["Bucket"]["status"], "IN_SYNC")
        self.assertIn("1 resource could not be read", r.stderr)

    def test_errors_name_what_to_do(self):
        tpl = self.write("demo.yaml", TEMPLATE)
        r = self.cairn("drift", tpl)
        self.assertEqual(r.returncode, 1)
        self.assertIn("there is no state for stack demo", r.stderr)
        self.assertIn("run cairn apply", r.stderr)
        r = self.cairn("drift")
        self.assertEqual(r.returncode, 1)
        self.assertIn("usage: cairn drift [options] FILE", r.stderr)
        r = self.cairn("drift", "--push", "origin", tpl)
        self.assertEqual(r.returncode, 1)
        self.assertIn("--push goes with --commit REPO", r.stderr)
        bad = self.write("bad.yaml", "Resources:\n  B: {Type: AWS::S3::Nope}\n")
        r = self.cairn("drift", bad)
        self.assertEqual(r.returncode, 1)
        self.assertIn("bad.yaml:2:", r.stderr)
        self.assertIn("nothing was checked", r.stderr)
        # a template changed since the apply: said, and drift still compares with
        # what was applied
        self.cairn_ok("apply", "--auto-approve", tpl)
        self.write("demo.yaml", TEMPLATE.replace("drift test key", "renamed key"))
        r = self.cairn("drift", tpl)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("changed since it was last applied", r.stderr)

    def test_valgrind_finds_no_leak(self):
        if not shutil.which("valgrind") or "asan" in os.environ.get("CAIRN", ""):
            self.skipTest("valgrind is not installed, or this is the ASan build")
        tpl, out = self.apply()
        self.aws("kms", "disable-key-rotation", "--key-id", out["KeyId"])
        repo = os.path.join(self.tmp, "reports")
        for args in (["drift", "--format", "markdown", tpl],
                     ["drift", "--commit", repo, "--author", "T <t@example.com>", tpl],
                     ["audit", "--regions", "us-east-1", "--commit", repo, "--author",
                      "T <t@example.com>", tpl]):
            r = subprocess.run(["valgrind", "-q", "--leak-check=full", "--error-exitcode=99",
                                cairntest.CAIRN] + args, capture_output=True, text=True,
                               cwd=self.tmp, env=self.env(), timeout=900)
            self.assertNotEqual(r.returncode, 99, "%s\n%s" % (args, r.stderr[-4000:]))
            self.assertNotIn("definitely lost", r.stderr)
            self.assertIn(r.returncode, (2, 3), r.stderr[-2000:])


if __name__ == "__main__":
    cairntest.main()
