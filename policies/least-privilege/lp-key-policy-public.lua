-- Least privilege: a KMS key policy does not grant to everyone. An Allow
-- statement with Principal "*" that no condition limits (kms:CallerAccount,
-- aws:PrincipalOrgID, aws:SourceAccount, ...) lets any AWS account use or
-- manage the key. The default key policy (the account root) is not "*".
local P = require "cairn.policy"
local iam = P.iam

return {
  id = "lp-key-policy-public",
  title = "KMS key policy does not grant access to everyone",
  severity = "critical",
  description = "No Allow statement of a key policy has Principal \"*\" without a condition " ..
    "that limits who can use it.",
  resource_types = { "AWS::KMS::Key" },
  frameworks = {
    ["nist-800-53-r5"] = { "AC-3", "AC-6", "SC-12" },
    ["aws-fsbp"] = { "KMS.2" },
  },
  remediation = "Grant to named principals, or add kms:CallerAccount (with kms:ViaService for " ..
    "a service) or aws:PrincipalOrgID to the statement.",
  check = function(r)
    local doc, err = iam.parse(r.Properties.KeyPolicy, "Properties.KeyPolicy")
    if not doc then
      return P.fail("Properties.KeyPolicy", "not a valid policy document: %s", err)
    end
    local out = {}
    for _, s in ipairs(doc.Statement) do
      if iam.is_allow(s) and iam.principal_is_public(s) and not iam.has_restricting_condition(s) then
        out[#out + 1] = P.fail(s.path .. ".Principal", "grants %s to everyone",
                               s.Action and table.concat(s.Action, ", ") or "actions")
      end
    end
    return out
  end,
}
