-- Least privilege: a role's trust policy is not open to everyone. An
-- Allow statement of AssumeRolePolicyDocument whose Principal is "*" (or
-- {AWS: "*"}) and that no condition limits to known principals
-- (aws:PrincipalOrgID, aws:PrincipalAccount, aws:PrincipalArn,
-- aws:SourceAccount, aws:SourceArn, sts:ExternalId, ...) lets any AWS
-- account assume the role.
local P = require "cairn.policy"
local iam = P.iam

return {
  id = "lp-trust-public",
  title = "Role trust policy is not open to everyone",
  severity = "critical",
  description = "No statement of a role's trust policy allows Principal \"*\" without a " ..
    "condition that limits who may assume it.",
  resource_types = { "AWS::IAM::Role" },
  frameworks = {
    ["nist-800-53-r5"] = { "AC-3", "AC-6", "AC-17", "AC-20" },
  },
  remediation = "Name the principals that may assume the role (a service, an account root " ..
    "or role ARN), or add a condition such as aws:PrincipalOrgID.",
  check = function(r)
    local doc, err = iam.parse(r.Properties.AssumeRolePolicyDocument,
                               "Properties.AssumeRolePolicyDocument")
    if not doc then
      return P.fail("Properties.AssumeRolePolicyDocument", "not a valid policy document: %s", err)
    end
    local out = {}
    for _, s in ipairs(doc.Statement) do
      if iam.is_allow(s) and iam.principal_is_public(s) and not iam.has_restricting_condition(s) then
        out[#out + 1] = P.fail(s.path .. ".Principal", "anyone can assume this role (Principal \"*\")")
      end
    end
    return out
  end,
}
