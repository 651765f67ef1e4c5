"""cairn plan shows the policy packs' findings on the planned values, under
the plan (text) or as "policy" (JSON). Unlike cairn check, plan knows the
values the state and the live resources give: a policy that needs a
generated bucket name cannot decide before the first apply, and decides
after it."""
import json

import cairntest

TEMPLATE = """\
Resources:
  Data:
    Type: AWS::S3::Bucket
    Properties:
      Tags: [{Key: team, Value: ml}]
"""

# A team pack: bucket names must start with "team-" (cairn generates
# "<stack>-<logical id>-<hex>", so this fails once the name is known).
NAMING = """\
local P = require "cairn.policy"
return {
  id = "team-naming",
  title = "Bucket names start with team-",
  severity = "low",
  resource_types = { "AWS::S3::Bucket" },
  frameworks = { ["team-standard"] = { "naming-1" } },
  remediation = "Set BucketName to team-<something>.",
  check = function(r, stack)
    local name = P.str(r.Properties.BucketName)
    if name == nil then
      return P.undecided("Properties.BucketName", "the name is generated at apply")
    end
    if name:sub(1, 5) ~= "team-" then
      return P.fail("Properties.BucketName", "bucket %s does not start with team-", name)
    end
  end,
}
"""


class TestPlanPolicies(cairntest.CairnTestCase):

    def setUp(self):
        super().setUp()
        self.moto.reset()
        self.t = self.write("app.yaml", TEMPLATE)
        self.pack = self.tmp + "/teampack"
        self.write("teampack/team-naming.lua", NAMING)

    def test_findings_under_the_plan(self):
        r = self.cairn_ok("plan", self.t)
        self.assertIn("Plan: 1 to add", r.stdout)
        self.assertIn("Policy checks on the planned values", r.stdout)
        self.assertGreater(r.stdout.index("Policy checks"), r.stdout.index("Plan: 1 to add"))
        self.assertIn("cis-2.1.1", r.stdout)          # no TLS-only bucket policy
        self.assertIn("app.yaml:2", r.stdout)         # the finding's line

        r = self.cairn_ok("plan", "--no-policies", self.t)
        self.assertNotIn("Policy checks", r.stdout)

        plan = json.loads(self.cairn_ok("plan", "--json", self.t).stdout)
        self.assertIn("policy", plan)
        self.assertGreaterEqual(plan["policy"]["summary"]["failed"], 1)
        ids = {x["id"] for x in plan["policy"]["policies"]}
        self.assertIn("cis-2.1.1", ids)

    def test_plan_knows_what_check_cannot(self):
        # before the first apply the generated name is unknown: undecided
        r = self.cairn_ok("plan", "--policies", self.pack, self.t)
        self.assertIn("team-naming", r.stdout)
        self.assertRegex(r.stdout, r"UNDECIDED|could not decide")
        # check (no state, no credentials) cannot decide either, before or after
        rc = self.cairn("check", "--format", "json", "--policies", self.pack, self.t)
        res = [x for x in json.loads(rc.stdout)["results"] if x["policy"] == "team-naming"]
        self.assertEqual([x["status"] for x in res], ["undecided"])

        self.cairn_ok("apply", "--auto-approve", self.t)
        r = self.cairn_ok("plan", "--json", "--policies", self.pack, self.t)
        plan = json.loads(r.stdout)
        self.assertFalse(plan["summary"]["changes"])
        results = [x for x in plan["policy"]["results"] if x["policy"] == "team-naming"]
        self.assertEqual(len(results), 1, plan["policy"])
        self.assertEqual(results[0]["status"], "fail")
        bucket = self.boto("s3").list_buckets()["Buckets"][0]["Name"]
        self.assertIn(bucket, results[0]["message"])

    def test_broken_policy_is_an_error(self):
        self.write("broken/bad-one.lua", "return {")
        r = self.cairn("plan", "--policies", self.tmp + "/broken", self.t)
        self.assertEqual(r.returncode, 1)
        self.assertIn("bad-one.lua", r.stderr)
        self.assertIn("Plan: 1 to add", r.stdout)   # the plan itself was shown


if __name__ == "__main__":
    cairntest.main()
