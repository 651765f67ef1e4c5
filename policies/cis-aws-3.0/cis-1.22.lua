-- CIS AWS Foundations Benchmark v3.0.0, 1.22: "Ensure access to
-- AWSCloudShellFullAccess is restricted". CloudShell gives a shell with
-- internet access and file transfer to and from the user's machine; the
-- AWS managed AWSCloudShellFullAccess policy must not be attached to
-- roles, users or groups.
local P = require "cairn.policy"

return {
  id = "cis-1.22",
  title = "AWSCloudShellFullAccess is not attached",
  severity = "medium",
  description = "The AWS managed AWSCloudShellFullAccess policy (file upload and download " ..
    "between CloudShell and the user's machine) must not be in any ManagedPolicyArns.",
  resource_types = { "AWS::IAM::Role", "AWS::IAM::User", "AWS::IAM::Group" },
  frameworks = {
    ["cis-aws-3.0"] = { "1.22" },
    ["nist-800-53-r5"] = { "AC-6", "AC-17", "SC-7(10)" },
    ["aws-fsbp"] = { "IAM.27" },
  },
  remediation = "Remove AWSCloudShellFullAccess from ManagedPolicyArns; if CloudShell is " ..
    "needed, grant a policy without its file upload and download actions.",
  check = function(r)
    local out = {}
    for i, a in ipairs(P.list(r.Properties.ManagedPolicyArns)) do
      if P.aws.managed_policy_name(a) == "AWSCloudShellFullAccess" then
        out[#out + 1] = P.fail(string.format("Properties.ManagedPolicyArns[%d]", i - 1),
                               "attaches AWSCloudShellFullAccess")
      end
    end
    return out
  end,
}
