-- Least privilege: a read-only role cannot write. A role or user meant
-- to be read-only (tagged cairn:access = read-only; or its logical id,
-- name or description says read-only, auditor or viewer; or it has an AWS
-- read-only managed policy) must not be allowed, by any of its policies
-- in this stack, an action that writes or manages permissions, nor carry
-- an AWS managed "*FullAccess" or administrator policy.
local P = require "cairn.policy"
local iam = P.iam

return {
  id = "lp-readonly-writes",
  title = "Read-only roles cannot write",
  severity = "high",
  description = "Roles and users meant to be read-only are allowed only read and list actions.",
  resource_types = { "AWS::IAM::Role", "AWS::IAM::User" },
  frameworks = {
    ["nist-800-53-r5"] = { "AC-6", "AC-6(1)", "AC-5" },
  },
  remediation = "Remove the write actions from the read-only principal, or give the writes " ..
    "to a separate role (and do not call this one read-only).",
  check = function(r, stack)
    if not P.aws.is_read_only(r) then return P.not_applicable end
    local out = {}
    for _, s in ipairs(P.aws.principal_statements(stack, r)) do
      if iam.is_allow(s) then
        local writes = iam.write_actions(s)
        if #writes > 0 then
          local f = P.fail(s.path, "the read-only %s can write: %s",
                           r.type == "AWS::IAM::User" and "user" or "role", table.concat(writes, ", "))
          if s.resource ~= r.id then f.resource = s.resource end
          out[#out + 1] = f
        end
      end
    end
    for i, a in ipairs(P.list(r.Properties.ManagedPolicyArns)) do
      local name = P.aws.managed_policy_name(a)
      if name and (name:find("FullAccess$") or name == "AdministratorAccess" or name == "PowerUserAccess") then
        out[#out + 1] = P.fail(string.format("Properties.ManagedPolicyArns[%d]", i - 1),
                               "the read-only principal has the AWS managed %s policy", name)
      end
    end
    return out
  end,
}
