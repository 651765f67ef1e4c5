-- CIS AWS Foundations Benchmark v3.0.0, 1.12: "Ensure credentials unused
-- for 45 days or greater are disabled" (live only). From the credential
-- report, measured against account_data.collected_at: an enabled console
-- password last used (or, never used, created) 45 or more days ago, and an
-- active access key last used (or, never used, rotated) 45 or more days ago.
local P = require "cairn.policy"

local DAYS = 45

local function age(now, ...)
  for _, v in ipairs({ ... }) do
    local d = P.days(v)
    if d then return now - d end
  end
  return nil
end

return {
  id = "cis-1.12",
  title = "Credentials unused for 45 days or more are disabled",
  severity = "medium",
  description = "No IAM user has an enabled password or an active access key that has not " ..
    "been used for 45 days or more.",
  scope = "stack",
  live_only = true,
  frameworks = {
    ["cis-aws-3.0"] = { "1.12" },
    ["nist-800-53-r5"] = { "AC-2", "AC-2(3)", "IA-4" },
    ["aws-fsbp"] = { "IAM.22" },
  },
  remediation = "Disable the console password (delete-login-profile) and deactivate the " ..
    "access keys (update-access-key --status Inactive) of the listed users.",
  check = function(stack)
    local now = P.days(P.aws.account_field(stack, "collected_at", "when the account was read"))
    if not now then return P.undecided("", "account_data.collected_at is not a date") end
    local out = {}
    for _, row in ipairs(P.aws.account_field(stack, "credential_report", "the credential report")) do
      if row.user ~= "<root_account>" then
        local who = "user " .. tostring(row.user)
        if row.password_enabled == "true" then
          local a = age(now, row.password_last_used, row.user_creation_time)
          if a and a >= DAYS then
            out[#out + 1] = { subject = who, message = string.format(
                              "console password unused for %d days", a) }
          end
        end
        for k = 1, 2 do
          if row["access_key_" .. k .. "_active"] == "true" then
            local a = age(now, row["access_key_" .. k .. "_last_used_date"],
                          row["access_key_" .. k .. "_last_rotated"])
            if a and a >= DAYS then
              out[#out + 1] = { subject = who, message = string.format(
                                "access key %d unused for %d days", k, a) }
            end
          end
        end
      end
    end
    return out
  end,
}
