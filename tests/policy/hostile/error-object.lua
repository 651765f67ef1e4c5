-- Hostile policy: raises a table whose __tostring loops
-- tests/unit/policy.c and tests/integration/test_policy_hostile.py expect it contained.
local P = require "cairn.policy"
return {
  id = "error-object",
  title = "raises a table whose __tostring loops",
  severity = "low",
  resource_types = { "AWS::S3::Bucket" },
  frameworks = { hostile = { "error-object" } },
  remediation = "None: this policy attacks the sandbox.",
  check = function(r, stack)
    error(setmetatable({}, { __tostring = function() while true do end end }))
  end,
}
