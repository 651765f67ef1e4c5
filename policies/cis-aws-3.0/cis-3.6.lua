-- CIS AWS Foundations Benchmark v3.0.0, 3.6: "Ensure rotation for
-- customer-created symmetric CMKs is enabled". Keys whose KeySpec is
-- SYMMETRIC_DEFAULT (the default) and KeyUsage ENCRYPT_DECRYPT (the
-- default) must set EnableKeyRotation; asymmetric and HMAC keys cannot
-- rotate and are not judged.
local P = require "cairn.policy"

return {
  id = "cis-3.6",
  title = "KMS key rotation is enabled for symmetric keys",
  severity = "medium",
  description = "Symmetric encryption keys set EnableKeyRotation: true.",
  resource_types = { "AWS::KMS::Key" },
  frameworks = {
    ["cis-aws-3.0"] = { "3.6" },
    ["nist-800-53-r5"] = { "AU-9", "SC-12", "SC-12(2)", "SC-28(3)" },
    ["aws-fsbp"] = { "KMS.4" },
  },
  remediation = "Set EnableKeyRotation: true on the key.",
  check = function(r)
    local spec = P.str(r.Properties.KeySpec) or "SYMMETRIC_DEFAULT"
    local usage = P.str(r.Properties.KeyUsage) or "ENCRYPT_DECRYPT"
    local origin = P.str(r.Properties.Origin) or "AWS_KMS"
    if spec ~= "SYMMETRIC_DEFAULT" or usage ~= "ENCRYPT_DECRYPT" or origin ~= "AWS_KMS" then
      return P.not_applicable
    end
    if P.bool(r.Properties.EnableKeyRotation) ~= true then
      return P.fail("Properties.EnableKeyRotation", "automatic key rotation is not enabled")
    end
  end,
}
