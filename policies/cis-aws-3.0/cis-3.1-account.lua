-- CIS AWS Foundations Benchmark v3.0.0, 3.1, for the whole account (live
-- only): at least one trail of the account is multi-region, is logging
-- (its status, not just its configuration) and records every management
-- event, read and write. Reads account_data.trails.
local P = require "cairn.policy"

return {
  id = "cis-3.1-account",
  title = "The account has a multi-region CloudTrail trail that is logging all management events",
  severity = "high",
  description = "Among the account's trails (account_data.trails, with their status and " ..
    "event selectors) one is multi-region, logging, and records all management events.",
  scope = "stack",
  live_only = true,
  frameworks = {
    ["cis-aws-3.0"] = { "3.1" },
    ["nist-800-53-r5"] = { "AC-2(4)", "AC-4(26)", "AC-6(9)", "AU-10", "AU-12", "AU-2", "AU-3",
                           "AU-6(3)", "AU-6(4)", "AU-14(1)", "CA-7", "SC-7(9)", "SI-3(8)",
                           "SI-4(20)", "SI-7(8)", "SA-8(22)" },
    ["aws-fsbp"] = { "CloudTrail.1" },
  },
  remediation = "Create a multi-region trail that logs all management events " ..
    "(aws cloudtrail create-trail --is-multi-region-trail, then start-logging), or start " ..
    "logging on the existing one.",
  check = function(stack)
    P.aws.account_field(stack, "trails", "the account's CloudTrail trails")
    local seen = {}
    for _, t in ipairs(P.aws.account_trails(stack)) do
      local multi = P.bool(t.Properties.IsMultiRegionTrail) == true
      local logging = P.bool(t.Properties.IsLogging) == true
      local mgmt = P.aws.trail_logs_management(t)
      if multi and logging and mgmt then return nil end
      seen[#seen + 1] = string.format("%s (%s)", t.id,
        not multi and "single-region" or not logging and "not logging" or
        "management events not all recorded")
    end
    return { subject = "CloudTrail", message = #seen == 0 and "the account has no trail" or
             "no trail is multi-region, logging and recording all management events: " ..
             table.concat(seen, ", ") }
  end,
}
