-- Hostile policy: doubles a string until memory runs out
-- tests/unit/policy.c and tests/integration/test_policy_hostile.py expect it contained.
local P = require "cairn.policy"
return {
  id = "concat-bomb",
  title = "doubles a string until memory runs out",
  severity = "low",
  resource_types = { "AWS::S3::Bucket" },
  frameworks = { hostile = { "concat-bomb" } },
  remediation = "None: this policy attacks the sandbox.",
  check = function(r, stack)
    local s = "x"
    while true do s = s .. s end
  end,
}
