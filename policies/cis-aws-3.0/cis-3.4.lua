-- CIS AWS Foundations Benchmark v3.0.0, 3.4: "Ensure S3 bucket access
-- logging is enabled on the CloudTrail S3 bucket". For each trail, the
-- bucket it delivers to (S3BucketName) must have LoggingConfiguration
-- with a DestinationBucketName. The finding is placed on the bucket. When
-- the bucket is not part of the stack the control cannot be decided from
-- the template; a live audit reads account_data.s3_buckets.<name>.Logging.
local P = require "cairn.policy"

return {
  id = "cis-3.4",
  title = "The CloudTrail bucket has S3 server access logging",
  severity = "low",
  description = "The bucket each trail delivers to has LoggingConfiguration with a " ..
    "DestinationBucketName, so that access to the audit logs is itself logged.",
  resource_types = { "AWS::CloudTrail::Trail" },
  frameworks = {
    ["cis-aws-3.0"] = { "3.4" },
    ["nist-800-53-r5"] = { "AC-2(4)", "AC-4(26)", "AC-6(9)", "AU-10", "AU-12", "AU-2", "AU-3",
                           "AU-6(3)", "AU-6(4)", "CA-7", "SC-7(9)", "SI-3(8)", "SI-4(20)",
                           "SI-7(8)" },
    ["aws-fsbp"] = { "CloudTrail.7" },
  },
  remediation = "Give the trail's bucket a LoggingConfiguration whose DestinationBucketName " ..
    "is a separate access-log bucket.",
  check = function(r, stack)
    local bucket_id = P.aws.trail_bucket(stack, r)
    if bucket_id then
      local b = stack:resource(bucket_id)
      local dest = P.get(b.Properties, "LoggingConfiguration.DestinationBucketName")
      if dest == nil then
        return { resource = bucket_id, path = "Properties.LoggingConfiguration",
                 message = "the bucket receiving CloudTrail logs (trail " .. r.id ..
                           ") has no server access logging" }
      end
      return nil
    end
    local name = P.str(r.Properties.S3BucketName)
    local data = stack:account_data()
    local info = data and data.s3_buckets and name and data.s3_buckets[name]
    if info then
      if info.Logging == nil or info.Logging == P.null or P.get(info, "Logging.TargetBucket") == nil then
        return P.fail("Properties.S3BucketName", "the trail's bucket %s has no server access logging", name)
      end
      return nil
    end
    return P.undecided("Properties.S3BucketName", "the trail's bucket %s is not in this stack; " ..
                       "a live audit checks its access logging", P.show(name))
  end,
}
