-- CIS AWS Foundations Benchmark v3.0.0, 1.5: "Ensure MFA is enabled for the
-- 'root' user account" (live only): AccountMFAEnabled in the account
-- summary, or mfa_active of the credential report's root row.
local P = require "cairn.policy"

return {
  id = "cis-1.5",
  title = "The root user has MFA",
  severity = "critical",
  description = "AccountMFAEnabled is 1 (GetAccountSummary), or the credential report's " ..
    "<root_account> row has mfa_active true.",
  scope = "stack",
  live_only = true,
  frameworks = {
    ["cis-aws-3.0"] = { "1.5" },
    ["nist-800-53-r5"] = { "AC-2(1)", "AC-3(15)", "IA-2(1)", "IA-2(2)", "IA-2(6)", "IA-2(8)" },
    ["aws-fsbp"] = { "IAM.9" },
  },
  remediation = "Sign in as root and assign an MFA device under Security credentials.",
  check = function(stack)
    local data = stack:account_data()
    local summary = data and data.summary
    if summary and summary.AccountMFAEnabled ~= nil then
      if P.num(summary.AccountMFAEnabled) ~= 1 then
        return { subject = "root user", message = "the root user has no MFA device" }
      end
      return nil
    end
    local rows = P.aws.account_field(stack, "credential_report", "the credential report")
    for _, row in ipairs(rows) do
      if row.user == "<root_account>" then
        if row.mfa_active ~= "true" then
          return { subject = "root user", message = "the root user has no MFA device" }
        end
        return nil
      end
    end
    return P.undecided("", "the credential report has no <root_account> row")
  end,
}
