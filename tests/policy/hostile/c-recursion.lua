-- Hostile policy: recurses through metamethods and C functions
-- tests/unit/policy.c and tests/integration/test_policy_hostile.py expect it contained.
local P = require "cairn.policy"
return {
  id = "c-recursion",
  title = "recurses through metamethods and C functions",
  severity = "low",
  resource_types = { "AWS::S3::Bucket" },
  frameworks = { hostile = { "c-recursion" } },
  remediation = "None: this policy attacks the sandbox.",
  check = function(r, stack)
    local t = setmetatable({}, {})
    getmetatable(t).__index = function(self, k) return self[k .. "x"] end
    return t.a
  end,
}
