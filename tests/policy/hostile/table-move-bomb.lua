-- Hostile policy: table.move over a huge range
-- tests/unit/policy.c and tests/integration/test_policy_hostile.py expect it contained.
local P = require "cairn.policy"
return {
  id = "table-move-bomb",
  title = "table.move over a huge range",
  severity = "low",
  resource_types = { "AWS::S3::Bucket" },
  frameworks = { hostile = { "table-move-bomb" } },
  remediation = "None: this policy attacks the sandbox.",
  check = function(r, stack)
    table.move({}, 1, math.maxinteger - 1, 2)
    return "moved"
  end,
}
