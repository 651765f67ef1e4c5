-- Least privilege: no known privilege escalation. The identity policies
-- of a role, user or group (its own, and the AWS::IAM::Policy and
-- ManagedPolicy resources attached to it in this stack) taken together
-- must not allow one of the known escalation paths (iam.ESCALATIONS:
-- Rhino Security Labs' list, e.g. iam:CreatePolicyVersion,
-- iam:AttachRolePolicy, iam:PassRole with ec2:RunInstances or
-- lambda:CreateFunction + lambda:InvokeFunction, and SageMaker's notebook
-- and training-job paths) with every action on a broad resource ("*" or
-- every role) and no unconditional Deny.
local P = require "cairn.policy"

return {
  id = "lp-privesc",
  title = "No IAM privilege escalation path",
  severity = "critical",
  description = "The principal's policies do not combine to a known privilege escalation " ..
    "(creating policy versions, attaching or writing policies, passing any role to compute " ..
    "it controls, ...).",
  resource_types = { "AWS::IAM::Role", "AWS::IAM::User", "AWS::IAM::Group" },
  frameworks = {
    ["nist-800-53-r5"] = { "AC-6", "AC-6(10)", "AC-5", "AC-3" },
  },
  remediation = "Remove the permissions-management actions, or restrict them (and iam:PassRole) " ..
    "to the specific resources the principal must manage.",
  check = function(r, stack)
    local out = {}
    local stmts = P.aws.principal_statements(stack, r)
    for _, e in ipairs(P.iam.escalations(stmts)) do
      local s = e.statement
      local f = P.fail(s.path, "can escalate privileges with %s on any resource",
                       table.concat(e.actions, " + "))
      if s.resource ~= r.id then
        f.resource = s.resource
        f.message = f.message .. " (granted to " .. r.id .. ")"
      end
      out[#out + 1] = f
    end
    return out
  end,
}
