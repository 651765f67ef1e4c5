-- SageMaker: Studio domains encrypt their EFS volume with a customer
-- managed KMS key (KmsKeyId).
local P = require "cairn.policy"

return {
  id = "sm-domain-kms",
  title = "SageMaker domain is encrypted with KMS",
  severity = "medium",
  description = "AWS::SageMaker::Domain sets KmsKeyId.",
  resource_types = { "AWS::SageMaker::Domain" },
  frameworks = {
    ["nist-800-53-r5"] = { "SC-12", "SC-28", "SC-28(1)" },
  },
  remediation = "Set KmsKeyId to a customer managed key.",
  check = function(r)
    if r.Properties.KmsKeyId == nil then
      return P.fail("Properties.KmsKeyId", "the domain's storage is not encrypted with a KMS key")
    end
  end,
}
