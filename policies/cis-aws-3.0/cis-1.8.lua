-- CIS AWS Foundations Benchmark v3.0.0, 1.8: "Ensure IAM password policy
-- requires minimum length of 14 or greater" (live only; reads
-- account_data.password_policy, GetAccountPasswordPolicy's PasswordPolicy,
-- null when the account has none).
local P = require "cairn.policy"

return {
  id = "cis-1.8",
  title = "The IAM password policy requires at least 14 characters",
  severity = "medium",
  description = "The account password policy's MinimumPasswordLength is 14 or more.",
  scope = "stack",
  live_only = true,
  frameworks = {
    ["cis-aws-3.0"] = { "1.8" },
    ["nist-800-53-r5"] = { "IA-5(1)" },
    ["aws-fsbp"] = { "IAM.15" },
  },
  remediation = "aws iam update-account-password-policy --minimum-password-length 14 " ..
    "(keep the other settings you have).",
  check = function(stack)
    local pp = P.aws.account_field(stack, "password_policy", "the password policy")
    if pp == P.null then
      return { subject = "password policy", message = "the account has no password policy " ..
               "(the default minimum length is 8)" }
    end
    local n = P.num(pp.MinimumPasswordLength) or 0
    if n < 14 then
      return { subject = "password policy", message = string.format(
               "MinimumPasswordLength is %d, not 14 or more", n) }
    end
  end,
}
