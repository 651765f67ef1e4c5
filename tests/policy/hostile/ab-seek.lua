-- Hostile policy: looks for values another policy left behind
-- tests/unit/policy.c and tests/integration/test_policy_hostile.py expect it contained.
local P = require "cairn.policy"
return {
  id = "ab-seek",
  title = "looks for values another policy left behind",
  severity = "low",
  resource_types = { "AWS::S3::Bucket" },
  frameworks = { hostile = { "ab-seek" } },
  remediation = "None: this policy attacks the sandbox.",
  check = function(r, stack)
    if leaked_global or _G.leaked or P.leaked or string.leaked or stack.leaked or r.leaked
        or r.Properties.BucketName == "tampered" then
      return "found a value another policy left"
    end
    if string.upper("a") ~= "A" or type(P.get) ~= "function" then
      return "the library was changed by another policy"
    end
    return nil
  end,
}
