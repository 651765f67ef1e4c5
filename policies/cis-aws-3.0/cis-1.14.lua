-- CIS AWS Foundations Benchmark v3.0.0, 1.14: "Ensure access keys are
-- rotated every 90 days or less" (live only): every active key's
-- access_key_N_last_rotated is less than 90 days before
-- account_data.collected_at.
local P = require "cairn.policy"

return {
  id = "cis-1.14",
  title = "Access keys are rotated every 90 days or less",
  severity = "medium",
  description = "No active access key was last rotated 90 or more days ago.",
  scope = "stack",
  live_only = true,
  frameworks = {
    ["cis-aws-3.0"] = { "1.14" },
    ["nist-800-53-r5"] = { "AC-2(1)", "AC-2(3)", "AC-3(15)" },
    ["aws-fsbp"] = { "IAM.3" },
  },
  remediation = "Create a new access key, move its users to it, then deactivate and delete " ..
    "the old one; better, replace access keys with roles.",
  check = function(stack)
    local now = P.days(P.aws.account_field(stack, "collected_at", "when the account was read"))
    if not now then return P.undecided("", "account_data.collected_at is not a date") end
    local out = {}
    for _, row in ipairs(P.aws.account_field(stack, "credential_report", "the credential report")) do
      for k = 1, 2 do
        if row["access_key_" .. k .. "_active"] == "true" then
          local d = P.days(row["access_key_" .. k .. "_last_rotated"])
          if d and now - d >= 90 then
            out[#out + 1] = { subject = "user " .. tostring(row.user), message = string.format(
                              "access key %d was last rotated %d days ago", k, now - d) }
          end
        end
      end
    end
    return out
  end,
}
