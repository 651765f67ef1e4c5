-- CIS AWS Foundations Benchmark v3.0.0, 3.8: "Ensure that Object-level
-- logging for write events is enabled for S3 bucket". Each bucket's object
-- write events are recorded by a logging trail: an EventSelectors data
-- resource of type AWS::S3::Object for all buckets ("arn:aws:s3") or this
-- bucket ("<bucket ARN>/"), with ReadWriteType All or WriteOnly, or an
-- equivalent advanced event selector. A stack without any trail leaves
-- this to the account's trails: not judged from the template, checked
-- by a live audit (account_data.trails). A bucket that receives a trail's
-- own log files is not judged (logging its object events would log the
-- trail's own deliveries).
local P = require "cairn.policy"

return {
  id = "cis-3.8",
  title = "S3 object-level write events are logged by CloudTrail",
  severity = "medium",
  description = "A CloudTrail trail records S3 data events (write) for every object of the bucket.",
  resource_types = { "AWS::S3::Bucket" },
  frameworks = {
    ["cis-aws-3.0"] = { "3.8" },
    ["nist-800-53-r5"] = { "AU-2", "AU-3", "AU-12" },
    ["aws-fsbp"] = { "S3.22" },
  },
  remediation = "Add to a trail an event selector with ReadWriteType All (or WriteOnly) and " ..
    "DataResources [{Type: AWS::S3::Object, Values: [!Sub \"${Bucket.Arn}/\"]}] " ..
    "(or \"arn:aws:s3\" for every bucket).",
  check = function(r, stack)
    local trails, destination, ntrails = P.aws.trails_for_bucket(stack, r.id)
    if destination then return P.not_applicable end
    if stack.live then
      for _, t in ipairs(P.aws.account_trails(stack) or {}) do
        if P.aws.trail_bucket(stack, t) == r.id then return P.not_applicable end
        trails[#trails + 1] = t
        ntrails = ntrails + 1
      end
      if ntrails == 0 then
        P.aws.account_field(stack, "trails", "the account's CloudTrail trails")
      end
    elseif ntrails == 0 then
      return P.not_applicable
    end
    for _, t in ipairs(trails) do
      if P.bool(t.Properties.IsLogging) ~= false and
          P.aws.trail_logs_s3_objects(stack, t, r.id, "write") then
        return nil
      end
    end
    return P.fail("", "no CloudTrail trail records object-level write events of this bucket")
  end,
}
