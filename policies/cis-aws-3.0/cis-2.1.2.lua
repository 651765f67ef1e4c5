-- CIS AWS Foundations Benchmark v3.0.0, 2.1.2: "Ensure MFA Delete is
-- enabled on S3 buckets" (live only: CloudFormation cannot set MFA Delete,
-- so a template never shows it). Reads the bucket's versioning as the
-- audit found it: account_data.s3_buckets.<name>.Versioning.MFADelete.
local P = require "cairn.policy"

return {
  id = "cis-2.1.2",
  title = "S3 bucket versioning has MFA Delete",
  severity = "low",
  description = "GetBucketVersioning reports MFADelete Enabled for the bucket.",
  resource_types = { "AWS::S3::Bucket" },
  live_only = true,
  frameworks = {
    ["cis-aws-3.0"] = { "2.1.2" },
    ["nist-800-53-r5"] = { "CA-9(1)", "CM-2", "CM-2(2)", "CM-3", "SC-5(2)" },
    ["aws-fsbp"] = { "S3.20" },
  },
  remediation = "As the root user with its MFA device: aws s3api put-bucket-versioning " ..
    "--bucket NAME --versioning-configuration Status=Enabled,MFADelete=Enabled --mfa " ..
    "'SERIAL CODE'.",
  check = function(r, stack)
    local buckets = P.aws.account_field(stack, "s3_buckets", "the buckets' versioning")
    local name = r.PhysicalId or P.str(r.Properties.BucketName)
    local info = name and buckets[name]
    if not info then
      return P.undecided("", "the audit did not read bucket %s", P.show(name))
    end
    if P.get(info, "Versioning.MFADelete") ~= "Enabled" then
      return P.fail("Properties.VersioningConfiguration", "MFA Delete is not enabled")
    end
  end,
}
