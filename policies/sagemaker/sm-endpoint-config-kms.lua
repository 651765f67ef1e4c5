-- SageMaker: endpoint configurations encrypt the ML storage volumes of
-- their instances with a customer managed KMS key (KmsKeyId).
local P = require "cairn.policy"

return {
  id = "sm-endpoint-config-kms",
  title = "SageMaker endpoint configuration is encrypted with KMS",
  severity = "medium",
  description = "AWS::SageMaker::EndpointConfig sets KmsKeyId.",
  resource_types = { "AWS::SageMaker::EndpointConfig" },
  frameworks = {
    ["nist-800-53-r5"] = { "SC-12", "SC-13", "SC-28", "SC-28(1)" },
  },
  remediation = "Set KmsKeyId to a customer managed key (instance types with local NVMe " ..
    "storage encrypt it with a hardware key and do not take KmsKeyId).",
  check = function(r)
    if r.Properties.KmsKeyId == nil then
      return P.fail("Properties.KmsKeyId", "the endpoint's storage is not encrypted with a KMS key")
    end
  end,
}
