-- EC2 networking, part 2: AWS::EC2::SecurityGroup (with its
-- SecurityGroupIngress and SecurityGroupEgress rule lists),
-- AWS::EC2::SecurityGroupIngress and AWS::EC2::SecurityGroupEgress.
--
-- How it works. EC2 keeps a security group's rules as separate objects
-- with ids (security group rules, sgr-...), listed by
-- DescribeSecurityGroupRules one source or destination per rule, which is
-- exactly CloudFormation's shape of a rule (one CidrIp, CidrIpv6, prefix
-- list or security group each). A rule's identity is its canonical key:
-- protocol (numbers of tcp, udp, icmp and icmpv6 written as names, as EC2
-- does), ports (none for protocols without ports, as EC2 ignores them),
-- and the peer; the Description is not part of it and changes in place
-- (ModifySecurityGroupRules). Making a group's rules what the template
-- says is a set difference by key: authorize what is missing, then revoke
-- what is extra, then fix descriptions, so no wanted rule is ever absent.
--
-- As CloudFormation does: a group created in a VPC gets EC2's default
-- egress rule (all traffic to 0.0.0.0/0); when the template gives egress
-- rules, that rule is revoked and the template's are authorized; when the
-- template no longer gives any (or gives an empty list), the default is
-- put back. read() echoes the template's own spelling of a rule when the
-- live rule has the same key ("6" for tcp, FromPort 0 with protocol -1),
-- so a plan after apply is a no-op, and an out-of-band rule shows.
--
-- The standalone AWS::EC2::SecurityGroupIngress/Egress resources are one
-- rule each, whose physical id is the rule id. They are tagged with
-- cairn's tags (EC2 tags rules, though CloudFormation's type has no Tags
-- property), which is how find() recognises them and how the group that
-- owns them leaves them out of its own rule lists: a rule tagged with
-- another cairn resource's logical id is that resource's.

local aws = require "cairn.aws"
local P = require "cairn.provider"
local U = require("cairn.aws.ec2").util

-- ---- rules ---------------------------------------------------------------------

local function ingress_rule(extra)
  local t = {
    IpProtocol = "String!",
    FromPort = "Integer",
    ToPort = "Integer",
    CidrIp = "String",
    CidrIpv6 = "String",
    SourcePrefixListId = "String",
    SourceSecurityGroupId = "String",
    SourceSecurityGroupName = "String",
    SourceSecurityGroupOwnerId = "String",
    Description = "String",
  }
  for k, v in pairs(extra or {}) do t[k] = v end
  return t
end

local function egress_rule(extra)
  local t = {
    IpProtocol = "String!",
    FromPort = "Integer",
    ToPort = "Integer",
    CidrIp = "String",
    CidrIpv6 = "String",
    DestinationPrefixListId = "String",
    DestinationSecurityGroupId = "String",
    Description = "String",
  }
  for k, v in pairs(extra or {}) do t[k] = v end
  return t
end

local PROTO_NAMES = { ["6"] = "tcp", ["17"] = "udp", ["1"] = "icmp", ["58"] = "icmpv6",
  all = "-1" }
local PORTED = { tcp = true, udp = true, icmp = true, icmpv6 = true }

local function proto(p)
  local s = tostring(p):lower()
  return PROTO_NAMES[s] or s
end

local function side(egress)
  return egress and "SecurityGroupEgress" or "SecurityGroupIngress"
end

-- The peer of a CloudFormation-shaped rule: kind ("cidr", "cidr6",
-- "prefix", "group", "groupname") and value; raises when a rule has none
-- or more than one.
local function peer(r, egress, where)
  local keys = egress and {
    { "CidrIp", "cidr" }, { "CidrIpv6", "cidr6" }, { "DestinationPrefixListId", "prefix" },
    { "DestinationSecurityGroupId", "group" },
  } or {
    { "CidrIp", "cidr" }, { "CidrIpv6", "cidr6" }, { "SourcePrefixListId", "prefix" },
    { "SourceSecurityGroupId", "group" }, { "SourceSecurityGroupName", "groupname" },
  }
  local kind, value, names = nil, nil, {}
  for _, kv in ipairs(keys) do names[#names + 1] = kv[1] end
  for _, kv in ipairs(keys) do
    if r[kv[1]] ~= nil then
      if kind then
        error(("%s: a rule gives both %s and another peer; give exactly one of %s"):format(
          where, kv[1], table.concat(names, ", ")), 0)
      end
      kind, value = kv[2], r[kv[1]]
    end
  end
  if not kind then
    error(("%s: a rule needs exactly one of %s"):format(where, table.concat(names, ", ")), 0)
  end
  return kind, value
end

-- The canonical key of a CloudFormation-shaped rule. names maps
-- SourceSecurityGroupName to group ids (default VPC only).
local function rule_key(ctx, r, egress, names, where)
  local pr = proto(r.IpProtocol)
  local from, to = "", ""
  if PORTED[pr] then
    from, to = tostring(P.int(r.FromPort) or ""), tostring(P.int(r.ToPort) or "")
  end
  local kind, value = peer(r, egress, where or side(egress))
  if kind == "cidr6" then value = value:lower() end
  if kind == "groupname" then
    kind, value = "group", (names and names[value]) or ("name:" .. value)
  end
  local owner = not egress and r.SourceSecurityGroupOwnerId or nil
  if owner and owner ~= ctx.account then value = value .. "@" .. owner end
  return table.concat({ pr, from, to, kind, value }, "|")
end

-- A rule as a short text for messages: "tcp 443-443 from 10.0.0.0/8".
local function rule_text(r, egress)
  local ok, _, value = pcall(peer, r, egress, "")
  if not ok then value = "?" end
  return ("%s %s-%s %s %s"):format(proto(r.IpProtocol), tostring(r.FromPort or ""),
    tostring(r.ToPort or ""), egress and "to" or "from", tostring(value))
end

-- A DescribeSecurityGroupRules rule in CloudFormation's shape.
local function rule_from_api(ctx, r, egress)
  local out = { IpProtocol = r.IpProtocol, FromPort = r.FromPort, ToPort = r.ToPort }
  if r.CidrIpv4 then
    out.CidrIp = r.CidrIpv4
  elseif r.CidrIpv6 then
    out.CidrIpv6 = r.CidrIpv6
  elseif r.PrefixListId then
    out[egress and "DestinationPrefixListId" or "SourcePrefixListId"] = r.PrefixListId
  elseif r.ReferencedGroupInfo then
    local g = r.ReferencedGroupInfo
    out[egress and "DestinationSecurityGroupId" or "SourceSecurityGroupId"] = g.GroupId
    if not egress and g.UserId and g.UserId ~= ctx.account then
      out.SourceSecurityGroupOwnerId = g.UserId
    end
  end
  if r.Description and r.Description ~= "" then out.Description = r.Description end
  return out
end

-- The IpPermission that authorizes a CloudFormation-shaped rule.
local function permission(r, egress)
  local p = { IpProtocol = tostring(r.IpProtocol), FromPort = P.int(r.FromPort),
    ToPort = P.int(r.ToPort) }
  local kind, value = peer(r, egress, side(egress))
  local d = r.Description
  if kind == "cidr" then
    p.IpRanges = { { CidrIp = value, Description = d } }
  elseif kind == "cidr6" then
    p.Ipv6Ranges = { { CidrIpv6 = value, Description = d } }
  elseif kind == "prefix" then
    p.PrefixListIds = { { PrefixListId = value, Description = d } }
  elseif kind == "group" then
    p.UserIdGroupPairs = { {
      GroupId = value, UserId = r.SourceSecurityGroupOwnerId, Description = d,
    } }
  else
    p.UserIdGroupPairs = { {
      GroupName = value, UserId = r.SourceSecurityGroupOwnerId, Description = d,
    } }
  end
  return p
end

-- The SecurityGroupRuleRequest for ModifySecurityGroupRules: the live
-- rule as it is, with a new description.
local function rule_request(r, description)
  return {
    IpProtocol = r.IpProtocol,
    FromPort = r.FromPort,
    ToPort = r.ToPort,
    CidrIpv4 = r.CidrIpv4,
    CidrIpv6 = r.CidrIpv6,
    PrefixListId = r.PrefixListId,
    ReferencedGroupId = r.ReferencedGroupInfo and r.ReferencedGroupInfo.GroupId or nil,
    Description = description or "",
  }
end

-- Group ids of the SourceSecurityGroupName values of some rule lists.
local function group_names(...)
  local wanted = {}
  for i = 1, select("#", ...) do
    for _, r in ipairs(select(i, ...) or {}) do
      if r.SourceSecurityGroupName then wanted[#wanted + 1] = r.SourceSecurityGroupName end
    end
  end
  if #wanted == 0 then return {} end
  local out = {}
  local ok, r = pcall(aws.ec2.DescribeSecurityGroups, { GroupNames = wanted })
  for _, g in ipairs(ok and r.SecurityGroups or {}) do out[g.GroupName] = g.GroupId end
  return out
end

-- The live rules of group gid that belong to it rather than to another
-- cairn resource (standalone rules carry their own cairn tags):
-- (ingress, egress), as DescribeSecurityGroupRules returns them.
local function group_rules(ctx, gid)
  local all = U.all(aws.ec2.DescribeSecurityGroupRules,
    { Filters = U.filters { ["group-id"] = gid } }, "SecurityGroupRules")
  local ing, eg = {}, {}
  for _, r in ipairs(all) do
    local stack, lid = P.cairn_tags(r.Tags)
    local foreign = lid ~= nil and not (stack == ctx.stack and lid == ctx.logical_id)
    if r.GroupId == gid and not foreign then
      local list = r.IsEgress and eg or ing
      list[#list + 1] = r
    end
  end
  return ing, eg
end

-- The live rules in CloudFormation's shape, each in the template's
-- spelling (spelled: the rules read was given) when it has the same key.
local function present(ctx, live, egress, spelled, names)
  local out, used = P.array(), {}
  local keys = {}
  for i, s in ipairs(spelled or {}) do
    local ok, k = pcall(rule_key, ctx, s, egress, names)
    keys[i] = ok and k or nil
  end
  for _, lr in ipairs(live) do
    local c = rule_from_api(ctx, lr, egress)
    local k = rule_key(ctx, c, egress, names)
    local match
    for i in ipairs(spelled or {}) do
      if not used[i] and keys[i] == k then match = i break end
    end
    if match then
      used[match] = true
      local t = {}
      for kk, v in pairs(spelled[match]) do t[kk] = v end
      t.Description = c.Description
      out[#out + 1] = t
    else
      out[#out + 1] = c
    end
  end
  return out
end

-- True when a CloudFormation-shaped egress list is EC2's default: all
-- traffic to 0.0.0.0/0 (and ::/0).
local function is_default_egress(rules)
  if #rules == 0 then return false end
  for _, r in ipairs(rules) do
    if proto(r.IpProtocol) ~= "-1" or not (r.CidrIp == "0.0.0.0/0" or r.CidrIpv6 == "::/0") then
      return false
    end
  end
  return true
end

-- EC2's default egress for a group in vpc: all IPv4 traffic, and all IPv6
-- traffic when the VPC has an IPv6 block.
local function default_egress(vpc)
  local out = { { IpProtocol = "-1", CidrIp = "0.0.0.0/0" } }
  if vpc then
    local v = U.describe_one(aws.ec2.DescribeVpcs, { VpcIds = P.array { vpc } }, "Vpcs",
      "InvalidVpcID.NotFound")
    for _, a in ipairs(v and v.Ipv6CidrBlockAssociationSet or {}) do
      if a.Ipv6CidrBlockState and a.Ipv6CidrBlockState.State == "associated" then
        out[#out + 1] = { IpProtocol = "-1", CidrIpv6 = "::/0" }
        break
      end
    end
  end
  return out
end

-- Makes the ingress (or egress) rules of group gid the desired list.
local function sync(ctx, gid, egress, desired, names)
  local where = side(egress)
  local keys, index = {}, {}
  for i, d in ipairs(desired) do
    local k = rule_key(ctx, d, egress, names, where)
    if index[k] then
      error(("%s lists the same rule twice (%s): remove one"):format(where,
        rule_text(d, egress)), 0)
    end
    index[k], keys[i] = i, k
  end
  local ing, eg = group_rules(ctx, gid)
  local matched, revoke, modify, add = {}, P.array(), P.array(), P.array()
  for _, lr in ipairs(egress and eg or ing) do
    local c = rule_from_api(ctx, lr, egress)
    local i = index[rule_key(ctx, c, egress, names)]
    if i and not matched[i] then
      matched[i] = true
      if (desired[i].Description or "") ~= (c.Description or "") then
        modify[#modify + 1] = {
          SecurityGroupRuleId = lr.SecurityGroupRuleId,
          SecurityGroupRule = rule_request(lr, desired[i].Description),
        }
      end
    else
      revoke[#revoke + 1] = lr.SecurityGroupRuleId
    end
  end
  for i, d in ipairs(desired) do
    if not matched[i] then add[#add + 1] = permission(d, egress) end
  end
  if #add > 0 then
    local op = egress and aws.ec2.AuthorizeSecurityGroupEgress
      or aws.ec2.AuthorizeSecurityGroupIngress
    op { GroupId = gid, IpPermissions = add }
  end
  if #revoke > 0 then
    local op = egress and aws.ec2.RevokeSecurityGroupEgress or aws.ec2.RevokeSecurityGroupIngress
    op { GroupId = gid, SecurityGroupRuleIds = revoke }
  end
  if #modify > 0 then
    aws.ec2.ModifySecurityGroupRules { GroupId = gid, SecurityGroupRules = modify }
  end
end

-- ---- AWS::EC2::SecurityGroup -----------------------------------------------------

local SecurityGroup = {
  type = "AWS::EC2::SecurityGroup",
  properties = {
    GroupDescription = "String!",
    GroupName = "String",
    VpcId = "String",
    SecurityGroupIngress = { ingress_rule(), set = true },
    SecurityGroupEgress = { egress_rule(), set = true },
    Tags = "Tags",
  },
  create_only = { "GroupDescription", "GroupName", "VpcId" },
  attributes = { "GroupId", "Id", "VpcId" },
  -- Ref returns Id: the group id when VpcId is given, else (a group of
  -- the default VPC) the group name, as CloudFormation does
  ref = "Id",
  tags = "Tags",
  name = { property = "GroupName", max = 255 },
}

local function sg_describe(id)
  return U.describe_one(aws.ec2.DescribeSecurityGroups, { GroupIds = P.array { id } },
    "SecurityGroups", "InvalidGroup.NotFound", "InvalidGroupId.NotFound")
end

local function sg_attrs(id, g, props)
  local byname = props and props.VpcId == nil and g and g.GroupName
  return { GroupId = id, Id = byname or id, VpcId = g and g.VpcId or (props and props.VpcId) }
end

-- Ingress and egress rules from new, given old (what was live or set).
local function sg_rules(ctx, gid, new, old, vpc)
  local names
  local function lookup()
    names = names or group_names(new.SecurityGroupIngress)
    return names
  end
  if new.SecurityGroupIngress ~= nil or old.SecurityGroupIngress ~= nil then
    sync(ctx, gid, false, new.SecurityGroupIngress or {}, lookup())
  end
  if new.SecurityGroupEgress ~= nil or old.SecurityGroupEgress ~= nil then
    local want = new.SecurityGroupEgress
    if want == nil or #want == 0 then want = default_egress(vpc) end
    sync(ctx, gid, true, want, {})
  end
end

-- Checks every rule of the lists (one peer each, no rule twice) before
-- anything is made, so a template mistake never leaves a group behind.
local function check_rules(ctx, props)
  local names = group_names(props.SecurityGroupIngress)
  for _, l in ipairs {
    { props.SecurityGroupIngress, false }, { props.SecurityGroupEgress, true },
  } do
    local seen = {}
    for _, r in ipairs(l[1] or {}) do
      local k = rule_key(ctx, r, l[2], names, side(l[2]))
      if seen[k] then
        error(("%s lists the same rule twice (%s): remove one"):format(side(l[2]),
          rule_text(r, l[2])), 0)
      end
      seen[k] = true
    end
  end
end

function SecurityGroup.create(ctx, props)
  check_rules(ctx, props)
  local ok, r = pcall(U.visible, ctx, "VPC " .. tostring(props.VpcId), function()
    return aws.ec2.CreateSecurityGroup {
      GroupName = props.GroupName,
      Description = props.GroupDescription,
      VpcId = props.VpcId,
      TagSpecifications = U.tag_spec(ctx, "security-group", props.Tags),
    }
  end, { "InvalidVpcID.NotFound" })
  if not ok then
    if P.is(r, "InvalidGroup.Duplicate") then
      P.fail(r, ("a security group named %s already exists in %s and cairn did not make it: "
        .. "give GroupName another value, or leave it out and cairn generates one"):format(
        tostring(props.GroupName), props.VpcId and ("VPC " .. props.VpcId) or "the default VPC"))
    end
    error(r, 0)
  end
  local gid = r.GroupId
  local g = U.visible(ctx, "the new security group " .. gid, function()
    return aws.ec2.DescribeSecurityGroups { GroupIds = P.array { gid } }.SecurityGroups[1]
  end, { "InvalidGroup.NotFound" })
  sg_rules(ctx, gid, props, {}, props.VpcId)
  return gid, sg_attrs(gid, g, props)
end

function SecurityGroup.read(ctx, id, props)
  local g = sg_describe(id)
  if not g then return nil end
  props = props or {}
  local ing, eg = group_rules(ctx, id)
  local names = group_names(props.SecurityGroupIngress)
  local live = {
    GroupDescription = g.Description,
    GroupName = g.GroupName,
    VpcId = g.VpcId,
    SecurityGroupIngress = present(ctx, ing, false, props.SecurityGroupIngress, names),
    SecurityGroupEgress = present(ctx, eg, true, props.SecurityGroupEgress, names),
    Tags = P.user_tags(g.Tags),
  }
  -- an empty egress list means EC2's default, as in CloudFormation
  if props.SecurityGroupEgress and #props.SecurityGroupEgress == 0
      and is_default_egress(live.SecurityGroupEgress) then
    live.SecurityGroupEgress = P.array()
  end
  return live, sg_attrs(id, g, props)
end

function SecurityGroup.update(ctx, id, new, old)
  local g = sg_describe(id)
  sg_rules(ctx, id, new, old, g and g.VpcId)
  U.update_tags(ctx, id, new.Tags, old.Tags)
  return sg_attrs(id, g, new)
end

function SecurityGroup.delete(ctx, id, props)
  U.delete_with_dependents(ctx, "security group " .. id, function()
    local ok, err = pcall(aws.ec2.DeleteSecurityGroup, { GroupId = id })
    if ok or P.is(err, "InvalidGroup.NotFound", "InvalidGroupId.NotFound") then return end
    error(err, 0)
  end, function()
    local out = { U.enis(U.filters { ["group-id"] = id }) }
    local seen = {}
    for _, f in ipairs { "ip-permission.group-id", "egress.ip-permission.group-id" } do
      local ok, groups = pcall(U.all, aws.ec2.DescribeSecurityGroups,
        { Filters = U.filters { [f] = id } }, "SecurityGroups")
      for _, g in ipairs(ok and groups or {}) do
        if g.GroupId ~= id and not seen[g.GroupId] then
          seen[g.GroupId] = true
          out[#out + 1] = ("rules of security group %s refer to it"):format(g.GroupId)
        end
      end
    end
    return #out > 0 and table.concat(out, ", ") or nil
  end)
end

function SecurityGroup.find(ctx, props)
  return U.find_tagged(ctx, aws.ec2.DescribeSecurityGroups, "SecurityGroups", "GroupId")
end

-- ---- AWS::EC2::SecurityGroupIngress and SecurityGroupEgress -------------------------

-- The standalone rule type for one direction.
local function rule_type(egress)
  local T
  if egress then
    T = {
      type = "AWS::EC2::SecurityGroupEgress",
      properties = egress_rule { GroupId = "String!" },
      create_only = { "GroupId", "IpProtocol", "FromPort", "ToPort", "CidrIp", "CidrIpv6",
        "DestinationPrefixListId", "DestinationSecurityGroupId" },
    }
  else
    T = {
      type = "AWS::EC2::SecurityGroupIngress",
      properties = ingress_rule { GroupId = "String", GroupName = "String" },
      create_only = { "GroupId", "GroupName", "IpProtocol", "FromPort", "ToPort", "CidrIp",
        "CidrIpv6", "SourcePrefixListId", "SourceSecurityGroupId", "SourceSecurityGroupName",
        "SourceSecurityGroupOwnerId" },
    }
  end
  T.attributes = { "Id" }
  T.ref = nil -- Ref returns the security group rule id (sgr-...)
  local where = T.type

  -- the group the rule belongs to: GroupId, or (ingress, default VPC)
  -- the group named GroupName
  local function group_of(props)
    if props.GroupId then return props.GroupId end
    if props.GroupName then
      local r = aws.ec2.DescribeSecurityGroups { GroupNames = P.array { props.GroupName } }
      return r.SecurityGroups[1].GroupId
    end
    error(where .. " needs GroupId (or, in the default VPC, GroupName)", 0)
  end

  local function describe(id)
    return U.describe_one(aws.ec2.DescribeSecurityGroupRules,
      { SecurityGroupRuleIds = P.array { id } }, "SecurityGroupRules",
      "InvalidSecurityGroupRuleId.NotFound", "InvalidSecurityGroupRuleId.Malformed")
  end

  function T.create(ctx, props)
    local gid = group_of(props)
    local names = group_names({ props })
    local key = rule_key(ctx, props, egress, names, where)
    local op = egress and aws.ec2.AuthorizeSecurityGroupEgress
      or aws.ec2.AuthorizeSecurityGroupIngress
    local ok, r = pcall(U.visible, ctx, "security group " .. gid, function()
      return op {
        GroupId = gid,
        IpPermissions = P.array { permission(props, egress) },
        TagSpecifications = U.tag_spec(ctx, "security-group-rule", nil),
      }
    end, { "InvalidGroup.NotFound" })
    if not ok then
      if P.is(r, "InvalidPermission.Duplicate") then
        P.fail(r, ("security group %s already has this rule (%s), made by something else (perhaps "
          .. "the group's own %s list): keep one of the two"):format(gid,
          rule_text(props, egress), side(egress)))
      end
      error(r, 0)
    end
    local id
    for _, x in ipairs(r.SecurityGroupRules or {}) do id = id or x.SecurityGroupRuleId end
    if not id then
      -- an EC2 that does not return the new rule: look it up by its key
      local ing, eg = group_rules(ctx, gid)
      for _, lr in ipairs(egress and eg or ing) do
        if rule_key(ctx, rule_from_api(ctx, lr, egress), egress, names) == key then
          id = lr.SecurityGroupRuleId
        end
      end
    end
    if not id then
      error(("%s: EC2 accepted the rule %s in %s but does not list it"):format(where,
        rule_text(props, egress), gid), 0)
    end
    return id, { Id = id }
  end

  function T.read(ctx, id, props)
    local r = describe(id)
    if not r or (r.IsEgress == true) ~= egress then return nil end
    local live = rule_from_api(ctx, r, egress)
    live.GroupId = r.GroupId
    if props then
      if props.GroupName and not props.GroupId then
        local g = sg_describe(r.GroupId)
        live.GroupName = g and g.GroupName
        live.GroupId = nil
      end
      -- the template's spelling of the same rule
      local names = group_names({ props })
      local ok, k = pcall(rule_key, ctx, props, egress, names)
      if ok and k == rule_key(ctx, live, egress, names) then
        for kk, v in pairs(props) do
          if kk ~= "Description" and kk ~= "GroupId" and kk ~= "GroupName" then live[kk] = v end
        end
      end
    end
    return live, { Id = id }
  end

  function T.update(ctx, id, new, old)
    if not P.changed("String", new.Description or "", old.Description or "") then
      return { Id = id }
    end
    local r = describe(id)
    if not r then error(("%s: rule %s is gone"):format(where, id), 0) end
    aws.ec2.ModifySecurityGroupRules {
      GroupId = r.GroupId,
      SecurityGroupRules = P.array { {
        SecurityGroupRuleId = id,
        SecurityGroupRule = rule_request(r, new.Description),
      } },
    }
    return { Id = id }
  end

  function T.delete(ctx, id, props)
    local r = describe(id)
    if not r then return end
    local op = egress and aws.ec2.RevokeSecurityGroupEgress or aws.ec2.RevokeSecurityGroupIngress
    local ok, err = pcall(op, { GroupId = r.GroupId, SecurityGroupRuleIds = P.array { id } })
    if ok or P.is(err, "InvalidSecurityGroupRuleId.NotFound", "InvalidGroup.NotFound",
        "InvalidPermission.NotFound") then
      return
    end
    error(err, 0)
  end

  function T.find(ctx, props)
    local ok, gid = pcall(group_of, props)
    local extra = ok and { ["group-id"] = gid } or nil
    return U.find_tagged(ctx, aws.ec2.DescribeSecurityGroupRules, "SecurityGroupRules",
      "SecurityGroupRuleId", extra, function(x) return (x.IsEgress == true) == egress end)
  end

  return T
end

return { SecurityGroup, rule_type(false), rule_type(true) }
