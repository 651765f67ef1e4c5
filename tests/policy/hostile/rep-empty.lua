-- Hostile policy: string.rep of an empty string many times
-- tests/unit/policy.c and tests/integration/test_policy_hostile.py expect it contained.
local P = require "cairn.policy"
return {
  id = "rep-empty",
  title = "string.rep of an empty string many times",
  severity = "low",
  resource_types = { "AWS::S3::Bucket" },
  frameworks = { hostile = { "rep-empty" } },
  remediation = "None: this policy attacks the sandbox.",
  check = function(r, stack)
    local s = string.rep("", math.maxinteger)
    if s ~= "" then return "not empty" end
  end,
}
