-- SageMaker: notebook instances encrypt their ML storage volume with a
-- customer managed KMS key (KmsKeyId).
local P = require "cairn.policy"

return {
  id = "sm-notebook-kms",
  title = "SageMaker notebook instance is encrypted with KMS",
  severity = "medium",
  description = "AWS::SageMaker::NotebookInstance sets KmsKeyId.",
  resource_types = { "AWS::SageMaker::NotebookInstance" },
  frameworks = {
    ["nist-800-53-r5"] = { "SC-12", "SC-13", "SC-28", "SC-28(1)" },
  },
  remediation = "Set KmsKeyId to a customer managed key.",
  check = function(r)
    if r.Properties.KmsKeyId == nil then
      return P.fail("Properties.KmsKeyId", "the notebook's volume is not encrypted with a KMS key")
    end
  end,
}
