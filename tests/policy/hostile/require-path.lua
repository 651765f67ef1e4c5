-- Hostile policy: requires a module outside the library
-- tests/unit/policy.c and tests/integration/test_policy_hostile.py expect it contained.
local P = require "cairn.policy"
return {
  id = "require-path",
  title = "requires a module outside the library",
  severity = "low",
  resource_types = { "AWS::S3::Bucket" },
  frameworks = { hostile = { "require-path" } },
  remediation = "None: this policy attacks the sandbox.",
  check = function(r, stack)
    local m = require "cairn.policy.../../../etc/passwd"
    return "loaded " .. tostring(m)
  end,
}
