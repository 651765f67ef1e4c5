-- Hostile policy: recurses without end
-- tests/unit/policy.c and tests/integration/test_policy_hostile.py expect it contained.
local P = require "cairn.policy"
return {
  id = "deep-recursion",
  title = "recurses without end",
  severity = "low",
  resource_types = { "AWS::S3::Bucket" },
  frameworks = { hostile = { "deep-recursion" } },
  remediation = "None: this policy attacks the sandbox.",
  check = function(r, stack)
    local function f(n) return f(n + 1) + 1 end
    return f(1)
  end,
}
