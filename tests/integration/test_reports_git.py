"""Reports committed to git by `cairn drift --commit` and `cairn audit
--commit` (issue 7, "Reports in git"), read back with the git command line:
the files at their stable paths, the subject and trailers, the template
hash equal to sha256sum of the template and the policies hash equal to
`sha256sum FILE... | LC_ALL=C sort | sha256sum` over the policy files the
report lists, the state serial; a second run with nothing changed makes
no commit (--always makes one); --branch, --author, --push to a local
bare repository; and no secret anywhere in the repository: a NoEcho
parameter's value and credentials planted in the stack never reach a
file, a commit message or any revision.
"""
import hashlib
import json
import os
import subprocess

import cairntest

SECRET = "s3cr3t-NoEcho-Value-4711"
FAKE_KEY_ID = "AKIAIOSFODNN7EXAMPLE"
FAKE_SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"

TEMPLATE = """\
Parameters:
  Owner:
    Type: String
    NoEcho: true
Resources:
  Key:
    Type: AWS::KMS::Key
    Properties:
      Description: !Sub "key of ${Owner}"
      EnableKeyRotation: true
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      VersioningConfiguration: {Status: Enabled}
      Tags:
        - {Key: owner, Value: !Ref Owner}
        - {Key: team, Value: data}
Outputs:
  BucketName: {Value: !Ref Bucket}
  KeyId: {Value: !Ref Key}
"""

AUTHOR = "Report Bot <reports@example.com>"


class TestReportsGit(cairntest.CairnTestCase):
    moto_server = cairntest.EMULATOR

    def git(self, repo, *args):
        r = subprocess.run(["git", "-C", repo] + list(args), capture_output=True, text=True,
                           env=self.env(), timeout=60)
        self.assertEqual(r.returncode, 0, "git %s: %s" % (" ".join(args), r.stderr))
        return r.stdout

    def setUp(self):
        super().setUp()
        self.tpl = self.write("secure.yaml", TEMPLATE)
        self.cairn_ok("apply", "--auto-approve", "--param", "Owner=" + SECRET, self.tpl)
        self.bucket = self.cairn_ok("output", "BucketName").stdout.strip()
        self.key = self.cairn_ok("output", "KeyId").stdout.strip()
        self.repo = os.path.join(self.tmp, "demo-reports")

    def run_cmd(self, cmd, *args, expect=None):
        r = self.cairn(cmd, "--param", "Owner=" + SECRET, "--author", AUTHOR, "--commit",
                       self.repo, *args, "secure.yaml")
        if expect is not None:
            self.assertEqual(r.returncode, expect, r.stdout[-2000:] + r.stderr)
        return r

    def trailers(self, rev="HEAD"):
        out = self.git(self.repo, "log", "-1", "--format=%(trailers:unfold,only)", rev)
        return dict(line.split(": ", 1) for line in out.splitlines() if ": " in line)

    def serial(self):
        with open(os.path.join(self.tmp, ".cairn", "secure.state.json")) as f:
            return json.load(f)["serial"]

    def test_drift_commits_files_subject_trailers_and_only_changes(self):
        # out of band: versioning suspended
        self.boto("s3").put_bucket_versioning(Bucket=self.bucket,
                                              VersioningConfiguration={"Status": "Suspended"})
        serial = self.serial()
        r = self.run_cmd("drift", expect=2)
        self.assertIn("committed ", r.stderr)
        self.assertEqual(self.git(self.repo, "ls-files").split(),
                         ["reports/secure/drift.json", "reports/secure/drift.md"])
        self.assertEqual(self.git(self.repo, "log", "-1", "--format=%s"),
                         "drift: secure: 1 modified\n")
        self.assertEqual(self.git(self.repo, "log", "-1", "--format=%an <%ae>").strip(), AUTHOR)
        t = self.trailers()
        with open(self.tpl, "rb") as f:
            sha = hashlib.sha256(f.read()).hexdigest()
        sha_cli = subprocess.run(["sha256sum", "secure.yaml"], capture_output=True, text=True,
                                 cwd=self.tmp).stdout.split()[0]
        self.assertEqual(t["Cairn-Template-SHA256"], sha_cli)
        self.assertEqual(sha, sha_cli)
        self.assertEqual(t["Cairn-Stack"], "secure")
        self.assertEqual(t["Cairn-Template"], "secure.yaml")
        self.assertEqual(t["Cairn-State-Serial"], str(serial))
        self.assertIn("Cairn-Version", t)
        self.assertNotIn("Cairn-Policies-SHA256", t)
        drift = json.loads(self.git(self.repo, "show", "HEAD:reports/secure/drift.json"))
        self.assertEqual(drift["template"]["sha256"], sha)
        self.assertNotIn("generated_at", drift)     # the commit carries the time
        self.assertEqual(drift["state"]["serial"], serial)
        md = self.git(self.repo, "show", "HEAD:reports/secure/drift.md")
        self.assertIn("| `VersioningConfiguration.Status` | `\"Enabled\"` | `\"Suspended\"` |",
                      md)
        self.assertEqual(self.git(self.repo, "status", "--porcelain"), "")

        # nothing changed: no commit; --always: one
        count = self.git(self.repo, "rev-list", "--count", "HEAD")
        r = self.run_cmd("drift", expect=2)
        self.assertIn("nothing to commit", r.stderr)
        self.assertEqual(self.git(self.repo, "rev-list", "--count", "HEAD"), count)
        self.run_cmd("drift", "--always", expect=2)
        self.assertEqual(int(self.git(self.repo, "rev-list", "--count", "HEAD")), int(count) + 1)

        # a change shows as a diff of the stable files
        self.boto("s3").put_bucket_versioning(Bucket=self.bucket,
                                              VersioningConfiguration={"Status": "Enabled"})
        self.run_cmd("drift", expect=0)
        self.assertEqual(self.git(self.repo, "log", "-1", "--format=%s"),
                         "drift: secure: in sync (2 resources)\n")
        changed = self.git(self.repo, "diff", "--name-only", "HEAD~1", "HEAD").split()
        self.assertEqual(changed, ["reports/secure/drift.json", "reports/secure/drift.md"])
        self.assertEqual(self.serial(), serial)

    def test_audit_commits_four_files_and_the_policies_hash(self):
        self.aws("kms", "disable-key-rotation", "--key-id", self.key)
        r = self.run_cmd("audit", "--regions", "us-east-1", "--branch", "compliance")
        self.assertIn(r.returncode, (3,), r.stderr)
        self.assertEqual(self.git(self.repo, "ls-tree", "-r", "--name-only", "compliance").split(),
                         ["reports/secure/audit.json", "reports/secure/audit.md",
                          "reports/secure/drift.json", "reports/secure/drift.md"])
        self.assertEqual(self.git(self.repo, "rev-parse", "--abbrev-ref", "HEAD").strip(),
                         "compliance")
        subject = self.git(self.repo, "log", "-1", "--format=%s", "compliance").strip()
        self.assertRegex(subject, r"^audit: secure: \d+ failed, .*\d+ passed, drift 1 modified$")
        t = self.trailers("compliance")
        audit = json.loads(self.git(self.repo, "show", "compliance:reports/secure/audit.json"))
        files = [p["path"] for p in audit["policies"]["files"]]
        self.assertGreater(len(files), 30)
        # sha256sum over the files this tree holds, with the paths the report shows
        out = subprocess.run("sha256sum %s | LC_ALL=C sort | sha256sum" % " ".join(files),
                             shell=True, capture_output=True, text=True, cwd=cairntest.ROOT)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertEqual(t["Cairn-Policies-SHA256"], out.stdout.split()[0])
        self.assertEqual(audit["policies"]["sha256"], t["Cairn-Policies-SHA256"])
        controls = {c["id"]: c for c in audit["controls"]}
        self.assertEqual(controls["cis-3.6"]["status"], "failed")
        md = self.git(self.repo, "show", "compliance:reports/secure/audit.md")
        self.assertIn("## Failed controls", md)
        self.assertIn("### cis-3.6: ", md)
        # the drift files an audit writes are the ones drift would write
        d1 = self.git(self.repo, "show", "compliance:reports/secure/drift.json")
        self.run_cmd("drift", "--branch", "compliance", expect=2)
        self.assertEqual(self.git(self.repo, "show", "compliance:reports/secure/drift.json"), d1)

    def test_push_to_a_bare_repository(self):
        bare = os.path.join(self.tmp, "remote.git")
        subprocess.run(["git", "init", "-q", "--bare", bare], check=True)
        self.run_cmd("drift", "--push", bare, expect=0)
        local = self.git(self.repo, "rev-parse", "HEAD").strip()
        branch = self.git(self.repo, "rev-parse", "--abbrev-ref", "HEAD").strip()
        self.assertEqual(self.git(bare, "rev-parse", branch).strip(), local)
        # a named remote; pushed again although nothing new was committed
        self.git(self.repo, "remote", "add", "origin", bare)
        self.boto("s3").put_bucket_versioning(Bucket=self.bucket,
                                              VersioningConfiguration={"Status": "Suspended"})
        r = self.run_cmd("drift", "--push", "origin", expect=2)
        self.assertIn("pushed branch %s to origin" % branch, r.stderr)
        self.assertEqual(self.git(bare, "rev-parse", branch).strip(),
                         self.git(self.repo, "rev-parse", "HEAD").strip())
        self.assertEqual(self.git(self.repo, "rev-parse", "origin/" + branch).strip(),
                         self.git(self.repo, "rev-parse", "HEAD").strip())
        # a push that fails: exit 1, saying why; the commit made before it stands
        self.boto("s3").put_bucket_versioning(Bucket=self.bucket,
                                              VersioningConfiguration={"Status": "Enabled"})
        r = self.run_cmd("drift", "--push", os.path.join(self.tmp, "nowhere"), expect=1)
        self.assertIn("committed ", r.stderr)
        self.assertIn("has no remote of that name, and there is no repository at that path",
                      r.stderr)
        self.assertEqual(self.git(self.repo, "log", "-1", "--format=%s"),
                         "drift: secure: in sync (2 resources)\n")

    def test_no_secret_reaches_the_repository(self):
        # credentials planted where reports show them: a drifted tag and the
        # key's description
        self.boto("s3").put_bucket_tagging(Bucket=self.bucket, Tagging={"TagSet": [
            {"Key": "owner", "Value": SECRET}, {"Key": "team", "Value": FAKE_KEY_ID}]})
        self.aws("kms", "update-key-description", "--key-id", self.key, "--description",
                 "rotated with %s and %s" % (FAKE_SECRET_KEY, SECRET))
        r = self.run_cmd("drift", expect=2)
        self.assertNotIn(SECRET, r.stdout + r.stderr)
        r = self.run_cmd("audit", "--regions", "us-east-1")
        self.assertNotIn(SECRET, r.stdout + r.stderr)
        for fmt in ("json", "markdown", "text"):
            r = self.cairn("drift", "--param", "Owner=" + SECRET, "--format", fmt, "secure.yaml")
            self.assertEqual(r.returncode, 2, r.stderr)
            for s in (SECRET, FAKE_KEY_ID, FAKE_SECRET_KEY):
                self.assertNotIn(s, r.stdout, fmt)
        # every revision, every message, every file
        everything = self.git(self.repo, "log", "--all", "-p", "--format=%B")
        self.assertIn("reports/secure/drift.json", everything)
        for s in (SECRET, FAKE_KEY_ID, FAKE_SECRET_KEY):
            self.assertNotIn(s, everything)
            g = subprocess.run(["git", "-C", self.repo, "grep", "-F", s] +
                               self.git(self.repo, "rev-list", "--all").split(),
                               capture_output=True, text=True)
            self.assertEqual(g.returncode, 1, g.stdout)
        g = subprocess.run(["grep", "-rF", SECRET, self.repo], capture_output=True, text=True)
        self.assertEqual(g.returncode, 1, g.stdout)
        # what was redacted is said
        drift = json.loads(self.git(self.repo, "show", "HEAD:reports/secure/drift.json"))
        by = {e["logical_id"]: e for e in drift["resources"]}
        self.assertEqual(by["Bucket"]["differences"][0],
                         {"path": "Tags", "expected": "(sensitive)", "actual": "(sensitive)"})
        self.assertEqual(by["Key"]["differences"][0]["path"], "Description")


if __name__ == "__main__":
    cairntest.main()
