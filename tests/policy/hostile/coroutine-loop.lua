-- Hostile policy: hides an endless loop in coroutines
-- tests/unit/policy.c and tests/integration/test_policy_hostile.py expect it contained.
local P = require "cairn.policy"
return {
  id = "coroutine-loop",
  title = "hides an endless loop in coroutines",
  severity = "low",
  resource_types = { "AWS::S3::Bucket" },
  frameworks = { hostile = { "coroutine-loop" } },
  remediation = "None: this policy attacks the sandbox.",
  check = function(r, stack)
    while true do
      local co = coroutine.create(function() while true do end end)
      coroutine.resume(co)
      pcall(coroutine.wrap(function() while true do end end))
    end
  end,
}
