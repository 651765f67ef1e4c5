-- SageMaker: notebook instances have no direct internet access.
-- DirectInternetAccess defaults to Enabled; it must be Disabled (which
-- needs SubnetId: internet access then goes through the VPC, if at all).
local P = require "cairn.policy"

return {
  id = "sm-notebook-direct-internet",
  title = "SageMaker notebook instance has no direct internet access",
  severity = "high",
  description = "AWS::SageMaker::NotebookInstance sets DirectInternetAccess: Disabled.",
  resource_types = { "AWS::SageMaker::NotebookInstance" },
  frameworks = {
    ["nist-800-53-r5"] = { "AC-21", "AC-3", "AC-3(7)", "AC-4", "AC-4(21)", "AC-6", "SC-7",
                           "SC-7(11)", "SC-7(16)", "SC-7(20)", "SC-7(21)", "SC-7(3)", "SC-7(4)",
                           "SC-7(9)" },
    ["aws-fsbp"] = { "SageMaker.1" },
  },
  remediation = "Set DirectInternetAccess: Disabled and SubnetId to a private subnet with the " ..
    "VPC endpoints the notebook needs.",
  check = function(r)
    local v = P.str(r.Properties.DirectInternetAccess)
    if v ~= "Disabled" then
      return P.fail("Properties.DirectInternetAccess", "direct internet access is %s",
                    v and "enabled" or "enabled (the default)")
    end
  end,
}
