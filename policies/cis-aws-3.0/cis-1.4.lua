-- CIS AWS Foundations Benchmark v3.0.0, 1.4: "Ensure no 'root' user
-- account access key exists" (live only). Reads the account summary
-- (AccountAccessKeysPresent) or, without it, the root row of the
-- credential report (access_key_1_active, access_key_2_active).
local P = require "cairn.policy"

return {
  id = "cis-1.4",
  title = "The root user has no access keys",
  severity = "critical",
  description = "AccountAccessKeysPresent is 0 (GetAccountSummary), or the credential " ..
    "report's <root_account> row has no active access key.",
  scope = "stack",
  live_only = true,
  frameworks = {
    ["cis-aws-3.0"] = { "1.4" },
    ["nist-800-53-r5"] = { "AC-2(1)", "AC-3(15)", "AC-3(7)", "AC-6(10)", "AC-6(2)" },
    ["aws-fsbp"] = { "IAM.4" },
  },
  remediation = "Sign in as root, open Security credentials, and delete its access keys; " ..
    "use IAM roles for programmatic access.",
  check = function(stack)
    local data = stack:account_data()
    local summary = data and data.summary
    if summary and summary.AccountAccessKeysPresent ~= nil then
      if P.num(summary.AccountAccessKeysPresent) ~= 0 then
        return { subject = "root user", message = "the root user has access keys" }
      end
      return nil
    end
    local rows = P.aws.account_field(stack, "credential_report", "the credential report")
    for _, row in ipairs(rows) do
      if row.user == "<root_account>" then
        if row.access_key_1_active == "true" or row.access_key_2_active == "true" then
          return { subject = "root user", message = "the root user has an active access key" }
        end
        return nil
      end
    end
    return P.undecided("", "the credential report has no <root_account> row")
  end,
}
