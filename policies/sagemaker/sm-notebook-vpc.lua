-- SageMaker: notebook instances run in the stack's VPC (SubnetId and
-- SecurityGroupIds).
local P = require "cairn.policy"

return {
  id = "sm-notebook-vpc",
  title = "SageMaker notebook instance runs in a VPC",
  severity = "high",
  description = "AWS::SageMaker::NotebookInstance sets SubnetId (and SecurityGroupIds).",
  resource_types = { "AWS::SageMaker::NotebookInstance" },
  frameworks = {
    ["nist-800-53-r5"] = { "AC-21", "AC-3", "AC-3(7)", "AC-4", "AC-4(21)", "AC-6", "SC-7",
                           "SC-7(11)", "SC-7(16)", "SC-7(20)", "SC-7(21)", "SC-7(3)", "SC-7(4)",
                           "SC-7(9)" },
    ["aws-fsbp"] = { "SageMaker.2" },
  },
  remediation = "Set SubnetId to a private subnet and SecurityGroupIds to the notebook's " ..
    "security group.",
  check = function(r)
    if r.Properties.SubnetId == nil then
      return P.fail("Properties.SubnetId", "the notebook does not run in a VPC (no SubnetId)")
    end
    if #P.list(r.Properties.SecurityGroupIds) == 0 then
      return P.fail("Properties.SecurityGroupIds", "the notebook has no security groups")
    end
  end,
}
