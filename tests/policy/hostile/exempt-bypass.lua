-- Hostile policy: grows the memory the document conversion may use, then allocates
-- tests/unit/policy.c and tests/integration/test_policy_hostile.py expect it contained.
local P = require "cairn.policy"
return {
  id = "exempt-bypass",
  title = "grows the memory the document conversion may use, then allocates",
  severity = "low",
  resource_types = { "AWS::S3::Bucket" },
  frameworks = { hostile = { "exempt-bypass" } },
  remediation = "None: this policy attacks the sandbox.",
  check = function(r, stack)
    -- Conversions of the document do not count against the cap; repeating
    -- them must not be a way around it.
    local doc = require "cairn.policy.doc"
    local key = P.get(r.Properties, "BucketEncryption.ServerSideEncryptionConfiguration[0]." ..
                      "ServerSideEncryptionByDefault.KMSMasterKeyID")
    for _ = 1, 50000 do
      local _ = doc.section("parameters")
      local _ = P.unknown(key)
      r.Properties.BucketEncryption = nil
      local _ = r.Properties.BucketEncryption
    end
    local s = string.rep("x", 80 << 20)
    return "allocated " .. #s
  end,
}
