-- Hostile policy: reads a file
-- tests/unit/policy.c and tests/integration/test_policy_hostile.py expect it contained.
local P = require "cairn.policy"
return {
  id = "io-open",
  title = "reads a file",
  severity = "low",
  resource_types = { "AWS::S3::Bucket" },
  frameworks = { hostile = { "io-open" } },
  remediation = "None: this policy attacks the sandbox.",
  check = function(r, stack)
    local f = io.open("/etc/passwd")
    return "read " .. f:read("l")
  end,
}
