-- Hostile policy: leaves values where another policy might find them
-- tests/unit/policy.c and tests/integration/test_policy_hostile.py expect it contained.
local P = require "cairn.policy"
return {
  id = "aa-stash",
  title = "leaves values where another policy might find them",
  severity = "low",
  resource_types = { "AWS::S3::Bucket" },
  frameworks = { hostile = { "aa-stash" } },
  remediation = "None: this policy attacks the sandbox.",
  check = function(r, stack)
    leaked_global = "secret"
    _G.leaked = "secret"
    pcall(function() P.leaked = "secret" end)
    pcall(function() string.leaked = "secret" end)
    pcall(function() stack.leaked = "secret" end)
    pcall(function() r.leaked = "secret" end)
    pcall(function() r.Properties.BucketName = "tampered" end)
    return nil
  end,
}
