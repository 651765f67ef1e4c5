-- CIS AWS Foundations Benchmark v3.0.0, 5.4: "Ensure the default security
-- group of every VPC restricts all traffic". From a template: no
-- AWS::EC2::SecurityGroupIngress or SecurityGroupEgress adds a rule to a
-- VPC's default security group (GroupId !GetAtt Vpc.DefaultSecurityGroup,
-- or GroupName "default"). The rules AWS itself puts in a new VPC's
-- default group (all outbound, and all traffic between members) cannot be
-- seen or removed by a template; a live audit checks them for each VPC of
-- the stack (account_data.default_security_groups).
local P = require "cairn.policy"

return {
  id = "cis-5.4",
  title = "The default security group of every VPC restricts all traffic",
  severity = "high",
  description = "No rule is added to a VPC's default security group, and (live) the default " ..
    "group of each VPC has no inbound or outbound rules.",
  resource_types = { "AWS::EC2::SecurityGroupIngress", "AWS::EC2::SecurityGroupEgress",
                     "AWS::EC2::VPC" },
  frameworks = {
    ["cis-aws-3.0"] = { "5.4" },
    ["nist-800-53-r5"] = { "AC-4(21)", "SC-7", "SC-7(11)", "SC-7(16)", "SC-7(21)", "SC-7(4)",
                           "SC-7(5)" },
    ["aws-fsbp"] = { "EC2.2" },
  },
  remediation = "Put resources in security groups of their own; remove every inbound and " ..
    "outbound rule from the VPC's default security group and add none.",
  check = function(r, stack)
    if r.type == "AWS::EC2::VPC" then
      if not stack.live then return P.not_applicable end
      local groups = P.aws.account_field(stack, "default_security_groups",
                                         "the default security groups")
      for _, g in ipairs(groups) do
        if g.VpcId == r.PhysicalId then
          local n = #P.list(g.IpPermissions) + #P.list(g.IpPermissionsEgress)
          if n > 0 then
            return P.fail("", "the default security group %s has %d rule%s", P.str(g.GroupId) or "?",
                          n, n == 1 and "" or "s")
          end
          return nil
        end
      end
      return P.undecided("", "the audit did not find the default security group of VPC %s",
                         P.show(r.PhysicalId))
    end
    local g = r.Properties.GroupId
    if g ~= nil and P.is_unknown(g) then
      local id, attr = stack:target(g, "AWS::EC2::VPC")
      if id and attr == "DefaultSecurityGroup" then
        return P.fail("Properties.GroupId", "adds a rule to the default security group of %s", id)
      end
    end
    if P.str(r.Properties.GroupName) == "default" then
      return P.fail("Properties.GroupName", "adds a rule to a default security group")
    end
  end,
}
