-- CIS AWS Foundations Benchmark v3.0.0, 2.2.1: "Ensure EBS Volume
-- Encryption is Enabled in all Regions" (live only): EBS encryption by
-- default (GetEbsEncryptionByDefault) in every region of
-- account_data.regions, from account_data.ebs_encryption_by_default.
local P = require "cairn.policy"

return {
  id = "cis-2.2.1",
  title = "EBS encryption by default is on in every region",
  severity = "medium",
  description = "GetEbsEncryptionByDefault is true in every enabled region.",
  scope = "stack",
  live_only = true,
  frameworks = {
    ["cis-aws-3.0"] = { "2.2.1" },
    ["nist-800-53-r5"] = { "CA-9(1)", "CM-3(6)", "SC-13", "SC-28", "SC-28(1)", "SI-7(6)" },
    ["aws-fsbp"] = { "EC2.7" },
  },
  remediation = "aws ec2 enable-ebs-encryption-by-default, in every listed region.",
  check = function(stack)
    local regions = P.aws.account_field(stack, "regions", "the enabled regions")
    local by = P.aws.account_field(stack, "ebs_encryption_by_default", "EBS encryption by default")
    local out = {}
    for _, region in ipairs(regions) do
      if by[region] == nil then
        out[#out + 1] = P.undecided("", "the audit did not read EBS encryption by default in %s", region)
      elseif P.bool(by[region]) ~= true then
        out[#out + 1] = { subject = "region " .. region, message = "EBS encryption by default is off" }
      end
    end
    return out
  end,
}
