-- CIS AWS Foundations Benchmark v3.0.0, 1.10: "Ensure multi-factor
-- authentication (MFA) is enabled for all IAM users that have a console
-- password" (live only): every credential report row with
-- password_enabled true has mfa_active true.
local P = require "cairn.policy"

return {
  id = "cis-1.10",
  title = "IAM users with a console password have MFA",
  severity = "medium",
  description = "No credential report row has password_enabled true and mfa_active false.",
  scope = "stack",
  live_only = true,
  frameworks = {
    ["cis-aws-3.0"] = { "1.10" },
    ["nist-800-53-r5"] = { "AC-2(1)", "AC-3(15)", "IA-2(1)", "IA-2(2)", "IA-2(6)", "IA-2(8)" },
    ["aws-fsbp"] = { "IAM.5" },
  },
  remediation = "Assign an MFA device to each listed user, or remove their console password.",
  check = function(stack)
    local out = {}
    for _, row in ipairs(P.aws.account_field(stack, "credential_report", "the credential report")) do
      if row.user ~= "<root_account>" and row.password_enabled == "true" and row.mfa_active ~= "true" then
        out[#out + 1] = { subject = "user " .. tostring(row.user),
                          message = "has a console password and no MFA" }
      end
    end
    return out
  end,
}
