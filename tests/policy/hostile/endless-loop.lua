-- Hostile policy: loops forever
-- tests/unit/policy.c and tests/integration/test_policy_hostile.py expect it contained.
local P = require "cairn.policy"
return {
  id = "endless-loop",
  title = "loops forever",
  severity = "low",
  resource_types = { "AWS::S3::Bucket" },
  frameworks = { hostile = { "endless-loop" } },
  remediation = "None: this policy attacks the sandbox.",
  check = function(r, stack)
    while true do end
  end,
}
