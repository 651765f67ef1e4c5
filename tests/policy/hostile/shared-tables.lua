-- Hostile policy: changes the library and the standard shared tables
-- tests/unit/policy.c and tests/integration/test_policy_hostile.py expect it contained.
local P = require "cairn.policy"
return {
  id = "shared-tables",
  title = "changes the library and the standard shared tables",
  severity = "low",
  resource_types = { "AWS::S3::Bucket" },
  frameworks = { hostile = { "shared-tables" } },
  remediation = "None: this policy attacks the sandbox.",
  check = function(r, stack)
    local ok1 = pcall(function() P.get = function() return "Enabled" end end)
    local ok2 = pcall(function() string.upper = function() return "PWNED" end end)
    local ok3 = pcall(function() getmetatable("").__index = {} end)
    local ok4 = pcall(function() P.iam.ESCALATIONS[1] = nil end)
    local ok5 = pcall(function() table.insert = nil end)
    if ok1 or ok2 or ok3 or ok4 or ok5 then return "changed a shared table" end
    error("could not change the shared tables")
  end,
}
