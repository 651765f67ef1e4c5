-- CIS AWS Foundations Benchmark v3.0.0, 1.20: "Ensure that IAM Access
-- analyzer is enabled for all regions" (live only): each region of
-- account_data.regions has an ACTIVE analyzer in account_data.analyzers.
local P = require "cairn.policy"

return {
  id = "cis-1.20",
  title = "IAM Access Analyzer is enabled in every region",
  severity = "medium",
  description = "Every enabled region has an IAM Access Analyzer whose status is ACTIVE.",
  scope = "stack",
  live_only = true,
  frameworks = {
    ["cis-aws-3.0"] = { "1.20" },
    ["nist-800-53-r5"] = { "AC-6", "CA-7" },
    ["aws-fsbp"] = { "IAM.28" },
  },
  remediation = "aws accessanalyzer create-analyzer --analyzer-name default --type ACCOUNT, " ..
    "in every listed region.",
  check = function(stack)
    local regions = P.aws.account_field(stack, "regions", "the enabled regions")
    local analyzers = P.aws.account_field(stack, "analyzers", "the IAM Access Analyzers")
    local out = {}
    for _, region in ipairs(regions) do
      local ok = false
      for _, a in ipairs(P.list(analyzers[region])) do
        if P.str(a.status) == "ACTIVE" then ok = true end
      end
      if not ok then
        out[#out + 1] = { subject = "region " .. region, message = "no active IAM Access Analyzer" }
      end
    end
    return out
  end,
}
