-- CIS AWS Foundations Benchmark v3.0.0, 1.15: "Ensure IAM Users Receive
-- Permissions Only Through Groups". A user with inline policies
-- (Policies), managed policies of its own (ManagedPolicyArns), or named in
-- the Users of an AWS::IAM::Policy or ManagedPolicy gets permissions
-- directly instead of through a group.
local P = require "cairn.policy"

return {
  id = "cis-1.15",
  title = "IAM users receive permissions only through groups",
  severity = "medium",
  description = "Users must not have inline or attached policies of their own, and no policy " ..
    "may list users: permissions are granted to groups, and users are members of groups.",
  resource_types = { "AWS::IAM::User", "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy" },
  frameworks = {
    ["cis-aws-3.0"] = { "1.15" },
    ["nist-800-53-r5"] = { "AC-2", "AC-2(1)", "AC-3", "AC-3(15)", "AC-3(7)", "AC-6", "AC-6(3)" },
    ["aws-fsbp"] = { "IAM.2" },
  },
  remediation = "Move the user's policies to an AWS::IAM::Group, list the user in the group's " ..
    "Groups (AWS::IAM::User Groups), and remove Policies and ManagedPolicyArns from the user " ..
    "and Users from the policy.",
  check = function(r)
    local props = r.Properties
    local out = {}
    if r.type == "AWS::IAM::User" then
      if #P.list(props.Policies) > 0 then
        out[#out + 1] = P.fail("Properties.Policies", "the user has inline policies")
      end
      if #P.list(props.ManagedPolicyArns) > 0 then
        out[#out + 1] = P.fail("Properties.ManagedPolicyArns", "the user has managed policies attached directly")
      end
      return out
    end
    if props.Users == nil then return P.not_applicable end
    if #P.list(props.Users) > 0 then
      return P.fail("Properties.Users", "the policy is attached to users directly")
    end
  end,
}
