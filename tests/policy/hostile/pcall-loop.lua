-- Hostile policy: catches the budget error and loops again
-- tests/unit/policy.c and tests/integration/test_policy_hostile.py expect it contained.
local P = require "cairn.policy"
return {
  id = "pcall-loop",
  title = "catches the budget error and loops again",
  severity = "low",
  resource_types = { "AWS::S3::Bucket" },
  frameworks = { hostile = { "pcall-loop" } },
  remediation = "None: this policy attacks the sandbox.",
  check = function(r, stack)
    while true do
      pcall(function() while true do end end)
      xpcall(function() while true do end end, function(e) return e end)
    end
  end,
}
