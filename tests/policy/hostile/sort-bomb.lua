-- Hostile policy: table.sort of a table whose length lies
-- tests/unit/policy.c and tests/integration/test_policy_hostile.py expect it contained.
local P = require "cairn.policy"
return {
  id = "sort-bomb",
  title = "table.sort of a table whose length lies",
  severity = "low",
  resource_types = { "AWS::S3::Bucket" },
  frameworks = { hostile = { "sort-bomb" } },
  remediation = "None: this policy attacks the sandbox.",
  check = function(r, stack)
    local t = setmetatable({}, { __len = function() return 1 << 30 end, __index = rawlen })
    table.sort(t)
    return "sorted"
  end,
}
