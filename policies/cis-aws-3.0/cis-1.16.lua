-- CIS AWS Foundations Benchmark v3.0.0, 1.16: "Ensure IAM policies that
-- allow full "*:*" administrative privileges are not attached". A
-- statement with Effect Allow, Action "*" and Resource "*" in a policy
-- that is attached (a role's, user's or group's own Policies, an
-- AWS::IAM::Policy, a ManagedPolicy with Roles, Users or Groups or named
-- in a ManagedPolicyArns of this stack), and the AWS managed
-- AdministratorAccess policy in ManagedPolicyArns.
local P = require "cairn.policy"

local function admin_statements(doc, path)
  local out = {}
  local parsed, err = P.iam.parse(doc, path)
  if not parsed then
    return { P.fail(path, "not a valid policy document: %s", err) }
  end
  for _, s in ipairs(parsed.Statement) do
    if P.iam.is_allow(s) and P.iam.resource_is_star(s) then
      for _, a in ipairs(s.Action or {}) do
        if a == "*" or a == "*:*" then
          out[#out + 1] = P.fail(s.path, "allows every action (\"%s\") on every resource", a)
          break
        end
      end
    end
  end
  return out
end

return {
  id = "cis-1.16",
  title = "No attached IAM policy allows full \"*:*\" administrative privileges",
  severity = "high",
  description = "An attached policy must not allow Action \"*\" on Resource \"*\", and the AWS " ..
    "managed AdministratorAccess policy must not be attached.",
  resource_types = { "AWS::IAM::Role", "AWS::IAM::User", "AWS::IAM::Group", "AWS::IAM::Policy",
                     "AWS::IAM::ManagedPolicy" },
  frameworks = {
    ["cis-aws-3.0"] = { "1.16" },
    ["nist-800-53-r5"] = { "AC-2", "AC-2(1)", "AC-3", "AC-3(15)", "AC-3(7)", "AC-5", "AC-6",
                           "AC-6(10)", "AC-6(2)", "AC-6(3)" },
    ["aws-fsbp"] = { "IAM.1" },
  },
  remediation = "Grant only the actions and resources the principal needs: replace \"*\" with " ..
    "the service actions it uses and the ARNs it works on, and detach AdministratorAccess.",
  check = function(r, stack)
    local out = {}
    if (r.type == "AWS::IAM::ManagedPolicy") and not P.aws.is_attached(stack, r) then
      return P.not_applicable
    end
    for _, d in ipairs(P.aws.identity_documents(r)) do
      for _, f in ipairs(admin_statements(d.document, d.path)) do out[#out + 1] = f end
    end
    local arns = r.Properties.ManagedPolicyArns
    if arns ~= nil then
      for i, a in ipairs(P.list(arns)) do
        if P.aws.managed_policy_name(a) == "AdministratorAccess" then
          out[#out + 1] = P.fail(string.format("Properties.ManagedPolicyArns[%d]", i - 1),
                                 "attaches the AWS managed AdministratorAccess policy")
        end
      end
    end
    return out
  end,
}
