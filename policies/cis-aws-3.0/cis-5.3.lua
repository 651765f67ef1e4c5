-- CIS AWS Foundations Benchmark v3.0.0, 5.3: "Ensure no security groups
-- allow ingress from ::/0 to remote server administration ports". An
-- ingress rule (SecurityGroupIngress of an AWS::EC2::SecurityGroup, or an
-- AWS::EC2::SecurityGroupIngress) whose CidrIpv6 is ::/0 and whose protocol
-- (tcp, udp, or -1 for all) and ports include 22 or 3389.
local P = require "cairn.policy"

local function judge(rule, path)
  if rule.CidrIpv6 == nil then return nil end
  local c = P.str(rule.CidrIpv6)
  if not P.cidr.is_open(c) then return nil end
  local ports = P.net.admin_ports(rule, false)
  if #ports == 0 then return nil end
  local pl = {}
  for i, p in ipairs(ports) do pl[i] = tostring(p) end
  return P.fail(path, "allows ingress from %s to port %s", c, table.concat(pl, " and "))
end

return {
  id = "cis-5.3",
  title = "No security group allows administration ports from ::/0",
  severity = "high",
  description = "No security group ingress rule opens port 22 (SSH) or 3389 (RDP) to ::/0.",
  resource_types = { "AWS::EC2::SecurityGroup", "AWS::EC2::SecurityGroupIngress" },
  frameworks = {
    ["cis-aws-3.0"] = { "5.3" },
    ["nist-800-53-r5"] = { "AC-4", "AC-4(21)", "CM-7", "SC-7", "SC-7(11)", "SC-7(16)",
                           "SC-7(21)", "SC-7(4)", "SC-7(5)" },
    ["aws-fsbp"] = { "EC2.54" },
  },
  remediation = "Allow ports 22 and 3389 only from the administration network (a narrow " ..
    "CidrIpv6 or a source security group), or use Session Manager instead of open ports.",
  check = function(r)
    if r.type == "AWS::EC2::SecurityGroupIngress" then
      local f = judge(r.Properties, "Properties.CidrIpv6")
      return f
    end
    local out = {}
    local rules = r.Properties.SecurityGroupIngress
    if rules == nil then return nil end
    P.known(rules, "Properties.SecurityGroupIngress")
    for i, rule in ipairs(rules) do
      local f = judge(P.known(rule), string.format("Properties.SecurityGroupIngress[%d]", i - 1))
      if f then out[#out + 1] = f end
    end
    return out
  end,
}
