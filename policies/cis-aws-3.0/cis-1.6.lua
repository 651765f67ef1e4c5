-- CIS AWS Foundations Benchmark v3.0.0, 1.6: "Ensure hardware MFA is
-- enabled for the 'root' user account" (live only): root has MFA
-- (AccountMFAEnabled) and no virtual MFA device belongs to root
-- (account_data.virtual_mfa_devices, ListVirtualMFADevices, whose serial
-- for root ends in ":mfa/root-account-mfa-device" or whose User is root).
local P = require "cairn.policy"

return {
  id = "cis-1.6",
  title = "The root user's MFA is a hardware device",
  severity = "high",
  description = "Root MFA is enabled and is not one of the account's virtual MFA devices.",
  scope = "stack",
  live_only = true,
  frameworks = {
    ["cis-aws-3.0"] = { "1.6" },
    ["nist-800-53-r5"] = { "AC-2(1)", "AC-3(15)", "IA-2(1)", "IA-2(2)", "IA-2(6)", "IA-2(8)" },
    ["aws-fsbp"] = { "IAM.6" },
  },
  remediation = "Replace the root user's virtual MFA with a hardware key (FIDO security key " ..
    "or hardware TOTP token).",
  check = function(stack)
    local summary = P.aws.account_field(stack, "summary", "the account summary")
    if P.num(summary.AccountMFAEnabled) ~= 1 then
      return { subject = "root user", message = "the root user has no MFA device at all" }
    end
    local devices = P.aws.account_field(stack, "virtual_mfa_devices", "the virtual MFA devices")
    for _, d in ipairs(devices) do
      local serial = P.str(d.SerialNumber) or ""
      local arn = d.User and P.str(d.User.Arn) or ""
      if serial:find(":mfa/root%-account%-mfa%-device$") or arn:find(":root$") then
        return { subject = "root user", message = "the root user's MFA is a virtual device (" .. serial .. ")" }
      end
    end
  end,
}
