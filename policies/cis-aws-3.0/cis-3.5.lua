-- CIS AWS Foundations Benchmark v3.0.0, 3.5: "Ensure CloudTrail logs are
-- encrypted at rest using KMS CMKs": KMSKeyId on every trail.
local P = require "cairn.policy"

return {
  id = "cis-3.5",
  title = "CloudTrail logs are encrypted with a KMS key",
  severity = "medium",
  description = "Every trail sets KMSKeyId (SSE-KMS with a customer managed key).",
  resource_types = { "AWS::CloudTrail::Trail" },
  frameworks = {
    ["cis-aws-3.0"] = { "3.5" },
    ["nist-800-53-r5"] = { "AU-9", "CA-9(1)", "CM-3(6)", "SC-13", "SC-28", "SC-28(1)",
                           "SC-7(10)", "SI-7(6)" },
    ["aws-fsbp"] = { "CloudTrail.2" },
  },
  remediation = "Set KMSKeyId to a customer managed KMS key whose key policy lets " ..
    "cloudtrail.amazonaws.com encrypt (kms:GenerateDataKey*) for this trail.",
  check = function(r)
    local k = r.Properties.KMSKeyId
    if k == nil or (not P.is_unknown(k) and P.str(k) == "") then
      return P.fail("Properties.KMSKeyId", "the trail's logs are not encrypted with a KMS key")
    end
  end,
}
