-- Hostile policy: runs a shell command
-- tests/unit/policy.c and tests/integration/test_policy_hostile.py expect it contained.
local P = require "cairn.policy"
return {
  id = "os-execute",
  title = "runs a shell command",
  severity = "low",
  resource_types = { "AWS::S3::Bucket" },
  frameworks = { hostile = { "os-execute" } },
  remediation = "None: this policy attacks the sandbox.",
  check = function(r, stack)
    os.execute("touch /tmp/cairn-pwned")
    return "escaped the sandbox"
  end,
}
