-- Least privilege: a role trusted by another account, or by a federated
-- identity provider, needs a condition. An Allow statement of
-- AssumeRolePolicyDocument fails when
--   * an AWS principal names another account (an account id or ARN whose
--     account is not the stack's) and no condition limits it
--     (sts:ExternalId, aws:PrincipalOrgID, aws:PrincipalArn,
--     aws:SourceAccount, ...); when the stack's account is not known
--     (cairn check has no credentials) a literal account id cannot be
--     told apart and the check says so; principals written with
--     !Sub ...${AWS::AccountId}... or !GetAtt Role.Arn are this account;
--   * a Federated principal (OIDC or SAML provider, Cognito) has no
--     condition on the token's subject or audience (":sub", ":aud",
--     "saml:aud"); GitHub's OIDC provider needs ":sub" (its audience is
--     the same for every repository).
local P = require "cairn.policy"
local iam, arn = P.iam, P.arn

local function federated_ok(s, provider)
  local keys = iam.condition_keys(s)
  local function any(suffix)
    for k in pairs(keys) do
      if k:sub(-#suffix) == suffix then return true end
    end
    return false
  end
  local text = P.shape(provider)
  if type(text) == "string" and text:find("token.actions.githubusercontent.com", 1, true) then
    return any(":sub")
  end
  return any(":sub") or any(":aud") or any(":amr") or keys["saml:aud"] ~= nil
end

return {
  id = "lp-trust-cross-account",
  title = "Cross-account and federated role trust is conditioned",
  severity = "high",
  description = "A role that another account or a federated identity provider may assume " ..
    "has a condition on who exactly (external id, organization, principal ARN, token subject).",
  resource_types = { "AWS::IAM::Role" },
  frameworks = {
    ["nist-800-53-r5"] = { "AC-3", "AC-6", "AC-20", "IA-8" },
  },
  remediation = "Add Condition: StringEquals: sts:ExternalId (third parties), " ..
    "aws:PrincipalOrgID (your organization), or for OIDC the token's sub " ..
    "(e.g. repo:org/repo:ref:refs/heads/main) and aud.",
  check = function(r, stack)
    local doc, err = iam.parse(r.Properties.AssumeRolePolicyDocument,
                               "Properties.AssumeRolePolicyDocument")
    if not doc then
      return P.fail("Properties.AssumeRolePolicyDocument", "not a valid policy document: %s", err)
    end
    local own = type(stack.account) == "string" and stack.account or nil
    local out = {}
    for _, s in ipairs(doc.Statement) do
      if iam.is_allow(s) and s.Principal and not iam.principal_is_public(s) then
        local restricted = iam.has_restricting_condition(s)
        for _, p in ipairs(s.Principal.AWS or {}) do
          if not restricted and not P.is_unknown(p) then
            local acct = arn.principal_account(p)
            if acct and acct ~= "*" then
              if own == nil then
                out[#out + 1] = P.undecided(s.path .. ".Principal",
                  "account %s may be another account: the stack's account is not known " ..
                  "without credentials", acct)
              elseif acct ~= own then
                out[#out + 1] = P.fail(s.path .. ".Principal",
                  "account %s can assume this role without a condition", acct)
              end
            end
          end
        end
        for _, f in ipairs(s.Principal.Federated or {}) do
          if not federated_ok(s, f) then
            out[#out + 1] = P.fail(s.path .. ".Principal",
              "any identity of %s can assume this role (no condition on the token's subject " ..
              "or audience)", P.show(f))
          end
        end
      end
    end
    return out
  end,
}
