-- Hostile policy: a backtracking pattern on a long string
-- tests/unit/policy.c and tests/integration/test_policy_hostile.py expect it contained.
local P = require "cairn.policy"
return {
  id = "pattern-bomb",
  title = "a backtracking pattern on a long string",
  severity = "low",
  resource_types = { "AWS::S3::Bucket" },
  frameworks = { hostile = { "pattern-bomb" } },
  remediation = "None: this policy attacks the sandbox.",
  check = function(r, stack)
    local s = string.rep("a", 20000)
    return tostring(s:find(".-.-.-.-.-b"))
  end,
}
