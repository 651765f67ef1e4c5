-- CIS AWS Foundations Benchmark v3.0.0, 5.1: "Ensure no Network ACLs allow
-- ingress from 0.0.0.0/0 to remote server administration ports". An
-- ingress (Egress not true) entry that allows (RuleAction allow) traffic
-- from 0.0.0.0/0 (or ::/0, the same exposure over IPv6) with protocol TCP
-- (6), UDP (17) or all (-1) on a range that includes port 22 or 3389.
local P = require "cairn.policy"

return {
  id = "cis-5.1",
  title = "No network ACL allows administration ports from the internet",
  severity = "medium",
  description = "No NetworkAclEntry allows ingress from 0.0.0.0/0 or ::/0 to port 22 (SSH) " ..
    "or 3389 (RDP) over TCP, UDP or all protocols.",
  resource_types = { "AWS::EC2::NetworkAclEntry" },
  frameworks = {
    ["cis-aws-3.0"] = { "5.1" },
    ["nist-800-53-r5"] = { "AC-4(21)", "SC-7", "SC-7(11)", "SC-7(16)", "SC-7(21)", "SC-7(4)",
                           "SC-7(5)" },
    ["aws-fsbp"] = { "EC2.21" },
  },
  remediation = "Narrow the entry's CidrBlock to the administration network, or deny ports " ..
    "22 and 3389 from 0.0.0.0/0 with a lower RuleNumber; prefer Session Manager to open ports.",
  check = function(r)
    local e = r.Properties
    if P.bool(e.Egress) == true or not P.ieq(P.str(e.RuleAction), "allow") then return nil end
    local from
    if e.CidrBlock ~= nil and P.cidr.is_open(P.str(e.CidrBlock)) then
      from = "CidrBlock"
    elseif e.Ipv6CidrBlock ~= nil and P.cidr.is_open(P.str(e.Ipv6CidrBlock)) then
      from = "Ipv6CidrBlock"
    else
      return nil
    end
    local ports = P.net.admin_ports(e, true)
    if #ports == 0 then return nil end
    local proto = P.net.protocol(e.Protocol)
    local path = proto == "all" and "Properties.Protocol" or "Properties.PortRange"
    local pl = {}
    for i, p in ipairs(ports) do pl[i] = tostring(p) end
    return P.fail(path, "allows ingress from %s (%s) to port %s", P.str(e[from]), from,
                  table.concat(pl, " and "))
  end,
}
