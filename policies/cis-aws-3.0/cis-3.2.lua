-- CIS AWS Foundations Benchmark v3.0.0, 3.2: "Ensure CloudTrail log file
-- validation is enabled": EnableLogFileValidation on every trail, so that
-- digest files prove whether a log file was changed or deleted.
local P = require "cairn.policy"

return {
  id = "cis-3.2",
  title = "CloudTrail log file validation is enabled",
  severity = "medium",
  description = "EnableLogFileValidation is true on every trail.",
  resource_types = { "AWS::CloudTrail::Trail" },
  frameworks = {
    ["cis-aws-3.0"] = { "3.2" },
    ["nist-800-53-r5"] = { "AU-9", "SI-4", "SI-7(1)", "SI-7(3)", "SI-7(7)" },
    ["aws-fsbp"] = { "CloudTrail.4" },
  },
  remediation = "Set EnableLogFileValidation: true on the trail.",
  check = function(r)
    if P.bool(r.Properties.EnableLogFileValidation) ~= true then
      return P.fail("Properties.EnableLogFileValidation", "log file validation is not enabled")
    end
  end,
}
