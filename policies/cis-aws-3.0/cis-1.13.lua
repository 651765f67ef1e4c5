-- CIS AWS Foundations Benchmark v3.0.0, 1.13: "Ensure there is only one
-- active access key available for any single IAM user" (live only).
local P = require "cairn.policy"

return {
  id = "cis-1.13",
  title = "No IAM user has two active access keys",
  severity = "medium",
  description = "No credential report row has both access_key_1_active and " ..
    "access_key_2_active true.",
  scope = "stack",
  live_only = true,
  frameworks = {
    ["cis-aws-3.0"] = { "1.13" },
    ["nist-800-53-r5"] = { "AC-2", "IA-5" },
  },
  remediation = "Deactivate and delete the key the user no longer needs.",
  check = function(stack)
    local out = {}
    for _, row in ipairs(P.aws.account_field(stack, "credential_report", "the credential report")) do
      if row.access_key_1_active == "true" and row.access_key_2_active == "true" then
        out[#out + 1] = { subject = "user " .. tostring(row.user), message = "has two active access keys" }
      end
    end
    return out
  end,
}
