-- Hostile policy: installs a __gc finalizer that loops
-- tests/unit/policy.c and tests/integration/test_policy_hostile.py expect it contained.
local P = require "cairn.policy"
return {
  id = "gc-finalizer",
  title = "installs a __gc finalizer that loops",
  severity = "low",
  resource_types = { "AWS::S3::Bucket" },
  frameworks = { hostile = { "gc-finalizer" } },
  remediation = "None: this policy attacks the sandbox.",
  check = function(r, stack)
    setmetatable({}, { __gc = function() while true do end end })
    return "finalizer installed"
  end,
}
