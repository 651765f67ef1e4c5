"""`cairn audit` (docs/commands/audit.md) against the emulator: the
account-level CIS AWS Foundations 3.0 controls read from AWS (password
policy, IAM Access Analyzer, the support role, EBS encryption by default,
multi-region trails and their status), each seen to fail and then to pass
after the account is fixed with the aws CLI; template-level waivers of
account-level findings (in force, expired; validated by `cairn check`
too); exit codes by --fail-on; an account fact that cannot be read is
"not decided" with the reason, and a warning.
"""
import json
import os

import cairntest

WAIVERS = """\
Metadata:
  Cairn:
    Policies: [cis-aws-3.0]
    Waivers:
      - Control: cis-1.5
        Reason: the emulated account cannot give its root user an MFA device
        Approver: security@example.com
        Expires: "2099-12-31"
      - Control: cis-aws-3.0/1.6
        Reason: the emulated account cannot give its root user an MFA device
        Approver: security@example.com
        Expires: "2099-12-31"
      - Control: cis-3.3
        Reason: AWS Config is out of scope for this test
        Approver: security@example.com
        Expires: "2099-12-31"
%s"""

RESOURCES = """\
Resources:
  Key:
    Type: AWS::KMS::Key
    Properties:
      EnableKeyRotation: true
"""


class TestAudit(cairntest.CairnTestCase):
    moto_server = cairntest.EMULATOR
    # AWS's managed policies (AWSSupportAccess) exist, as in an account
    moto_env = {"MOTO_IAM_LOAD_MANAGED_POLICIES": "true"}

    def setUp(self):
        super().setUp()
        self.moto.reset()

    def template(self, extra_waivers=""):
        return self.write("acct.yaml", WAIVERS % extra_waivers + RESOURCES)

    def audit(self, tpl, *args, expect=None, env=None):
        r = self.cairn("audit", "--format", "json", "--regions", "us-east-1", *args, tpl,
                       env=env)
        if expect is not None:
            self.assertEqual(r.returncode, expect, r.stdout[-3000:] + r.stderr)
        return r, {c["id"]: c for c in json.loads(r.stdout)["controls"]}

    def test_account_controls_fail_then_pass(self):
        tpl = self.template()
        self.cairn_ok("apply", "--auto-approve", tpl)
        r, c = self.audit(tpl, expect=3)
        self.assertEqual(c["cis-1.8"]["status"], "failed")            # no password policy
        self.assertEqual(c["cis-1.8"]["findings"][0]["subject"], "password policy")
        self.assertNotIn("resource", c["cis-1.8"]["findings"][0])
        self.assertEqual(c["cis-1.9"]["status"], "failed")
        self.assertEqual(c["cis-1.20"]["status"], "failed")           # no analyzer
        self.assertEqual(c["cis-1.20"]["findings"][0]["subject"], "region us-east-1")
        self.assertEqual(c["cis-1.17"]["status"], "failed")           # no support role
        self.assertEqual(c["cis-2.2.1"]["status"], "failed")          # EBS default off
        self.assertEqual(c["cis-3.1-account"]["status"], "failed")    # no trail
        self.assertIn("the account has no trail", c["cis-3.1-account"]["findings"][0]["message"])
        self.assertEqual(c["cis-1.4"]["status"], "passed")            # no root access keys
        for waived in ("cis-1.5", "cis-1.6", "cis-3.3"):
            self.assertEqual(c[waived]["status"], "waived", c[waived])
        waivers = {w["control"]: w for w in json.loads(r.stdout)["waivers"]}
        self.assertNotIn("resource", waivers["cis-1.5"])
        self.assertEqual(waivers["cis-1.5"]["status"], "applied")
        self.assertEqual(waivers["cis-1.5"]["location"], {"file": "acct.yaml", "line": 5,
                                                          "column": 9})

        # fix the account with the aws CLI
        self.aws("iam", "update-account-password-policy", "--minimum-password-length", "14",
                 "--password-reuse-prevention", "24")
        self.aws("accessanalyzer", "create-analyzer", "--analyzer-name", "account",
                 "--type", "ACCOUNT")
        self.aws("iam", "create-role", "--role-name", "support", "--assume-role-policy-document",
                 json.dumps({"Version": "2012-10-17", "Statement": [{
                     "Effect": "Allow", "Action": "sts:AssumeRole",
                     "Principal": {"AWS": "arn:aws:iam::123456789012:root"}}]}))
        self.aws("iam", "attach-role-policy", "--role-name", "support", "--policy-arn",
                 "arn:aws:iam::aws:policy/AWSSupportAccess")
        self.aws("ec2", "enable-ebs-encryption-by-default")
        self.boto("s3").create_bucket(Bucket="acct-trail-logs")
        self.aws("cloudtrail", "create-trail", "--name", "acct", "--s3-bucket-name",
                 "acct-trail-logs", "--is-multi-region-trail")
        self.aws("cloudtrail", "start-logging", "--name", "acct")
        self.assertEqual([a["name"] for a in self.aws("accessanalyzer", "list-analyzers")[
            "analyzers"]], ["account"])

        r, c = self.audit(tpl)
        for fixed in ("cis-1.8", "cis-1.9", "cis-1.20", "cis-1.17", "cis-2.2.1",
                      "cis-3.1-account"):
            self.assertEqual(c[fixed]["status"], "passed", c[fixed])
        failing_high = [x["id"] for x in c.values() if x["status"] == "failed" and
                        x["severity"] in ("critical", "high")]
        self.assertEqual(r.returncode, 3 if failing_high else 0, (failing_high, r.stderr))

        # a trail stopped: the account has no logging multi-region trail any more
        self.aws("cloudtrail", "stop-logging", "--name", "acct")
        r, c = self.audit(tpl)
        self.assertEqual(c["cis-3.1-account"]["status"], "failed")
        self.assertIn("acct (not logging)", c["cis-3.1-account"]["findings"][0]["message"])
        self.assertEqual(r.returncode, 3)
        r, c = self.audit(tpl, "--fail-on", "critical")
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_every_enabled_region_by_default(self):
        tpl = self.template()
        self.cairn_ok("apply", "--auto-approve", tpl)
        self.aws("accessanalyzer", "create-analyzer", "--analyzer-name", "account",
                 "--type", "ACCOUNT")
        r = self.cairn("audit", "--format", "json", tpl)
        self.assertEqual(r.returncode, 3, r.stderr)
        c = {x["id"]: x for x in json.loads(r.stdout)["controls"]}
        # the enabled regions of the account's partition (DescribeRegions, as the aws CLI sees it)
        regions = sorted(x["RegionName"] for x in self.aws("ec2", "describe-regions")["Regions"]
                         if x.get("OptInStatus") != "not-opted-in"
                         and not x["RegionName"].startswith(("cn-", "us-gov-")))
        self.assertGreater(len(regions), 10)
        flagged = sorted(f["subject"].split(" ", 1)[1] for f in c["cis-1.20"]["findings"])
        self.assertEqual(flagged, [x for x in regions if x != "us-east-1"])
        # the report says which regions were read
        self.assertEqual(json.loads(r.stdout)["regions"], regions)
        r, _ = self.audit(tpl)
        self.assertEqual(json.loads(r.stdout)["regions"], ["us-east-1"])

    def test_template_level_waivers(self):
        future = """\
      - Control: cis-1.20
        Reason: the other regions are closed by a service control policy
        Approver: security@example.com
        Expires: "2099-12-31"
"""
        tpl = self.template(future)
        self.cairn_ok("apply", "--auto-approve", tpl)
        r, c = self.audit(tpl)
        self.assertEqual(c["cis-1.20"]["status"], "waived")
        f = c["cis-1.20"]["findings"][0]
        self.assertEqual(f["status"], "waived")
        self.assertEqual(f["waiver"]["approver"], "security@example.com")
        r = self.cairn("audit", "--regions", "us-east-1", tpl)
        self.assertIn("applied cis-1.20 on the account (template level), approved by "
                      "security@example.com, expires 2099-12-31", r.stdout)

        expired = future.replace("2099-12-31", "2020-01-31")
        tpl = self.template(expired)
        r, c = self.audit(tpl)
        self.assertEqual(c["cis-1.20"]["status"], "failed")
        self.assertIn("expired on 2020-01-31", c["cis-1.20"]["findings"][0]["message"])
        w = [x for x in json.loads(r.stdout)["waivers"] if x["control"] == "cis-1.20"][0]
        self.assertEqual(w["status"], "expired")

        # validate and check accept them and check what they name
        self.cairn_ok("validate", tpl)
        r = self.cairn("check", "--format", "json", self.template(future))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stderr, "")
        unknown = future.replace("cis-1.20", "cis-9.99")
        bad = self.template(unknown)
        for cmd in ("check", "audit"):
            r = self.cairn(cmd, bad)
            self.assertEqual(r.returncode, 1, r.stderr)
            self.assertIn("acct.yaml:17:9: Metadata.Cairn.Waivers[3]: waiver for unknown "
                          "control 'cis-9.99'", r.stderr)

    def test_unreadable_account_facts_are_not_decided(self):
        tpl = self.template()
        self.cairn_ok("apply", "--auto-approve", tpl)
        r, c = self.audit(tpl, env={"AWS_ENDPOINT_URL_ACCESSANALYZER": "http://127.0.0.1:9",
                                    "AWS_MAX_ATTEMPTS": "1"})
        self.assertEqual(c["cis-1.20"]["status"], "not_decided")
        msg = c["cis-1.20"]["findings"][0]["message"]
        self.assertIn("account_data.analyzers", msg)
        self.assertIn("ListAnalyzers (accessanalyzer)", msg)
        self.assertIn("region us-east-1", msg)
        self.assertIn("warning: account_data.analyzers was not read", r.stderr)
        # not an error: the exit status is the findings'
        self.assertEqual(r.returncode, 3)
        self.assertEqual(c["cis-1.8"]["status"], "failed")

    def test_resources_judged_live_and_exit_codes(self):
        tpl = self.template()
        self.cairn_ok("apply", "--auto-approve", tpl)
        key = json.load(open(os.path.join(self.tmp, ".cairn", "acct.state.json")))[
            "resources"]["Key"]["id"]
        self.aws("kms", "disable-key-rotation", "--key-id", key)
        r, c = self.audit(tpl, "--fail-on", "critical", expect=2)      # drift only
        f = c["cis-3.6"]["findings"][0]
        self.assertEqual((f["resource"], f["path"], f["actual"]), ("Key", "EnableKeyRotation",
                                                                     False))
        rep = json.loads(r.stdout)
        self.assertEqual(rep["drift"]["resources"][0]["differences"],
                         [{"path": "EnableKeyRotation", "expected": True, "actual": False}])
        r, c = self.audit(tpl, "--fail-on", "medium", expect=3)
        r = self.cairn("audit", "--regions", "us-east-1", "--policies", "nope", tpl)
        self.assertEqual(r.returncode, 1)
        self.assertIn("--policies nope", r.stderr)


if __name__ == "__main__":
    cairntest.main()
