-- Least privilege: iam:PassRole only on named roles. A statement that
-- allows iam:PassRole (directly or through "iam:*", "iam:Pass*", "*", or
-- NotAction) on every resource, or on every role ("...:role/*"), lets the
-- principal hand any role, including administrators, to a service it
-- controls. An iam:PassedToService condition narrows the service, not the
-- role, and does not make it pass.
local P = require "cairn.policy"
local iam = P.iam

return {
  id = "lp-passrole-star",
  title = "iam:PassRole is not allowed on every role",
  severity = "high",
  description = "No identity policy allows iam:PassRole on \"*\" or on every role of an account.",
  resource_types = { "AWS::IAM::Role", "AWS::IAM::User", "AWS::IAM::Group", "AWS::IAM::Policy",
                     "AWS::IAM::ManagedPolicy" },
  frameworks = {
    ["nist-800-53-r5"] = { "AC-6", "AC-6(10)", "AC-3" },
  },
  remediation = "Allow iam:PassRole only on the ARNs of the roles the principal must pass " ..
    "(e.g. !GetAtt SageMakerExecutionRole.Arn), with an iam:PassedToService condition.",
  check = function(r)
    local out = {}
    for _, d in ipairs(P.aws.identity_documents(r)) do
      local doc, err = iam.parse(d.document, d.path)
      if not doc then
        out[#out + 1] = P.fail(d.path, "not a valid policy document: %s", err)
      else
        for _, s in ipairs(doc.Statement) do
          if iam.allows(s, "iam:PassRole") and iam.resource_is_broad(s) then
            out[#out + 1] = P.fail(s.path, "allows iam:PassRole on every role")
          end
        end
      end
    end
    return out
  end,
}
