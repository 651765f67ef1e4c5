-- EC2 networking, part 1: AWS::EC2::VPC, Subnet, InternetGateway,
-- VPCGatewayAttachment, RouteTable, Route, SubnetRouteTableAssociation,
-- NetworkAcl, NetworkAclEntry and SubnetNetworkAclAssociation; and the
-- helpers every EC2 provider file
-- shares (ec2_sg.lua: security groups and their rules; ec2_endpoint.lua:
-- VPC endpoints; ec2_flowlog.lua: flow logs).
--
-- How it works. EC2 generates every physical id, so a create puts cairn's
-- tags (cairn:stack, cairn:logical-id) into the create call itself
-- (TagSpecifications) and passes ctx.token as ClientToken where the API
-- has one; find() then recognises what an interrupted create made by
-- those tags. The types EC2 cannot tag (Route, SubnetRouteTableAssociation,
-- VPCGatewayAttachment, NetworkAclEntry, SubnetNetworkAclAssociation) are
-- found by their properties,
-- and those without an id of their own in EC2 get a composite physical id
-- (documented in docs/resources/EC2-*.md):
--
--   Route                 <RouteTableId>|<destination>   rtb-0a1b|0.0.0.0/0
--   VPCGatewayAttachment  IGW|<VpcId>                    IGW|vpc-0a1b
--   NetworkAclEntry       <NetworkAclId>|<ingress|egress>|<RuleNumber>
--
-- read() returns the properties in CloudFormation's shape as EC2 reports
-- them, nil when the resource is gone; update() changes only what differs
-- between new and old (old is what is live for the properties the
-- template sets or set at the last apply), and a property removed from
-- the template is put back to EC2's default. EC2 is eventually
-- consistent: a create that names something created a moment ago is
-- retried while EC2 still says it does not exist, and deletes retry
-- DependencyViolation while dependents (network interfaces of endpoints
-- being deleted, associations) are still going away; every such wait is
-- bounded and said in ctx.log.
--
-- This module returns the list of its type tables, as every provider
-- module does; the list also carries the shared helpers as its field
-- `util` (the loaders read only the list part).

local aws = require "cairn.aws"
local P = require "cairn.provider"

local U = {}

-- ---- shared helpers ----------------------------------------------------------

-- How long a create retries while EC2 does not yet see something made a
-- moment ago (its own eventual consistency), and how long a delete waits
-- for dependents AWS still reports (CAIRN_EC2_DEPENDENCY_TIMEOUT seconds
-- when set: network interfaces of Lambda functions, for one, can take
-- longer than the default to be released).
U.VISIBLE_TIMEOUT = 60
U.DEPENDENCY_TIMEOUT = math.tointeger(tonumber(os.getenv("CAIRN_EC2_DEPENDENCY_TIMEOUT") or ""))
  or 300

-- A one-element TagSpecifications list for a create call: the user's tags
-- and cairn's.
function U.tag_spec(ctx, rtype, tags)
  return P.array { { ResourceType = rtype, Tags = P.tags_with(ctx, tags) } }
end

-- Makes the user tags of resource id what new says (old: the live user
-- tags); cairn's own tags are kept.
function U.update_tags(ctx, id, new, old)
  if not P.changed("Tags", new or P.array(), old) then return end
  local removed = P.removed_tag_keys(new, old)
  if #removed > 0 then
    local t = P.array()
    for _, k in ipairs(removed) do t[#t + 1] = { Key = k } end
    aws.ec2.DeleteTags { Resources = P.array { id }, Tags = t }
  end
  aws.ec2.CreateTags { Resources = P.array { id }, Tags = P.tags_with(ctx, new) }
end

-- An EC2 filter list from { name = value or {values} } (sorted by name, so
-- requests are stable).
function U.filters(t)
  local names = {}
  for k in pairs(t) do names[#names + 1] = k end
  table.sort(names)
  local out = P.array()
  for _, k in ipairs(names) do
    local v = t[k]
    out[#out + 1] = { Name = k, Values = type(v) == "table" and v or P.array { tostring(v) } }
  end
  return out
end

-- The filters that select what this resource's create made.
function U.ours(ctx, extra)
  local f = { ["tag:cairn:stack"] = ctx.stack, ["tag:cairn:logical-id"] = ctx.logical_id }
  for k, v in pairs(extra or {}) do f[k] = v end
  return U.filters(f)
end

-- Every item of a paginated Describe call (list under `key`).
function U.all(op, params, key)
  local out, token = {}, nil
  repeat
    params.NextToken = token
    local r = op(params)
    for _, x in ipairs(r[key] or {}) do out[#out + 1] = x end
    token = r.NextToken
  until token == nil or token == ""
  return out
end

-- The one item a Describe call by id returns, or nil when EC2 says it
-- does not exist (one of the codes) or returns nothing.
function U.describe_one(op, params, key, ...)
  local ok, r = pcall(op, params)
  if not ok then
    if P.is(r, ...) then return nil end
    error(r, 0)
  end
  return (r[key] or {})[1]
end

-- Calls fn, retrying for at most U.VISIBLE_TIMEOUT while it fails with one
-- of codes because something created a moment ago is not yet visible.
function U.visible(ctx, what, fn, codes)
  return P.retry(ctx, what, fn, { codes = codes, timeout = U.VISIBLE_TIMEOUT })
end

-- Calls fn (a delete), retrying while AWS says dependents remain, for at
-- most U.DEPENDENCY_TIMEOUT. On the last DependencyViolation the error
-- says what still depends (dependents(): a text, or nil) and what to do.
function U.delete_with_dependents(ctx, what, fn, dependents)
  local ok, err = pcall(P.retry, ctx, what .. "'s dependents to go", fn,
    { codes = { "DependencyViolation" }, timeout = U.DEPENDENCY_TIMEOUT })
  if ok then return end
  if P.is(err, "DependencyViolation") then
    local d = dependents and dependents() or nil
    P.fail(err, ("%s still has dependents after %ds%s: delete them (or remove them from "
      .. "the stack), then run the command again"):format(what, U.DEPENDENCY_TIMEOUT,
      d and (" (" .. d .. ")") or ""))
  end
  error(err, 0)
end

-- The network interfaces that match filters, as "eni-1 (description), ...".
function U.enis(filters)
  local ok, list = pcall(U.all, aws.ec2.DescribeNetworkInterfaces, { Filters = filters },
    "NetworkInterfaces")
  if not ok or #list == 0 then return nil end
  local out = {}
  for i, n in ipairs(list) do
    if i > 10 then out[#out + 1] = ("and %d more"):format(#list - 10) break end
    local d = n.Description and n.Description ~= "" and (" " .. n.Description) or ""
    out[#out + 1] = ("network interface %s%s"):format(n.NetworkInterfaceId, d)
  end
  return table.concat(out, ", ")
end

-- The first id (idkey) of the items the tag filters select that the state
-- does not already know (ctx.exclude) and that keep(item) accepts.
function U.find_tagged(ctx, op, key, idkey, extra, keep)
  local items = U.all(op, { Filters = U.ours(ctx, extra) }, key)
  for _, x in ipairs(items) do
    local id = x[idkey]
    if id and not P.excluded(ctx, id) and P.is_ours(ctx, x.Tags) and (not keep or keep(x)) then
      return id
    end
  end
  return nil
end

-- The value a property takes when update must set it: new's value when
-- the template sets it; the default when the template no longer sets what
-- it set before (old has it); nil (leave alone) when cairn never managed it.
function U.target(newv, oldv, default)
  if newv ~= nil then return newv end
  if oldv ~= nil then return default end
  return nil
end

-- An EC2 AttributeBooleanValue.
function U.boolv(b)
  return { Value = P.bool(b) }
end

-- Splits a composite physical id "a|b|c" into its parts.
function U.split(id)
  local out = {}
  for part in (id .. "|"):gmatch("([^|]*)|") do out[#out + 1] = part end
  return out
end

-- ---- AWS::EC2::VPC -----------------------------------------------------------

local VPC = {
  type = "AWS::EC2::VPC",
  properties = {
    CidrBlock = "String",
    EnableDnsHostnames = "Boolean",
    EnableDnsSupport = "Boolean",
    InstanceTenancy = "dedicated|default|host",
    Tags = "Tags",
  },
  create_only = { "CidrBlock" },
  attributes = { "CidrBlock", "CidrBlockAssociations", "DefaultNetworkAcl",
    "DefaultSecurityGroup", "Ipv6CidrBlocks", "VpcId" },
  list_attributes = { "CidrBlockAssociations", "Ipv6CidrBlocks" },
  ref = nil, -- Ref returns the VPC id (the physical id)
  tags = "Tags",
}

local function vpc_describe(id)
  return U.describe_one(aws.ec2.DescribeVpcs, { VpcIds = P.array { id } }, "Vpcs",
    "InvalidVpcID.NotFound")
end

local function vpc_attrs(id, v)
  local assoc, v6 = P.array(), P.array()
  for _, a in ipairs(v.CidrBlockAssociationSet or {}) do
    local st = a.CidrBlockState and a.CidrBlockState.State
    if st ~= "disassociated" and st ~= "disassociating" and st ~= "failed" then
      assoc[#assoc + 1] = a.AssociationId
    end
  end
  for _, a in ipairs(v.Ipv6CidrBlockAssociationSet or {}) do
    local st = a.Ipv6CidrBlockState and a.Ipv6CidrBlockState.State
    if st == "associated" or st == "associating" then v6[#v6 + 1] = a.Ipv6CidrBlock end
  end
  local acl = U.all(aws.ec2.DescribeNetworkAcls,
    { Filters = U.filters { ["vpc-id"] = id, default = "true" } }, "NetworkAcls")[1]
  local sg = U.all(aws.ec2.DescribeSecurityGroups,
    { Filters = U.filters { ["vpc-id"] = id, ["group-name"] = "default" } }, "SecurityGroups")[1]
  return {
    VpcId = id,
    CidrBlock = v.CidrBlock,
    CidrBlockAssociations = assoc,
    Ipv6CidrBlocks = v6,
    DefaultNetworkAcl = acl and acl.NetworkAclId or nil,
    DefaultSecurityGroup = sg and sg.GroupId or nil,
  }
end

local function vpc_attribute(id, name)
  local r = aws.ec2.DescribeVpcAttribute { VpcId = id, Attribute = name }
  local key = name:sub(1, 1):upper() .. name:sub(2)
  return r[key] and r[key].Value == true
end

-- EnableDnsSupport and EnableDnsHostnames, one per call (the API takes
-- one attribute at a time), in the order EC2 accepts: hostnames need DNS
-- support, so hostnames go off first and on last.
local function vpc_dns(id, new, old)
  local sup = U.target(P.bool(new.EnableDnsSupport), old.EnableDnsSupport, true)
  local host = U.target(P.bool(new.EnableDnsHostnames), old.EnableDnsHostnames, false)
  local host_changes = host ~= nil and host ~= P.bool(old.EnableDnsHostnames)
  if host_changes and not host then
    aws.ec2.ModifyVpcAttribute { VpcId = id, EnableDnsHostnames = U.boolv(false) }
  end
  if sup ~= nil and sup ~= P.bool(old.EnableDnsSupport) then
    aws.ec2.ModifyVpcAttribute { VpcId = id, EnableDnsSupport = U.boolv(sup) }
  end
  if host_changes and host then
    aws.ec2.ModifyVpcAttribute { VpcId = id, EnableDnsHostnames = U.boolv(true) }
  end
end

local function vpc_wait(ctx, id)
  return P.wait(ctx, ("VPC %s to be available"):format(id), function()
    local v = U.visible(ctx, "the new VPC " .. id, function()
      local r = aws.ec2.DescribeVpcs { VpcIds = P.array { id } }
      return r.Vpcs[1]
    end, { "InvalidVpcID.NotFound" })
    if v and v.State == "available" then return v end
    return nil, v and v.State
  end, { interval = 2, timeout = 300 })
end

function VPC.create(ctx, props)
  if props.CidrBlock == nil then
    error("AWS::EC2::VPC needs CidrBlock: cairn does not support IPAM pools "
      .. "(Ipv4IpamPoolId, Ipv4NetmaskLength); give the VPC's IPv4 CIDR block", 0)
  end
  local r = aws.ec2.CreateVpc {
    CidrBlock = props.CidrBlock,
    InstanceTenancy = props.InstanceTenancy,
    TagSpecifications = U.tag_spec(ctx, "vpc", props.Tags),
  }
  local id = r.Vpc.VpcId
  local v = vpc_wait(ctx, id)
  -- a new VPC has DNS support on and DNS hostnames off
  vpc_dns(id, props, { EnableDnsSupport = true, EnableDnsHostnames = false })
  return id, vpc_attrs(id, v)
end

function VPC.read(ctx, id, props)
  local v = vpc_describe(id)
  if not v then return nil end
  local live = {
    CidrBlock = v.CidrBlock,
    InstanceTenancy = v.InstanceTenancy,
    EnableDnsSupport = vpc_attribute(id, "enableDnsSupport"),
    EnableDnsHostnames = vpc_attribute(id, "enableDnsHostnames"),
    Tags = P.user_tags(v.Tags),
  }
  return live, vpc_attrs(id, v)
end

function VPC.update(ctx, id, new, old)
  -- only what the template sets, or set before (removed: back to default)
  local want = U.target(new.InstanceTenancy, old.InstanceTenancy, "default")
  if want ~= nil and want ~= old.InstanceTenancy then
    if want == "default" and old.InstanceTenancy == "dedicated" then
      aws.ec2.ModifyVpcTenancy { VpcId = id, InstanceTenancy = "default" }
    else
      error(("InstanceTenancy can change in place only from dedicated to default "
        .. "(ModifyVpcTenancy); from %s to %s the VPC must be made again: give it a new "
        .. "logical id (or change its CidrBlock) so cairn replaces it"):format(
        tostring(old.InstanceTenancy), want), 0)
    end
  end
  vpc_dns(id, new, old)
  U.update_tags(ctx, id, new.Tags, old.Tags)
  local v = vpc_describe(id)
  return vpc_attrs(id, v)
end

-- What keeps a VPC from being deleted, for the error message.
local function vpc_dependents(id)
  local out = {}
  local f = U.filters { ["vpc-id"] = id }
  local ok, subnets = pcall(U.all, aws.ec2.DescribeSubnets, { Filters = f }, "Subnets")
  for _, s in ipairs(ok and subnets or {}) do out[#out + 1] = "subnet " .. s.SubnetId end
  local iok, igws = pcall(U.all, aws.ec2.DescribeInternetGateways,
    { Filters = U.filters { ["attachment.vpc-id"] = id } }, "InternetGateways")
  for _, g in ipairs(iok and igws or {}) do
    out[#out + 1] = "internet gateway " .. g.InternetGatewayId
  end
  local gok, sgs = pcall(U.all, aws.ec2.DescribeSecurityGroups, { Filters = f }, "SecurityGroups")
  for _, g in ipairs(gok and sgs or {}) do
    if g.GroupName ~= "default" then out[#out + 1] = "security group " .. g.GroupId end
  end
  local eok, eps = pcall(U.all, aws.ec2.DescribeVpcEndpoints, { Filters = f }, "VpcEndpoints")
  for _, e in ipairs(eok and eps or {}) do
    if e.State ~= "deleted" then out[#out + 1] = "VPC endpoint " .. e.VpcEndpointId end
  end
  local enis = U.enis(f)
  if enis then out[#out + 1] = enis end
  return #out > 0 and table.concat(out, ", ") or nil
end

function VPC.delete(ctx, id, props)
  U.delete_with_dependents(ctx, "VPC " .. id, function()
    local ok, err = pcall(aws.ec2.DeleteVpc, { VpcId = id })
    if ok or P.is(err, "InvalidVpcID.NotFound") then return end
    error(err, 0)
  end, function() return vpc_dependents(id) end)
end

function VPC.find(ctx, props)
  return U.find_tagged(ctx, aws.ec2.DescribeVpcs, "Vpcs", "VpcId")
end

-- ---- AWS::EC2::Subnet ----------------------------------------------------------

local Subnet = {
  type = "AWS::EC2::Subnet",
  properties = {
    VpcId = "String!",
    CidrBlock = "String",
    AvailabilityZone = "String",
    AvailabilityZoneId = "String",
    MapPublicIpOnLaunch = "Boolean",
    PrivateDnsNameOptionsOnLaunch = {
      HostnameType = "String",
      EnableResourceNameDnsARecord = "Boolean",
      EnableResourceNameDnsAAAARecord = "Boolean",
    },
    Tags = "Tags",
  },
  create_only = { "VpcId", "CidrBlock", "AvailabilityZone", "AvailabilityZoneId" },
  attributes = { "SubnetId", "AvailabilityZone", "AvailabilityZoneId", "CidrBlock", "VpcId",
    "NetworkAclAssociationId", "Ipv6CidrBlocks" },
  list_attributes = { "Ipv6CidrBlocks" },
  ref = nil, -- Ref returns the subnet id
  tags = "Tags",
}

-- EC2's defaults for a new subnet (not in a default VPC).
local SUBNET_DNS_DEFAULTS = {
  HostnameType = "ip-name",
  EnableResourceNameDnsARecord = false,
  EnableResourceNameDnsAAAARecord = false,
}

local function subnet_describe(id)
  return U.describe_one(aws.ec2.DescribeSubnets, { SubnetIds = P.array { id } }, "Subnets",
    "InvalidSubnetID.NotFound")
end

local function subnet_attrs(id, s)
  local v6 = P.array()
  for _, a in ipairs(s.Ipv6CidrBlockAssociationSet or {}) do
    local st = a.Ipv6CidrBlockState and a.Ipv6CidrBlockState.State
    if st == "associated" or st == "associating" then v6[#v6 + 1] = a.Ipv6CidrBlock end
  end
  local assoc
  local acl = U.all(aws.ec2.DescribeNetworkAcls,
    { Filters = U.filters { ["association.subnet-id"] = id } }, "NetworkAcls")[1]
  for _, a in ipairs(acl and acl.Associations or {}) do
    if a.SubnetId == id then assoc = a.NetworkAclAssociationId end
  end
  return { SubnetId = id, AvailabilityZone = s.AvailabilityZone,
    AvailabilityZoneId = s.AvailabilityZoneId, CidrBlock = s.CidrBlock, VpcId = s.VpcId,
    NetworkAclAssociationId = assoc, Ipv6CidrBlocks = v6 }
end

-- MapPublicIpOnLaunch and PrivateDnsNameOptionsOnLaunch: one attribute
-- per ModifySubnetAttribute call, as the API requires.
local function subnet_configure(id, new, old)
  local map = U.target(P.bool(new.MapPublicIpOnLaunch), old.MapPublicIpOnLaunch, false)
  if map ~= nil and map ~= P.bool(old.MapPublicIpOnLaunch) then
    aws.ec2.ModifySubnetAttribute { SubnetId = id, MapPublicIpOnLaunch = U.boolv(map) }
  end
  local nd, od = new.PrivateDnsNameOptionsOnLaunch, old.PrivateDnsNameOptionsOnLaunch
  if nd == nil and od == nil then return end
  nd, od = nd or {}, od or {}
  local ht = U.target(nd.HostnameType, od.HostnameType, SUBNET_DNS_DEFAULTS.HostnameType)
  if ht ~= nil and ht ~= od.HostnameType then
    aws.ec2.ModifySubnetAttribute { SubnetId = id, PrivateDnsHostnameTypeOnLaunch = ht }
  end
  for _, k in ipairs { "EnableResourceNameDnsARecord", "EnableResourceNameDnsAAAARecord" } do
    local v = U.target(P.bool(nd[k]), od[k], SUBNET_DNS_DEFAULTS[k])
    if v ~= nil and v ~= P.bool(od[k]) then
      aws.ec2.ModifySubnetAttribute { SubnetId = id, [k .. "OnLaunch"] = U.boolv(v) }
    end
  end
end

function Subnet.create(ctx, props)
  if props.CidrBlock == nil then
    error("AWS::EC2::Subnet needs CidrBlock: cairn does not support IPAM pools or "
      .. "IPv6-only subnets; give the subnet's IPv4 CIDR block", 0)
  end
  local r = U.visible(ctx, "VPC " .. props.VpcId, function()
    return aws.ec2.CreateSubnet {
      VpcId = props.VpcId,
      CidrBlock = props.CidrBlock,
      AvailabilityZone = props.AvailabilityZone,
      AvailabilityZoneId = props.AvailabilityZoneId,
      TagSpecifications = U.tag_spec(ctx, "subnet", props.Tags),
    }
  end, { "InvalidVpcID.NotFound" })
  local id = r.Subnet.SubnetId
  local s = P.wait(ctx, ("subnet %s to be available"):format(id), function()
    local x = U.visible(ctx, "the new subnet " .. id, function()
      return aws.ec2.DescribeSubnets { SubnetIds = P.array { id } }.Subnets[1]
    end, { "InvalidSubnetID.NotFound" })
    if x and x.State == "available" then return x end
    return nil, x and x.State
  end, { interval = 2, timeout = 300 })
  local d = s.PrivateDnsNameOptionsOnLaunch or {}
  subnet_configure(id, props, {
    MapPublicIpOnLaunch = s.MapPublicIpOnLaunch == true,
    PrivateDnsNameOptionsOnLaunch = props.PrivateDnsNameOptionsOnLaunch and {
      HostnameType = d.HostnameType,
      EnableResourceNameDnsARecord = d.EnableResourceNameDnsARecord == true,
      EnableResourceNameDnsAAAARecord = d.EnableResourceNameDnsAAAARecord == true,
    } or nil,
  })
  return id, subnet_attrs(id, s)
end

function Subnet.read(ctx, id, props)
  local s = subnet_describe(id)
  if not s then return nil end
  local d = s.PrivateDnsNameOptionsOnLaunch or {}
  local live = {
    VpcId = s.VpcId,
    CidrBlock = s.CidrBlock,
    AvailabilityZone = s.AvailabilityZone,
    AvailabilityZoneId = s.AvailabilityZoneId,
    MapPublicIpOnLaunch = s.MapPublicIpOnLaunch == true,
    PrivateDnsNameOptionsOnLaunch = {
      HostnameType = d.HostnameType or SUBNET_DNS_DEFAULTS.HostnameType,
      EnableResourceNameDnsARecord = d.EnableResourceNameDnsARecord == true,
      EnableResourceNameDnsAAAARecord = d.EnableResourceNameDnsAAAARecord == true,
    },
    Tags = P.user_tags(s.Tags),
  }
  return live, subnet_attrs(id, s)
end

function Subnet.update(ctx, id, new, old)
  subnet_configure(id, new, old)
  U.update_tags(ctx, id, new.Tags, old.Tags)
  return subnet_attrs(id, subnet_describe(id) or {})
end

function Subnet.delete(ctx, id, props)
  U.delete_with_dependents(ctx, "subnet " .. id, function()
    local ok, err = pcall(aws.ec2.DeleteSubnet, { SubnetId = id })
    if ok or P.is(err, "InvalidSubnetID.NotFound") then return end
    error(err, 0)
  end, function() return U.enis(U.filters { ["subnet-id"] = id }) end)
end

function Subnet.find(ctx, props)
  return U.find_tagged(ctx, aws.ec2.DescribeSubnets, "Subnets", "SubnetId")
end

-- ---- AWS::EC2::InternetGateway ------------------------------------------------

local InternetGateway = {
  type = "AWS::EC2::InternetGateway",
  properties = { Tags = "Tags" },
  create_only = {},
  attributes = { "InternetGatewayId" },
  ref = nil, -- Ref returns the gateway id
  tags = "Tags",
}

local function igw_describe(id)
  return U.describe_one(aws.ec2.DescribeInternetGateways,
    { InternetGatewayIds = P.array { id } }, "InternetGateways",
    "InvalidInternetGatewayID.NotFound")
end

function InternetGateway.create(ctx, props)
  local r = aws.ec2.CreateInternetGateway {
    TagSpecifications = U.tag_spec(ctx, "internet-gateway", props.Tags),
  }
  local id = r.InternetGateway.InternetGatewayId
  U.visible(ctx, "the new internet gateway " .. id, function()
    return aws.ec2.DescribeInternetGateways { InternetGatewayIds = P.array { id } }
  end, { "InvalidInternetGatewayID.NotFound" })
  return id, { InternetGatewayId = id }
end

function InternetGateway.read(ctx, id, props)
  local g = igw_describe(id)
  if not g then return nil end
  return { Tags = P.user_tags(g.Tags) }, { InternetGatewayId = id }
end

function InternetGateway.update(ctx, id, new, old)
  U.update_tags(ctx, id, new.Tags, old.Tags)
  return { InternetGatewayId = id }
end

function InternetGateway.delete(ctx, id, props)
  U.delete_with_dependents(ctx, "internet gateway " .. id, function()
    local ok, err = pcall(aws.ec2.DeleteInternetGateway, { InternetGatewayId = id })
    if ok or P.is(err, "InvalidInternetGatewayID.NotFound") then return end
    error(err, 0)
  end, function()
    local g = igw_describe(id)
    local out = {}
    for _, a in ipairs(g and g.Attachments or {}) do
      out[#out + 1] = ("attached to %s"):format(a.VpcId)
    end
    return #out > 0 and table.concat(out, ", ") or nil
  end)
end

function InternetGateway.find(ctx, props)
  return U.find_tagged(ctx, aws.ec2.DescribeInternetGateways, "InternetGateways",
    "InternetGatewayId")
end

-- ---- AWS::EC2::VPCGatewayAttachment -------------------------------------------
--
-- An internet gateway attached to a VPC. The physical id is
-- "IGW|<VpcId>", CloudFormation's (AttachmentType|VpcId): a VPC has at
-- most one internet gateway, so the VPC names the attachment, and
-- InternetGatewayId can change in place (detach the old, attach the new).
-- Virtual private gateways (VpnGatewayId) are not supported.

local Attachment = {
  type = "AWS::EC2::VPCGatewayAttachment",
  properties = {
    VpcId = "String!",
    InternetGatewayId = "String",
  },
  create_only = { "VpcId" },
  attributes = { "AttachmentType" },
  ref = nil, -- Ref returns the physical id, IGW|<VpcId>
}

local ATTACHMENT_ATTRS = { AttachmentType = "IGW" }

-- The internet gateway attached to vpc (its description), or nil.
local function igw_of_vpc(vpc)
  local gws = U.all(aws.ec2.DescribeInternetGateways,
    { Filters = U.filters { ["attachment.vpc-id"] = vpc } }, "InternetGateways")
  for _, g in ipairs(gws) do
    for _, a in ipairs(g.Attachments or {}) do
      if a.VpcId == vpc and a.State ~= "detached" and a.State ~= "detaching" then return g end
    end
  end
  return nil
end

local function detach(ctx, igw, vpc)
  U.delete_with_dependents(ctx, ("internet gateway %s's attachment to %s"):format(igw, vpc),
    function()
      local ok, err = pcall(aws.ec2.DetachInternetGateway,
        { InternetGatewayId = igw, VpcId = vpc })
      if ok or P.is(err, "Gateway.NotAttached", "InvalidInternetGatewayID.NotFound",
          "InvalidVpcID.NotFound") then
        return
      end
      error(err, 0)
    end, function() return "public IP addresses still mapped in the VPC" end)
end

-- Attaches igw to vpc. When igw is attached to another VPC through an
-- attachment this resource is replacing (ctx.exclude: the deposed
-- IGW|<old VPC>), it is detached from there first; any other attachment
-- is someone else's and an error.
local function attach(ctx, igw, vpc)
  local ok, err = pcall(U.visible, ctx, ("internet gateway %s and VPC %s"):format(igw, vpc),
    function()
      return aws.ec2.AttachInternetGateway { InternetGatewayId = igw, VpcId = vpc }
    end, { "InvalidInternetGatewayID.NotFound", "InvalidVpcID.NotFound" })
  if ok then return end
  if not P.is(err, "Resource.AlreadyAssociated") then error(err, 0) end
  local g = igw_describe(igw)
  for _, a in ipairs(g and g.Attachments or {}) do
    if a.VpcId == vpc then return end -- already where it should be
    if P.excluded(ctx, "IGW|" .. a.VpcId) then
      ctx.log(("detaching %s from %s (the attachment being replaced)"):format(igw, a.VpcId))
      detach(ctx, igw, a.VpcId)
      aws.ec2.AttachInternetGateway { InternetGatewayId = igw, VpcId = vpc }
      return
    end
    P.fail(err, ("internet gateway %s is attached to %s, which this resource did not "
      .. "attach: detach it there first, or use another gateway"):format(igw, a.VpcId))
  end
  error(err, 0)
end

function Attachment.create(ctx, props)
  if props.InternetGatewayId == nil then
    error("AWS::EC2::VPCGatewayAttachment needs InternetGatewayId: cairn does not support "
      .. "virtual private gateways (VpnGatewayId)", 0)
  end
  attach(ctx, props.InternetGatewayId, props.VpcId)
  return "IGW|" .. props.VpcId, ATTACHMENT_ATTRS
end

function Attachment.read(ctx, id, props)
  local parts = U.split(id)
  local vpc = parts[2]
  if parts[1] ~= "IGW" or not vpc then
    error(("%s is not a VPCGatewayAttachment id cairn made (IGW|<VpcId>)"):format(id), 0)
  end
  local g = igw_of_vpc(vpc)
  if not g then return nil end
  return { VpcId = vpc, InternetGatewayId = g.InternetGatewayId }, ATTACHMENT_ATTRS
end

function Attachment.update(ctx, id, new, old)
  local vpc = U.split(id)[2]
  if P.changed("String", new.InternetGatewayId, old.InternetGatewayId) then
    if old.InternetGatewayId then detach(ctx, old.InternetGatewayId, vpc) end
    attach(ctx, new.InternetGatewayId, vpc)
  end
  return ATTACHMENT_ATTRS
end

function Attachment.delete(ctx, id, props)
  local vpc = U.split(id)[2]
  local g = igw_of_vpc(vpc)
  if not g then return end
  -- only the gateway this resource attached (a newer attachment made by
  -- someone else is theirs)
  if props and props.InternetGatewayId and g.InternetGatewayId ~= props.InternetGatewayId then
    return
  end
  detach(ctx, g.InternetGatewayId, vpc)
end

function Attachment.find(ctx, props)
  local id = "IGW|" .. props.VpcId
  if P.excluded(ctx, id) then return nil end
  local g = igw_of_vpc(props.VpcId)
  if g and g.InternetGatewayId == props.InternetGatewayId then return id end
  return nil
end

-- ---- AWS::EC2::RouteTable ------------------------------------------------------

local RouteTable = {
  type = "AWS::EC2::RouteTable",
  properties = {
    VpcId = "String!",
    Tags = "Tags",
  },
  create_only = { "VpcId" },
  attributes = { "RouteTableId" },
  ref = nil, -- Ref returns the route table id
  tags = "Tags",
}

local function rt_describe(id)
  return U.describe_one(aws.ec2.DescribeRouteTables, { RouteTableIds = P.array { id } },
    "RouteTables", "InvalidRouteTableID.NotFound")
end

function RouteTable.create(ctx, props)
  local r = U.visible(ctx, "VPC " .. props.VpcId, function()
    return aws.ec2.CreateRouteTable {
      VpcId = props.VpcId,
      ClientToken = ctx.token,
      TagSpecifications = U.tag_spec(ctx, "route-table", props.Tags),
    }
  end, { "InvalidVpcID.NotFound" })
  local id = r.RouteTable.RouteTableId
  U.visible(ctx, "the new route table " .. id, function()
    return aws.ec2.DescribeRouteTables { RouteTableIds = P.array { id } }
  end, { "InvalidRouteTableID.NotFound" })
  return id, { RouteTableId = id }
end

function RouteTable.read(ctx, id, props)
  local t = rt_describe(id)
  if not t then return nil end
  return { VpcId = t.VpcId, Tags = P.user_tags(t.Tags) }, { RouteTableId = id }
end

function RouteTable.update(ctx, id, new, old)
  U.update_tags(ctx, id, new.Tags, old.Tags)
  return { RouteTableId = id }
end

function RouteTable.delete(ctx, id, props)
  U.delete_with_dependents(ctx, "route table " .. id, function()
    local ok, err = pcall(aws.ec2.DeleteRouteTable, { RouteTableId = id })
    if ok or P.is(err, "InvalidRouteTableID.NotFound") then return end
    error(err, 0)
  end, function()
    local t = rt_describe(id)
    local out = {}
    for _, a in ipairs(t and t.Associations or {}) do
      if a.Main then
        out[#out + 1] = "it is the VPC's main route table"
      elseif a.SubnetId then
        out[#out + 1] = ("associated with %s (%s)"):format(a.SubnetId, a.RouteTableAssociationId)
      end
    end
    return #out > 0 and table.concat(out, ", ") or nil
  end)
end

function RouteTable.find(ctx, props)
  return U.find_tagged(ctx, aws.ec2.DescribeRouteTables, "RouteTables", "RouteTableId")
end

-- ---- AWS::EC2::Route ------------------------------------------------------------
--
-- One route of a route table. EC2 gives routes no id: the physical id is
-- "<RouteTableId>|<destination>" (CloudFormation's RouteTableId|CidrBlock),
-- where the destination is the IPv4 or IPv6 CIDR block or the prefix list
-- id. The target changes in place (ReplaceRoute).

local ROUTE_DESTS = { "DestinationCidrBlock", "DestinationIpv6CidrBlock",
  "DestinationPrefixListId" }
local ROUTE_TARGETS = { "GatewayId", "NatGatewayId", "InstanceId", "NetworkInterfaceId",
  "VpcPeeringConnectionId", "TransitGatewayId", "VpcEndpointId", "EgressOnlyInternetGatewayId",
  "CarrierGatewayId", "LocalGatewayId", "CoreNetworkArn" }

local Route = {
  type = "AWS::EC2::Route",
  properties = {
    RouteTableId = "String!",
    DestinationCidrBlock = "String",
    DestinationIpv6CidrBlock = "String",
    DestinationPrefixListId = "String",
    GatewayId = "String",
    NatGatewayId = "String",
    InstanceId = "String",
    NetworkInterfaceId = "String",
    VpcPeeringConnectionId = "String",
    TransitGatewayId = "String",
    VpcEndpointId = "String",
    EgressOnlyInternetGatewayId = "String",
    CarrierGatewayId = "String",
    LocalGatewayId = "String",
    CoreNetworkArn = "String",
  },
  create_only = { "RouteTableId", "DestinationCidrBlock", "DestinationIpv6CidrBlock",
    "DestinationPrefixListId" },
  attributes = { "CidrBlock" },
  ref = nil, -- Ref returns the physical id, <RouteTableId>|<destination>
}

-- The destination property a route's props set, and its value.
local function route_dest(props)
  local key, value
  for _, k in ipairs(ROUTE_DESTS) do
    if props[k] ~= nil then
      if key then
        error(("AWS::EC2::Route: give one destination, not both %s and %s"):format(key, k), 0)
      end
      key, value = k, props[k]
    end
  end
  if not key then
    error("AWS::EC2::Route needs a destination: DestinationCidrBlock, "
      .. "DestinationIpv6CidrBlock or DestinationPrefixListId", 0)
  end
  return key, value
end

-- The API parameters for CreateRoute/ReplaceRoute: table, destination and
-- target.
local function route_params(props)
  local key, value = route_dest(props)
  local p = { RouteTableId = props.RouteTableId, [key] = value }
  local n = 0
  for _, k in ipairs(ROUTE_TARGETS) do
    if props[k] ~= nil then p[k] = props[k]; n = n + 1 end
  end
  if n == 0 then
    error("AWS::EC2::Route needs a target: one of " .. table.concat(ROUTE_TARGETS, ", "), 0)
  end
  return p
end

-- The live route with this destination in table rtb: (table, route), or
-- nil when the table or the route is gone.
local function route_find(rtb, dest)
  local t = rt_describe(rtb)
  if not t then return nil end
  for _, r in ipairs(t.Routes or {}) do
    for _, k in ipairs(ROUTE_DESTS) do
      if r[k] == dest then return t, r end
    end
  end
  return nil
end

local function route_live(rtb, r)
  local live = { RouteTableId = rtb }
  for _, k in ipairs(ROUTE_DESTS) do live[k] = r[k] end
  for _, k in ipairs(ROUTE_TARGETS) do live[k] = r[k] end
  -- EC2 reports a route to a Gateway Load Balancer endpoint as GatewayId
  if type(r.GatewayId) == "string" and r.GatewayId:sub(1, 5) == "vpce-" then
    live.VpcEndpointId, live.GatewayId = r.GatewayId, nil
  end
  return live
end

function Route.create(ctx, props)
  local params = route_params(props)
  local _, dest = route_dest(props)
  local ok, err = pcall(U.visible, ctx, "the route's table and target", function()
    return aws.ec2.CreateRoute(params)
  end, { "InvalidRouteTableID.NotFound", "InvalidGatewayID.NotFound",
    "InvalidNatGatewayID.NotFound", "InvalidVpcEndpointId.NotFound",
    "InvalidTransitGatewayID.NotFound", "InvalidNetworkInterfaceID.NotFound" })
  if not ok then
    if P.is(err, "RouteAlreadyExists") then
      P.fail(err, ("route table %s already has a route to %s that this resource did not "
        .. "make: delete it, or choose another destination"):format(props.RouteTableId, dest))
    end
    error(err, 0)
  end
  return props.RouteTableId .. "|" .. dest, { CidrBlock = dest }
end

function Route.read(ctx, id, props)
  local rtb, dest = id:match("^([^|]+)|(.+)$")
  if not rtb then
    error(("%s is not a route id cairn made (<RouteTableId>|<destination>)"):format(id), 0)
  end
  local _, r = route_find(rtb, dest)
  if not r then return nil end
  return route_live(rtb, r), { CidrBlock = dest }
end

function Route.update(ctx, id, new, old)
  for _, k in ipairs(ROUTE_TARGETS) do
    if P.changed("String", new[k], old[k]) then
      aws.ec2.ReplaceRoute(route_params(new))
      break
    end
  end
  local _, dest = route_dest(new)
  return { CidrBlock = dest }
end

function Route.delete(ctx, id, props)
  local rtb, dest = id:match("^([^|]+)|(.+)$")
  local params = { RouteTableId = rtb }
  local key = "DestinationCidrBlock"
  if dest:find(":", 1, true) then
    key = "DestinationIpv6CidrBlock"
  elseif dest:sub(1, 3) == "pl-" then
    key = "DestinationPrefixListId"
  end
  params[key] = dest
  local ok, err = pcall(aws.ec2.DeleteRoute, params)
  if ok or P.is(err, "InvalidRoute.NotFound", "InvalidRouteTableID.NotFound") then return end
  error(err, 0)
end

-- The route an interrupted create made: the destination exists in the
-- table with the target the template gives (routes carry no tags; a route
-- with another target is not this resource's).
function Route.find(ctx, props)
  local _, dest = route_dest(props)
  local id = props.RouteTableId .. "|" .. dest
  if P.excluded(ctx, id) then return nil end
  local _, r = route_find(props.RouteTableId, dest)
  if not r then return nil end
  local live = route_live(props.RouteTableId, r)
  for _, k in ipairs(ROUTE_TARGETS) do
    if props[k] ~= nil and live[k] ~= props[k] then return nil end
  end
  return id
end

-- ---- AWS::EC2::SubnetRouteTableAssociation -------------------------------------

local Association = {
  type = "AWS::EC2::SubnetRouteTableAssociation",
  properties = {
    RouteTableId = "String!",
    SubnetId = "String!",
  },
  create_only = { "RouteTableId", "SubnetId" },
  attributes = { "Id" },
  ref = nil, -- Ref returns the association id
}

-- The association (and its table) of subnet with any route table.
local function subnet_association(subnet)
  local ts = U.all(aws.ec2.DescribeRouteTables,
    { Filters = U.filters { ["association.subnet-id"] = subnet } }, "RouteTables")
  for _, t in ipairs(ts) do
    for _, a in ipairs(t.Associations or {}) do
      local st = a.AssociationState and a.AssociationState.State
      if a.SubnetId == subnet and st ~= "disassociated" and st ~= "disassociating" then
        return a, t
      end
    end
  end
  return nil
end

function Association.create(ctx, props)
  -- a subnet has one route table: when it is associated through an
  -- association this resource is replacing (ctx.exclude), that one is
  -- moved to the new table; any other association is someone else's
  local cur = subnet_association(props.SubnetId)
  if cur then
    if not P.excluded(ctx, cur.RouteTableAssociationId) then
      error(("AssociateRouteTable (ec2): Resource.AlreadyAssociated: subnet %s is already "
        .. "associated with route table %s (%s), not by this resource: remove that "
        .. "association first"):format(props.SubnetId, cur.RouteTableId,
        cur.RouteTableAssociationId), 0)
    end
    ctx.log(("moving subnet %s from %s to %s"):format(props.SubnetId, cur.RouteTableId,
      props.RouteTableId))
    local r = aws.ec2.ReplaceRouteTableAssociation {
      AssociationId = cur.RouteTableAssociationId, RouteTableId = props.RouteTableId,
    }
    return r.NewAssociationId, { Id = r.NewAssociationId }
  end
  local r = U.visible(ctx, "the subnet and route table", function()
    return aws.ec2.AssociateRouteTable {
      RouteTableId = props.RouteTableId, SubnetId = props.SubnetId,
    }
  end, { "InvalidRouteTableID.NotFound", "InvalidSubnetID.NotFound" })
  return r.AssociationId, { Id = r.AssociationId }
end

function Association.read(ctx, id, props)
  local ts = U.all(aws.ec2.DescribeRouteTables,
    { Filters = U.filters { ["association.route-table-association-id"] = id } }, "RouteTables")
  for _, t in ipairs(ts) do
    for _, a in ipairs(t.Associations or {}) do
      local st = a.AssociationState and a.AssociationState.State
      if a.RouteTableAssociationId == id and st ~= "disassociated" and st ~= "disassociating" then
        return { RouteTableId = t.RouteTableId, SubnetId = a.SubnetId }, { Id = id }
      end
    end
  end
  return nil
end

-- Both properties are create-only: nothing changes in place. The engine
-- calls update when it adopts what an interrupted create made (ctx.adopt);
-- the association has no tags to finish.
function Association.update(ctx, id, new, old)
  return { Id = id }
end

function Association.delete(ctx, id, props)
  local ok, err = pcall(aws.ec2.DisassociateRouteTable, { AssociationId = id })
  if ok or P.is(err, "InvalidAssociationID.NotFound") then return end
  error(err, 0)
end

function Association.find(ctx, props)
  local a = subnet_association(props.SubnetId)
  if a and a.RouteTableId == props.RouteTableId
      and not P.excluded(ctx, a.RouteTableAssociationId) then
    return a.RouteTableAssociationId
  end
  return nil
end

-- ---- AWS::EC2::NetworkAcl -------------------------------------------------------

local NetworkAcl = {
  type = "AWS::EC2::NetworkAcl",
  properties = {
    VpcId = "String!",
    Tags = "Tags",
  },
  create_only = { "VpcId" },
  attributes = { "Id" },
  ref = nil, -- Ref returns the network ACL id
  tags = "Tags",
}

local function acl_describe(id)
  return U.describe_one(aws.ec2.DescribeNetworkAcls, { NetworkAclIds = P.array { id } },
    "NetworkAcls", "InvalidNetworkAclID.NotFound")
end

function NetworkAcl.create(ctx, props)
  local r = U.visible(ctx, "VPC " .. props.VpcId, function()
    return aws.ec2.CreateNetworkAcl {
      VpcId = props.VpcId,
      ClientToken = ctx.token,
      TagSpecifications = U.tag_spec(ctx, "network-acl", props.Tags),
    }
  end, { "InvalidVpcID.NotFound" })
  local id = r.NetworkAcl.NetworkAclId
  U.visible(ctx, "the new network ACL " .. id, function()
    return aws.ec2.DescribeNetworkAcls { NetworkAclIds = P.array { id } }
  end, { "InvalidNetworkAclID.NotFound" })
  return id, { Id = id }
end

function NetworkAcl.read(ctx, id, props)
  local a = acl_describe(id)
  if not a then return nil end
  return { VpcId = a.VpcId, Tags = P.user_tags(a.Tags) }, { Id = id }
end

function NetworkAcl.update(ctx, id, new, old)
  U.update_tags(ctx, id, new.Tags, old.Tags)
  return { Id = id }
end

function NetworkAcl.delete(ctx, id, props)
  U.delete_with_dependents(ctx, "network ACL " .. id, function()
    local ok, err = pcall(aws.ec2.DeleteNetworkAcl, { NetworkAclId = id })
    if ok or P.is(err, "InvalidNetworkAclID.NotFound") then return end
    error(err, 0)
  end, function()
    local a = acl_describe(id)
    local out = {}
    for _, x in ipairs(a and a.Associations or {}) do
      out[#out + 1] = ("associated with %s"):format(x.SubnetId)
    end
    return #out > 0 and table.concat(out, ", ") or nil
  end)
end

function NetworkAcl.find(ctx, props)
  return U.find_tagged(ctx, aws.ec2.DescribeNetworkAcls, "NetworkAcls", "NetworkAclId")
end

-- ---- AWS::EC2::NetworkAclEntry --------------------------------------------------
--
-- One numbered rule of a network ACL. The physical id is
-- "<NetworkAclId>|<ingress|egress>|<RuleNumber>", which is what names an
-- entry in EC2. Everything but the ACL, the direction and the number
-- changes in place (ReplaceNetworkAclEntry).

local NetworkAclEntry = {
  type = "AWS::EC2::NetworkAclEntry",
  properties = {
    NetworkAclId = "String!",
    RuleNumber = "Integer!",
    Protocol = "Integer!",
    RuleAction = "String!",
    Egress = "Boolean",
    CidrBlock = "String",
    Ipv6CidrBlock = "String",
    Icmp = { Code = "Integer", Type = "Integer" },
    PortRange = { From = "Integer", To = "Integer" },
  },
  create_only = { "NetworkAclId", "RuleNumber", "Egress" },
  attributes = { "Id" },
  ref = nil, -- Ref returns the physical id
}

local function entry_id(props)
  return ("%s|%s|%d"):format(props.NetworkAclId, P.bool(props.Egress) and "egress" or "ingress",
    P.int(props.RuleNumber))
end

local function entry_parse(id)
  local p = U.split(id)
  local n = math.tointeger(tonumber(p[3] or ""))
  if #p ~= 3 or (p[2] ~= "ingress" and p[2] ~= "egress") or not n then
    error(("%s is not a network ACL entry id cairn made "
      .. "(<NetworkAclId>|<ingress|egress>|<RuleNumber>)"):format(id), 0)
  end
  return p[1], p[2] == "egress", n
end

local function entry_params(props)
  if props.CidrBlock == nil and props.Ipv6CidrBlock == nil then
    error("AWS::EC2::NetworkAclEntry needs CidrBlock or Ipv6CidrBlock", 0)
  end
  return {
    NetworkAclId = props.NetworkAclId,
    RuleNumber = P.int(props.RuleNumber),
    Egress = P.bool(props.Egress) or false,
    Protocol = tostring(P.int(props.Protocol)),
    RuleAction = props.RuleAction,
    CidrBlock = props.CidrBlock,
    Ipv6CidrBlock = props.Ipv6CidrBlock,
    IcmpTypeCode = props.Icmp
      and { Code = P.int(props.Icmp.Code), Type = P.int(props.Icmp.Type) } or nil,
    PortRange = props.PortRange
      and { From = P.int(props.PortRange.From), To = P.int(props.PortRange.To) } or nil,
  }
end

-- The live entry (acl, egress, number), or nil.
local function entry_find(acl, egress, number)
  local a = acl_describe(acl)
  for _, e in ipairs(a and a.Entries or {}) do
    if e.RuleNumber == number and (e.Egress == true) == egress then return e end
  end
  return nil
end

local function entry_live(acl, e)
  local proto = e.Protocol
  if proto == "all" then proto = "-1" end
  return {
    NetworkAclId = acl,
    RuleNumber = e.RuleNumber,
    Egress = e.Egress == true,
    Protocol = math.tointeger(tonumber(proto)) or proto,
    RuleAction = e.RuleAction,
    CidrBlock = e.CidrBlock,
    Ipv6CidrBlock = e.Ipv6CidrBlock,
    Icmp = e.IcmpTypeCode and { Code = e.IcmpTypeCode.Code, Type = e.IcmpTypeCode.Type } or nil,
    PortRange = e.PortRange and { From = e.PortRange.From, To = e.PortRange.To } or nil,
  }
end

function NetworkAclEntry.create(ctx, props)
  local params = entry_params(props)
  local ok, err = pcall(U.visible, ctx, "network ACL " .. props.NetworkAclId, function()
    return aws.ec2.CreateNetworkAclEntry(params)
  end, { "InvalidNetworkAclID.NotFound" })
  if not ok then
    if P.is(err, "NetworkAclEntryAlreadyExists") then
      P.fail(err, ("network ACL %s already has %s rule %d, which this resource did not make: "
        .. "choose another RuleNumber, or delete that rule"):format(props.NetworkAclId,
        params.Egress and "an egress" or "an ingress", params.RuleNumber))
    end
    error(err, 0)
  end
  local id = entry_id(props)
  return id, { Id = id }
end

function NetworkAclEntry.read(ctx, id, props)
  local acl, egress, number = entry_parse(id)
  local e = entry_find(acl, egress, number)
  if not e then return nil end
  return entry_live(acl, e), { Id = id }
end

function NetworkAclEntry.update(ctx, id, new, old)
  for _, k in ipairs { "Protocol", "RuleAction", "CidrBlock", "Ipv6CidrBlock", "Icmp",
      "PortRange" } do
    if P.changed(nil, new[k], old[k]) or (new[k] == nil and old[k] ~= nil) then
      aws.ec2.ReplaceNetworkAclEntry(entry_params(new))
      break
    end
  end
  return { Id = id }
end

function NetworkAclEntry.delete(ctx, id, props)
  local acl, egress, number = entry_parse(id)
  -- look first: EC2 answers a missing entry with an error whose code
  -- varies (and moto with a server error)
  if not entry_find(acl, egress, number) then return end
  local ok, err = pcall(aws.ec2.DeleteNetworkAclEntry,
    { NetworkAclId = acl, Egress = egress, RuleNumber = number })
  if ok or P.is(err, "InvalidNetworkAclEntry.NotFound", "InvalidNetworkAclID.NotFound") then
    return
  end
  error(err, 0)
end

-- The entry an interrupted create made: the numbered rule exists with the
-- protocol, action and CIDR block the template gives (entries carry no tags).
function NetworkAclEntry.find(ctx, props)
  local id = entry_id(props)
  if P.excluded(ctx, id) then return nil end
  local e = entry_find(props.NetworkAclId, P.bool(props.Egress) or false, P.int(props.RuleNumber))
  if not e then return nil end
  local live = entry_live(props.NetworkAclId, e)
  if live.Protocol ~= P.int(props.Protocol) or live.RuleAction ~= props.RuleAction
      or live.CidrBlock ~= props.CidrBlock or live.Ipv6CidrBlock ~= props.Ipv6CidrBlock then
    return nil
  end
  return id
end

-- ---- AWS::EC2::SubnetNetworkAclAssociation -------------------------------------
--
-- Puts a subnet in a network ACL. A subnet is always in exactly one ACL
-- (the VPC's default one unless moved), so "associating" is moving the
-- subnet's current association (ReplaceNetworkAclAssociation, which gives
-- a new association id), and deleting moves the subnet back to the VPC's
-- default ACL.

local AclAssociation = {
  type = "AWS::EC2::SubnetNetworkAclAssociation",
  properties = {
    SubnetId = "String!",
    NetworkAclId = "String!",
  },
  create_only = { "SubnetId", "NetworkAclId" },
  attributes = { "AssociationId" },
  ref = nil, -- Ref returns the association id (aclassoc-...)
}

-- The subnet's association (and its ACL): every subnet has one.
local function acl_association_of(subnet)
  local acls = U.all(aws.ec2.DescribeNetworkAcls,
    { Filters = U.filters { ["association.subnet-id"] = subnet } }, "NetworkAcls")
  for _, a in ipairs(acls) do
    for _, x in ipairs(a.Associations or {}) do
      if x.SubnetId == subnet then return x, a end
    end
  end
  return nil
end

function AclAssociation.create(ctx, props)
  local cur, acl = U.visible(ctx, "subnet " .. props.SubnetId, function()
    local x, a = acl_association_of(props.SubnetId)
    if not x then
      error({ code = "InvalidSubnetID.NotFound",
        message = "no network ACL association for " .. props.SubnetId }, 0)
    end
    return x, a
  end, { "InvalidSubnetID.NotFound" })
  -- the subnet leaves the default ACL, or the ACL of the association this
  -- resource is replacing; never an ACL someone else put it in
  if not acl.IsDefault and not P.excluded(ctx, cur.NetworkAclAssociationId) then
    error(("ReplaceNetworkAclAssociation (ec2): subnet %s is in network ACL %s (association "
      .. "%s), which this resource did not put it in: move it back to the VPC's default ACL "
      .. "first"):format(props.SubnetId, acl.NetworkAclId, cur.NetworkAclAssociationId), 0)
  end
  local r = U.visible(ctx, "network ACL " .. props.NetworkAclId, function()
    return aws.ec2.ReplaceNetworkAclAssociation {
      AssociationId = cur.NetworkAclAssociationId, NetworkAclId = props.NetworkAclId,
    }
  end, { "InvalidNetworkAclID.NotFound" })
  return r.NewAssociationId, { AssociationId = r.NewAssociationId }
end

local function acl_association(id)
  local acls = U.all(aws.ec2.DescribeNetworkAcls,
    { Filters = U.filters { ["association.association-id"] = id } }, "NetworkAcls")
  for _, a in ipairs(acls) do
    for _, x in ipairs(a.Associations or {}) do
      if x.NetworkAclAssociationId == id then return x, a end
    end
  end
  return nil
end

function AclAssociation.read(ctx, id, props)
  local x = acl_association(id)
  if not x then return nil end
  return { SubnetId = x.SubnetId, NetworkAclId = x.NetworkAclId }, { AssociationId = id }
end

-- Both properties are create-only; adoption (ctx.adopt) has nothing to finish.
function AclAssociation.update(ctx, id, new, old)
  return { AssociationId = id }
end

function AclAssociation.delete(ctx, id, props)
  local x, acl = acl_association(id)
  if not x or acl.IsDefault then return end
  local default = U.all(aws.ec2.DescribeNetworkAcls,
    { Filters = U.filters { ["vpc-id"] = acl.VpcId, default = "true" } }, "NetworkAcls")[1]
  if not default then
    error(("VPC %s has no default network ACL to put subnet %s back in"):format(acl.VpcId,
      x.SubnetId), 0)
  end
  local ok, err = pcall(aws.ec2.ReplaceNetworkAclAssociation,
    { AssociationId = id, NetworkAclId = default.NetworkAclId })
  if ok or P.is(err, "InvalidAssociationID.NotFound") then return end
  error(err, 0)
end

function AclAssociation.find(ctx, props)
  local x = acl_association_of(props.SubnetId)
  if x and x.NetworkAclId == props.NetworkAclId
      and not P.excluded(ctx, x.NetworkAclAssociationId) then
    return x.NetworkAclAssociationId
  end
  return nil
end

-- ---------------------------------------------------------------------------------

local types = {
  VPC, Subnet, InternetGateway, Attachment, RouteTable, Route, Association, NetworkAcl,
  NetworkAclEntry, AclAssociation,
}
types.util = U
return types
