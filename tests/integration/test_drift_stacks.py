"""Drift and audit over every seed stack in stacks/ (issue 7, "Done when"),
against the emulator (cairntest.EMULATOR: moto with cairn's per-service
test doubles):

- right after a clean apply of every seed stack, `cairn drift` reports
  IN_SYNC for every resource of every stack and exits 0;
- changes made outside cairn with the aws CLI, one or more per service
  (S3 versioning suspended, KMS key rotation off, a wildcard statement added
  to an IAM role's policy, a CloudTrail trail stopped, EC2 DNS hostnames
  turned off on a VPC, a SageMaker model package rejected) are each
  reported MODIFIED with the exact property path, the applied value and
  the live one; a deleted KMS alias is DELETED; exit 2;
- the aws CLI confirms each change independently of cairn;
- `cairn audit` after the changes reports the controls they break
  (cis-3.6, cis-3.1, lp-wildcard-write, sm-model-deploys-approved), and
  neither drift nor audit changes the state (the serial stays).
"""
import json
import os
import shutil

import cairntest

STACKS = ["model-registry", "s3-ingestion", "model-approval", "sagemaker-secure-mlops-network",
          "sagemaker-secure-mlops", "llm-finetune"]


class TestDriftSeedStacks(cairntest.CairnTestCase):
    moto_server = cairntest.EMULATOR

    def setUp(self):
        super().setUp()
        for s in STACKS:
            shutil.copy(os.path.join(cairntest.ROOT, "stacks", s + ".yaml"), self.tmp)

    def drift(self, stack, expect=None):
        r = self.cairn("drift", "--format", "json", stack + ".yaml")
        if expect is not None:
            self.assertEqual(r.returncode, expect, r.stdout[-2000:] + r.stderr)
        return json.loads(r.stdout)

    def state(self, stack):
        with open(os.path.join(self.tmp, ".cairn", stack + ".state.json")) as f:
            return json.load(f)

    def phys(self, stack, lid):
        return self.state(stack)["resources"][lid]["id"]

    def entry(self, report, lid):
        found = [e for e in report["resources"] if e["logical_id"] == lid]
        self.assertEqual(len(found), 1, lid)
        return found[0]

    def diff(self, report, lid, path):
        e = self.entry(report, lid)
        self.assertEqual(e["status"], "MODIFIED", e)
        found = [d for d in e["differences"] if d["path"] == path]
        self.assertEqual(len(found), 1, e["differences"])
        return found[0]

    def test_seed_stacks_in_sync_then_drift_and_audit(self):
        # ---- a clean apply of every seed stack: nothing drifts -----------------------
        for s in STACKS:
            r = self.cairn_ok("apply", "--auto-approve", s + ".yaml", timeout=900)
            self.assertIn("Apply complete!", r.stdout)
        serials = {s: self.state(s)["serial"] for s in STACKS}
        for s in STACKS:
            rep = self.drift(s, expect=0)
            self.assertEqual(rep["stack"], s)
            self.assertEqual(rep["summary"]["resources"], len(self.state(s)["resources"]))
            self.assertEqual(rep["summary"]["in_sync"], rep["summary"]["resources"], rep)
            for e in rep["resources"]:
                self.assertEqual(e["status"], "IN_SYNC", e)
                self.assertEqual(e["location"]["file"], s + ".yaml")

        # ---- changes outside cairn, one or more per service --------------------------
        bucket = self.phys("model-registry", "ModelBucket")
        key = self.phys("model-registry", "ModelKey")
        role = self.phys("model-registry", "DataScientistRole")
        trail = self.phys("model-registry", "Trail")
        vpc = self.phys("sagemaker-secure-mlops-network", "Vpc")
        package = self.phys("llm-finetune", "FineTunedVersion")
        alias = self.phys("s3-ingestion", "IngestionKeyAlias")

        self.aws("s3api", "put-bucket-versioning", "--bucket", bucket,
                 "--versioning-configuration", "Status=Suspended")
        self.aws("kms", "disable-key-rotation", "--key-id", key)
        policy_name = self.state("model-registry")["resources"]["DataScientistRole"][
            "properties"]["Policies"][0]["PolicyName"]
        doc = self.aws("iam", "get-role-policy", "--role-name", role, "--policy-name",
                       policy_name)["PolicyDocument"]
        applied_doc = json.loads(json.dumps(doc))
        doc["Statement"].append({"Sid": "OutOfBand", "Effect": "Allow", "Action": "s3:*",
                                 "Resource": "*"})
        self.aws("iam", "put-role-policy", "--role-name", role, "--policy-name", policy_name,
                 "--policy-document", json.dumps(doc))
        self.aws("cloudtrail", "stop-logging", "--name", trail)
        self.aws("ec2", "modify-vpc-attribute", "--vpc-id", vpc, "--no-enable-dns-hostnames")
        self.aws("sagemaker", "update-model-package", "--model-package-arn", package,
                 "--model-approval-status", "Rejected")
        self.aws("kms", "delete-alias", "--alias-name", alias)

        # the aws CLI sees them (independently of cairn)
        self.assertEqual(self.aws("s3api", "get-bucket-versioning", "--bucket", bucket)["Status"],
                         "Suspended")
        self.assertFalse(self.aws("kms", "get-key-rotation-status", "--key-id", key)[
            "KeyRotationEnabled"])
        self.assertFalse(self.aws("cloudtrail", "get-trail-status", "--name", trail)["IsLogging"])
        self.assertFalse(self.aws("ec2", "describe-vpc-attribute", "--vpc-id", vpc, "--attribute",
                                  "enableDnsHostnames")["EnableDnsHostnames"]["Value"])
        self.assertEqual(self.aws("sagemaker", "describe-model-package", "--model-package-name",
                                  package)["ModelApprovalStatus"], "Rejected")

        # ---- drift: each change at its exact path, with expected and actual ---------
        rep = self.drift("model-registry", expect=2)
        d = self.diff(rep, "ModelBucket", "VersioningConfiguration.Status")       # S3
        self.assertEqual((d["expected"], d["actual"]), ("Enabled", "Suspended"))
        d = self.diff(rep, "ModelKey", "EnableKeyRotation")                       # KMS
        self.assertEqual((d["expected"], d["actual"]), (True, False))
        d = self.diff(rep, "Trail", "IsLogging")                                  # CloudTrail
        self.assertEqual((d["expected"], d["actual"]), (True, False))
        d = self.diff(rep, "DataScientistRole", "Policies[0].PolicyDocument")     # IAM
        sids = lambda x: sorted(s.get("Sid", "") for s in x["Statement"])         # noqa: E731
        self.assertEqual(sids(d["expected"]), sids(applied_doc))
        self.assertEqual(sids(d["actual"]), sorted(sids(applied_doc) + ["OutOfBand"]))
        wild = [s for s in d["actual"]["Statement"] if s.get("Sid") == "OutOfBand"][0]
        self.assertEqual((wild["Action"], wild["Resource"]), (["s3:*"], ["*"]))
        self.assertEqual(rep["summary"]["modified"], 4)
        self.assertEqual(rep["summary"]["in_sync"], rep["summary"]["resources"] - 4)

        rep = self.drift("sagemaker-secure-mlops-network", expect=2)
        d = self.diff(rep, "Vpc", "EnableDnsHostnames")                           # EC2
        self.assertEqual((d["expected"], d["actual"]), (True, False))
        self.assertEqual(rep["summary"]["modified"], 1)

        rep = self.drift("llm-finetune", expect=2)
        d = self.diff(rep, "FineTunedVersion", "ModelApprovalStatus")             # SageMaker
        self.assertEqual((d["expected"], d["actual"]), ("Approved", "Rejected"))

        rep = self.drift("s3-ingestion", expect=2)
        e = self.entry(rep, "IngestionKeyAlias")
        self.assertEqual(e["status"], "DELETED")
        self.assertEqual(e["physical_id"], alias)
        self.assertNotIn("differences", e)
        self.assertEqual(rep["summary"]["deleted"], 1)

        for s in ("model-approval", "sagemaker-secure-mlops"):
            self.drift(s, expect=0)

        # the text report says the same for people
        r = self.cairn("drift", "model-registry.yaml")
        self.assertEqual(r.returncode, 2)
        self.assertIn("~ ModelKey (AWS::KMS::Key) %s: MODIFIED" % key, r.stdout)
        self.assertIn("    EnableKeyRotation: expected true, actual false", r.stdout)
        self.assertIn('    VersioningConfiguration.Status: expected "Enabled", actual "Suspended"',
                      r.stdout)
        self.assertIn("Drift: 4 modified, 0 deleted, 0 not checked, 9 in sync.", r.stdout)

        # ---- audit: the controls those changes break -----------------------------------
        r = self.cairn("audit", "--format", "json", "--regions", "us-east-1",
                       "model-registry.yaml")
        self.assertEqual(r.returncode, 3, r.stderr)
        audit = json.loads(r.stdout)
        controls = {c["id"]: c for c in audit["controls"]}

        def failed_on(cid, lid, path=None):
            c = controls[cid]
            self.assertEqual(c["status"], "failed", c)
            hits = [f for f in c["findings"] if f.get("resource") == lid and f["status"] == "failed"
                    and (path is None or f.get("path") == path)]
            self.assertTrue(hits, c["findings"])
            return hits[0]

        f = failed_on("cis-3.6", "ModelKey", "EnableKeyRotation")
        self.assertIs(f["actual"], False)
        self.assertEqual(f["physical_id"], key)
        self.assertEqual(f["location"]["file"], "model-registry.yaml")
        f = failed_on("cis-3.1", "Trail", "IsLogging")
        self.assertIs(f["actual"], False)
        failed_on("lp-wildcard-write", "DataScientistRole")
        self.assertEqual(audit["drift"]["summary"]["modified"], 4)
        # the policy files named are the ones in this tree
        for p in audit["policies"]["files"]:
            self.assertTrue(os.path.exists(os.path.join(cairntest.ROOT, p["path"])), p)

        r = self.cairn("audit", "--format", "json", "--regions", "us-east-1", "llm-finetune.yaml")
        self.assertEqual(r.returncode, 3, r.stderr)
        controls = {c["id"]: c for c in json.loads(r.stdout)["controls"]}
        failed_on("sm-model-deploys-approved", "Model")

        # ---- read-only: the states did not move ----------------------------------------
        self.assertEqual({s: self.state(s)["serial"] for s in STACKS}, serials)


if __name__ == "__main__":
    cairntest.main()
