"""cairn policy test / list / show: the built-in packs' fixtures all hold;
a fixture that does not fail as it says, a missing fixture, an unexpected
or missing expected finding, and a policy judging nothing are reported
and make the command exit 1."""
import json
import os

import cairntest

POLICY = '''local P = require "cairn.policy"
return {
  id = "t-rotate",
  title = "Keys rotate",
  severity = "medium",
  resource_types = { "AWS::KMS::Key" },
  frameworks = { test = { "1" } },
  remediation = "Rotate.",
  check = function(r)
    if P.bool(r.Properties.EnableKeyRotation) ~= true then
      return P.fail("Properties.EnableKeyRotation", "no rotation")
    end
  end,
}
'''
ROTATING = "Resources:\n  Key:\n    Type: AWS::KMS::Key\n    Properties:\n      EnableKeyRotation: true\n"
STATIC = "# expect: Key Properties.EnableKeyRotation\nResources:\n  Key:\n    Type: AWS::KMS::Key\n    Properties:\n      Description: x\n"


class TestPolicyTest(cairntest.CairnTestCase):
    needs_moto = False

    def pack(self, fixtures):
        d = os.path.join(self.tmp, "pack")
        self.write("pack/t-rotate.lua", POLICY)
        for name, text in fixtures.items():
            self.write("pack/fixtures/t-rotate/" + name, text)
        return d

    def test_builtin_packs(self):
        r = self.cairn("policy", "test", os.path.join(cairntest.ROOT, "policies"))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertRegex(r.stdout, r"policy test: (\d+) policies, (\d+) fixtures, 0 failed")

    def test_good_pack_verbose(self):
        d = self.pack({"pass.yaml": ROTATING, "fail.yaml": STATIC})
        r = self.cairn("policy", "test", "--verbose", d)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("ok   t-rotate", r.stdout)
        self.assertIn("policy test: 1 policies, 2 fixtures, 0 failed", r.stdout)

    def test_fixture_that_does_not_fail(self):
        d = self.pack({"pass.yaml": ROTATING, "fail-not-really.yaml": ROTATING})
        r = self.cairn("policy", "test", d)
        self.assertEqual(r.returncode, 1)
        self.assertIn("FAIL t-rotate", r.stdout)
        self.assertIn("fail-not-really.yaml: expected findings, got none", r.stdout)

    def test_unexpected_and_missing_findings(self):
        d = self.pack({"pass.yaml": ROTATING,
                       "fail.yaml": STATIC.replace("EnableKeyRotation\n", "Description\n", 1)})
        r = self.cairn("policy", "test", d)
        self.assertEqual(r.returncode, 1)
        self.assertIn("unexpected finding Key Properties.EnableKeyRotation", r.stdout)
        self.assertIn("missing finding Key Properties.Description", r.stdout)

    def test_pass_fixture_with_a_finding_and_one_judging_nothing(self):
        d = self.pack({"pass.yaml": STATIC, "pass-empty.yaml": "Resources:\n  B:\n    Type: AWS::S3::Bucket\n",
                       "fail.yaml": STATIC})
        r = self.cairn("policy", "test", d)
        self.assertEqual(r.returncode, 1)
        self.assertIn("pass.yaml: unexpected fail Key Properties.EnableKeyRotation", r.stdout)
        self.assertIn("pass-empty.yaml: the policy judged nothing", r.stdout)

    def test_missing_fixtures_and_bad_names(self):
        d = self.pack({"pass.yaml": ROTATING, "other.yaml": ROTATING})
        r = self.cairn("policy", "test", d)
        self.assertEqual(r.returncode, 1)
        self.assertIn("needs at least one pass and one fail fixture", r.stdout)
        self.assertIn("other.yaml: a fixture's name starts with pass, fail or undecided", r.stdout)

    def test_document_fixtures(self):
        doc = {"resources": {"Key": {"Type": "AWS::KMS::Key",
                                     "Properties": {"EnableKeyRotation": {"Cairn::Unknown": {"Ref": "P"}}}}}}
        d = self.pack({"pass.yaml": ROTATING, "fail.yaml": STATIC,
                       "undecided.json": json.dumps(doc)})
        r = self.cairn("policy", "test", "--verbose", d)
        self.assertEqual(r.returncode, 0, r.stdout)
        self.assertIn("undecided.json", r.stdout)

    def test_template_that_does_not_load(self):
        d = self.pack({"pass.yaml": ROTATING, "fail.yaml": "Resources:\n  Key:\n    Type: AWS::KMS::Nope\n"})
        r = self.cairn("policy", "test", d)
        self.assertEqual(r.returncode, 1)
        self.assertIn("cannot load the template", r.stdout)
        self.assertIn("unknown resource type 'AWS::KMS::Nope'", r.stdout)

    def test_every_policy_is_documented(self):
        with open(os.path.join(cairntest.ROOT, "docs", "policies.md")) as f:
            doc = f.read()
        for p in json.loads(self.cairn_ok("policy", "list", "--json").stdout):
            with self.subTest(policy=p["id"]):
                self.assertIn("| `%s` | %s |" % (p["id"], p["severity"]), doc)

    def test_list_and_show(self):
        r = self.cairn_ok("policy", "list")
        self.assertIn("cis-aws-3.0", r.stdout)
        self.assertIn("  cis-2.1.4 ", r.stdout)
        self.assertIn("[live only]", r.stdout)
        r = self.cairn_ok("policy", "list", "--json")
        ids = {p["id"]: p for p in json.loads(r.stdout)}
        for want in ["cis-1.15", "cis-1.16", "cis-1.22", "cis-2.1.1", "cis-2.1.4", "cis-3.1", "cis-3.2",
                     "cis-3.4", "cis-3.5", "cis-3.6", "cis-3.7", "cis-3.8", "cis-3.9", "cis-5.1",
                     "cis-5.2", "cis-5.3", "cis-5.4", "cis-1.4", "cis-1.5", "cis-1.8", "cis-1.9",
                     "cis-1.12", "cis-1.13", "cis-1.14", "cis-1.17", "cis-1.20", "cis-2.1.2",
                     "cis-3.1-account"]:
            self.assertIn(want, ids)
            self.assertIn("nist-800-53-r5", ids[want]["frameworks"], want)
        self.assertTrue(ids["cis-1.4"]["live_only"])
        self.assertFalse(ids["cis-2.1.4"]["live_only"])
        r = self.cairn_ok("policy", "show", "CIS-3.7")
        self.assertIn("cis-3.7: VPC flow logs record rejected traffic", r.stdout)
        self.assertIn("cis-aws-3.0 3.7", r.stdout)
        r = self.cairn("policy", "show", "nope")
        self.assertEqual(r.returncode, 1)
        self.assertIn("no policy 'nope'", r.stderr)
        d = self.pack({})
        r = self.cairn_ok("policy", "list", "--policies", d)
        self.assertIn("pack\n  t-rotate", r.stdout)


if __name__ == "__main__":
    cairntest.main()
