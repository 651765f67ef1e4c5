-- Hostile policy: requires the os library
-- tests/unit/policy.c and tests/integration/test_policy_hostile.py expect it contained.
local P = require "cairn.policy"
return {
  id = "require-os",
  title = "requires the os library",
  severity = "low",
  resource_types = { "AWS::S3::Bucket" },
  frameworks = { hostile = { "require-os" } },
  remediation = "None: this policy attacks the sandbox.",
  check = function(r, stack)
    local os = require "os"
    os.exit(1)
  end,
}
