-- CIS AWS Foundations Benchmark v3.0.0, 1.9: "Ensure IAM password policy
-- prevents password reuse" (live only): PasswordReusePrevention of 24,
-- the value the benchmark's audit expects.
local P = require "cairn.policy"

return {
  id = "cis-1.9",
  title = "The IAM password policy prevents password reuse",
  severity = "low",
  description = "The account password policy's PasswordReusePrevention is 24.",
  scope = "stack",
  live_only = true,
  frameworks = {
    ["cis-aws-3.0"] = { "1.9" },
    ["nist-800-53-r5"] = { "IA-5(1)" },
    ["aws-fsbp"] = { "IAM.16" },
  },
  remediation = "aws iam update-account-password-policy --password-reuse-prevention 24 " ..
    "(keep the other settings you have).",
  check = function(stack)
    local pp = P.aws.account_field(stack, "password_policy", "the password policy")
    if pp == P.null then
      return { subject = "password policy", message = "the account has no password policy" }
    end
    local n = P.num(pp.PasswordReusePrevention) or 0
    if n < 24 then
      return { subject = "password policy", message = string.format(
               "PasswordReusePrevention is %d, not 24", n) }
    end
  end,
}
