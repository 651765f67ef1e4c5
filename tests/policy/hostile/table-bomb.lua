-- Hostile policy: fills a table until memory runs out
-- tests/unit/policy.c and tests/integration/test_policy_hostile.py expect it contained.
local P = require "cairn.policy"
return {
  id = "table-bomb",
  title = "fills a table until memory runs out",
  severity = "low",
  resource_types = { "AWS::S3::Bucket" },
  frameworks = { hostile = { "table-bomb" } },
  remediation = "None: this policy attacks the sandbox.",
  check = function(r, stack)
    local t = {}
    local i = 0
    while true do i = i + 1; t[i] = string.rep("x", 1000) .. i end
  end,
}
