-- CIS AWS Foundations Benchmark v3.0.0, 3.7: "Ensure VPC flow logging is
-- enabled in all VPCs", with packet rejects recorded: every VPC of the
-- stack has an AWS::EC2::FlowLog on it whose TrafficType is REJECT or ALL
-- (on a live stack, flow logs the audit found, account_data.flow_logs,
-- count too).
local P = require "cairn.policy"

local function captures_rejects(t)
  t = t and P.str(t)
  return t == "REJECT" or t == "ALL"
end

return {
  id = "cis-3.7",
  title = "VPC flow logs record rejected traffic",
  severity = "medium",
  description = "Each VPC has a flow log (ResourceType VPC) whose TrafficType is REJECT or ALL.",
  resource_types = { "AWS::EC2::VPC" },
  frameworks = {
    ["cis-aws-3.0"] = { "3.7" },
    ["nist-800-53-r5"] = { "AC-4(26)", "AU-12", "AU-2", "AU-3", "AU-6(3)", "AU-6(4)", "CA-7",
                           "SC-7(9)", "SI-7(8)" },
    ["aws-fsbp"] = { "EC2.6" },
  },
  remediation = "Add an AWS::EC2::FlowLog with ResourceType VPC, ResourceId !Ref of the VPC " ..
    "and TrafficType REJECT (or ALL).",
  check = function(r, stack)
    local logs = P.aws.vpc_flow_logs(stack, r.id)
    for _, fl in ipairs(logs) do
      if captures_rejects(fl.Properties.TrafficType) then return nil end
    end
    local data = stack.live and stack:account_data()
    if data and data.flow_logs and r.PhysicalId then
      for _, fl in ipairs(data.flow_logs) do
        if fl.ResourceId == r.PhysicalId and captures_rejects(fl.TrafficType) then return nil end
      end
    end
    if #logs > 0 then
      return { resource = logs[1].id, path = "Properties.TrafficType",
               message = "the VPC's flow log does not record rejected traffic (TrafficType " ..
                         "is neither REJECT nor ALL)" }
    end
    return P.fail("", "no flow log records this VPC's traffic")
  end,
}
