-- Hostile policy: allocates a huge string with string.rep
-- tests/unit/policy.c and tests/integration/test_policy_hostile.py expect it contained.
local P = require "cairn.policy"
return {
  id = "string-rep-bomb",
  title = "allocates a huge string with string.rep",
  severity = "low",
  resource_types = { "AWS::S3::Bucket" },
  frameworks = { hostile = { "string-rep-bomb" } },
  remediation = "None: this policy attacks the sandbox.",
  check = function(r, stack)
    local s = string.rep("x", 1 << 30)
    return "allocated " .. #s
  end,
}
