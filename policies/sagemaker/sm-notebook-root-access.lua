-- SageMaker: notebook users do not get root. RootAccess defaults to
-- Enabled; it must be Disabled so that users cannot change the instance's
-- software or configuration.
local P = require "cairn.policy"

return {
  id = "sm-notebook-root-access",
  title = "SageMaker notebook instance does not give root access",
  severity = "high",
  description = "AWS::SageMaker::NotebookInstance sets RootAccess: Disabled.",
  resource_types = { "AWS::SageMaker::NotebookInstance" },
  frameworks = {
    ["nist-800-53-r5"] = { "AC-2(1)", "AC-3(15)", "AC-3(7)", "AC-6", "AC-6(10)", "AC-6(2)" },
    ["aws-fsbp"] = { "SageMaker.3" },
  },
  remediation = "Set RootAccess: Disabled (lifecycle configurations still run as root).",
  check = function(r)
    local v = P.str(r.Properties.RootAccess)
    if v ~= "Disabled" then
      return P.fail("Properties.RootAccess", "users have root access%s",
                    v and "" or " (the default)")
    end
  end,
}
