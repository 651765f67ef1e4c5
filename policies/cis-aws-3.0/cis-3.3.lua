-- CIS AWS Foundations Benchmark v3.0.0, 3.3: "Ensure AWS Config is enabled
-- in all regions" (live only): in every region of account_data.regions a
-- configuration recorder records all supported resource types and is
-- recording (account_data.config_recorders.<region>, each
-- {name, recordingGroup, status: {recording, lastStatus}}), and some
-- region's recorder includes global resource types.
local P = require "cairn.policy"

return {
  id = "cis-3.3",
  title = "AWS Config records all resources in every region",
  severity = "medium",
  description = "Each enabled region has a recording AWS Config recorder for all supported " ..
    "resource types; global resource types are recorded in at least one region.",
  scope = "stack",
  live_only = true,
  frameworks = {
    ["cis-aws-3.0"] = { "3.3" },
    ["nist-800-53-r5"] = { "CM-3", "CM-6(1)", "CM-8", "CM-8(2)" },
    ["aws-fsbp"] = { "Config.1" },
  },
  remediation = "Turn on AWS Config in every listed region with 'record all resources' " ..
    "(and global resources in one region), and start the recorder.",
  check = function(stack)
    local regions = P.aws.account_field(stack, "regions", "the enabled regions")
    local recorders = P.aws.account_field(stack, "config_recorders", "the AWS Config recorders")
    local out, global = {}, false
    for _, region in ipairs(regions) do
      local ok = false
      for _, rec in ipairs(P.list(recorders[region])) do
        local all = P.bool(P.get(rec, "recordingGroup.allSupported")) == true
        local on = P.bool(P.get(rec, "status.recording")) == true
        if all and on then
          ok = true
          if P.bool(P.get(rec, "recordingGroup.includeGlobalResourceTypes")) then global = true end
        end
      end
      if not ok then
        out[#out + 1] = { subject = "region " .. region,
                          message = "AWS Config is not recording all resource types" }
      end
    end
    if #out == 0 and not global then
      out[#out + 1] = { subject = "AWS Config", message = "no region records global resource types" }
    end
    return out
  end,
}
