-- CIS AWS Foundations Benchmark v3.0.0, 3.1: "Ensure CloudTrail is enabled
-- in all regions", judged on each trail of the stack: multi-region
-- (IsMultiRegionTrail), logging (IsLogging) and recording every
-- management event, read and write (no EventSelectors, or one with
-- IncludeManagementEvents and ReadWriteType All and no excluded sources,
-- or an advanced selector for the Management category without other
-- fields). cis-3.1-account checks, on a live account, that such a trail
-- exists at all.
local P = require "cairn.policy"

return {
  id = "cis-3.1",
  title = "CloudTrail trail is multi-region, logging, and records all management events",
  severity = "high",
  description = "IsMultiRegionTrail and IsLogging are true and the trail's event selectors " ..
    "record every management event, read and write.",
  resource_types = { "AWS::CloudTrail::Trail" },
  frameworks = {
    ["cis-aws-3.0"] = { "3.1" },
    ["nist-800-53-r5"] = { "AC-2(4)", "AC-4(26)", "AC-6(9)", "AU-10", "AU-12", "AU-2", "AU-3",
                           "AU-6(3)", "AU-6(4)", "AU-14(1)", "CA-7", "SC-7(9)", "SI-3(8)",
                           "SI-4(20)", "SI-7(8)", "SA-8(22)" },
    ["aws-fsbp"] = { "CloudTrail.1" },
  },
  remediation = "Set IsMultiRegionTrail: true and IsLogging: true, and record management " ..
    "events with ReadWriteType All (or leave EventSelectors out).",
  check = function(r)
    local out = {}
    local props = r.Properties
    if P.bool(props.IsMultiRegionTrail) ~= true then
      out[#out + 1] = P.fail("Properties.IsMultiRegionTrail",
                             "the trail records only its own region (IsMultiRegionTrail is not true)")
    end
    if P.bool(props.IsLogging) ~= true then
      out[#out + 1] = P.fail("Properties.IsLogging", "the trail is not logging (IsLogging is not true)")
    end
    local ok, path = P.aws.trail_logs_management(r)
    if not ok then
      out[#out + 1] = P.fail(path, "no event selector records all management events (read and write)")
    end
    return out
  end,
}
