-- CIS AWS Foundations Benchmark v3.0.0, 1.17: "Ensure a support role has
-- been created to manage incidents with AWS Support" (live only): the AWS
-- managed policy AWSSupportAccess is attached to at least one role
-- (account_data.policies, with each policy's Entities from
-- ListEntitiesForPolicy).
local P = require "cairn.policy"

return {
  id = "cis-1.17",
  title = "A support role exists for AWS Support incidents",
  severity = "low",
  description = "The AWS managed AWSSupportAccess policy is attached to a role.",
  scope = "stack",
  live_only = true,
  frameworks = {
    ["cis-aws-3.0"] = { "1.17" },
    ["nist-800-53-r5"] = { "IR-7" },
    ["aws-fsbp"] = { "IAM.18" },
  },
  remediation = "Create a role that your incident responders can assume and attach " ..
    "arn:aws:iam::aws:policy/AWSSupportAccess to it.",
  check = function(stack)
    for _, pol in ipairs(P.aws.account_field(stack, "policies", "the account's policies")) do
      if P.arn.aws_managed_policy(pol.Arn) == "AWSSupportAccess" then
        local roles = pol.Entities and pol.Entities.Roles
        if roles and #roles > 0 then return nil end
      end
    end
    return { subject = "AWS Support", message = "no role has the AWSSupportAccess policy" }
  end,
}
