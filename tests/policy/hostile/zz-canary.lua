-- Hostile policy: a well-behaved policy that runs after the hostile ones
-- tests/unit/policy.c and tests/integration/test_policy_hostile.py expect it contained.
local P = require "cairn.policy"
return {
  id = "zz-canary",
  title = "a well-behaved policy that runs after the hostile ones",
  severity = "low",
  resource_types = { "AWS::S3::Bucket" },
  frameworks = { hostile = { "zz-canary" } },
  remediation = "None: this policy attacks the sandbox.",
  check = function(r, stack)
    if type(P.get) ~= "function" or string.rep("ab", 2) ~= "abab" then
      return "the sandbox is broken"
    end
    return nil
  end,
}
