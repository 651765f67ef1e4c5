-- EC2 networking, part 3: AWS::EC2::VPCEndpoint (Gateway, Interface and
-- Gateway Load Balancer endpoints).
--
-- How it works. CreateVpcEndpoint takes everything at once, with cairn's
-- tags (TagSpecifications) and ctx.token as ClientToken, so a create that
-- is retried after a crash returns the same endpoint; create then waits
-- until EC2 reports the endpoint available (or pendingAcceptance, for a
-- service that accepts connections by hand), and fails with EC2's reason
-- when it reports failed or rejected. Route tables, subnets, security
-- groups, the policy and private DNS change in place through one
-- ModifyVpcEndpoint call (add and remove lists computed from what is
-- live; a policy removed from the template is reset to the service's
-- default, full access). A deleted endpoint lingers in EC2 in state
-- deleted, which read() takes for gone; delete waits until the endpoint
-- and, for an Interface endpoint, its network interfaces are really gone,
-- so the subnets and security groups they used can be deleted right
-- after (EC2 otherwise answers DependencyViolation for minutes).
--
-- As CloudFormation does, an Interface endpoint whose template does not
-- say PrivateDnsEnabled is created with private DNS off (EC2's own
-- default would be on).

local aws = require "cairn.aws"
local P = require "cairn.provider"
local U = require("cairn.aws.ec2").util

local VPCEndpoint = {
  type = "AWS::EC2::VPCEndpoint",
  properties = {
    VpcId = "String!",
    ServiceName = "String",
    VpcEndpointType = "Interface|Gateway|GatewayLoadBalancer",
    PolicyDocument = "PolicyDocument",
    PrivateDnsEnabled = "Boolean",
    RouteTableIds = { "String", set = true },
    SubnetIds = { "String", set = true },
    SecurityGroupIds = { "String", set = true },
    Tags = "Tags",
  },
  create_only = { "VpcId", "ServiceName", "VpcEndpointType" },
  attributes = { "Id", "CreationTimestamp", "DnsEntries", "NetworkInterfaceIds" },
  list_attributes = { "DnsEntries", "NetworkInterfaceIds" },
  ref = nil, -- Ref returns the endpoint id (vpce-...)
  tags = "Tags",
}

-- How long to wait for an endpoint to become available, and for one
-- being deleted (and its network interfaces) to be gone.
local READY_TIMEOUT = 600
local GONE_TIMEOUT = 600

local GONE = { deleted = true, deleting = true }

local function describe(id)
  local e = U.describe_one(aws.ec2.DescribeVpcEndpoints, { VpcEndpointIds = P.array { id } },
    "VpcEndpoints", "InvalidVpcEndpointId.NotFound", "InvalidVpcEndpoint.NotFound")
  if e and GONE[(e.State or ""):lower()] then return nil, e end
  return e
end

local function attrs(e)
  local dns, enis = P.array(), P.array()
  for _, d in ipairs(e.DnsEntries or {}) do
    dns[#dns + 1] = ("%s:%s"):format(d.HostedZoneId or "", d.DnsName or "")
  end
  for _, n in ipairs(e.NetworkInterfaceIds or {}) do enis[#enis + 1] = n end
  local ts = e.CreationTimestamp
  return {
    Id = e.VpcEndpointId,
    CreationTimestamp = ts ~= nil and tostring(ts) or nil,
    DnsEntries = dns,
    NetworkInterfaceIds = enis,
  }
end

local function kind(props)
  return props.VpcEndpointType or "Gateway"
end

-- Waits until the endpoint is ready; raises EC2's reason when it failed.
local function wait_ready(ctx, id)
  return P.wait(ctx, ("VPC endpoint %s to be available"):format(id), function()
    local e = U.visible(ctx, "the new VPC endpoint " .. id, function()
      local r = aws.ec2.DescribeVpcEndpoints { VpcEndpointIds = P.array { id } }
      return r.VpcEndpoints[1]
    end, { "InvalidVpcEndpointId.NotFound" })
    local st = e and (e.State or ""):lower() or "unknown"
    if st == "available" or st == "pendingacceptance" then return e end
    if st == "failed" or st == "rejected" or st == "expired" or GONE[st] then
      local why = e and e.LastError and e.LastError.Message or "EC2 gives no reason"
      error(("VPC endpoint %s is %s: %s"):format(id, e.State, why), 0)
    end
    return nil, e and e.State
  end, { interval = 5, timeout = READY_TIMEOUT })
end

-- Ids in list a that are not in list b.
local function minus(a, b)
  local seen, out = {}, P.array()
  for _, x in ipairs(b or {}) do seen[x] = true end
  for _, x in ipairs(a or {}) do
    if not seen[x] then out[#out + 1] = x end
  end
  return out
end

function VPCEndpoint.create(ctx, props)
  if props.ServiceName == nil then
    error("AWS::EC2::VPCEndpoint needs ServiceName (for example com.amazonaws."
      .. tostring(ctx.region) .. ".s3): cairn does not support service-network or resource "
      .. "endpoints", 0)
  end
  local private_dns = P.bool(props.PrivateDnsEnabled)
  if private_dns == nil and kind(props) == "Interface" then private_dns = false end
  local r = U.visible(ctx, "the endpoint's VPC, subnets, route tables and security groups",
    function()
      return aws.ec2.CreateVpcEndpoint {
        VpcId = props.VpcId,
        ServiceName = props.ServiceName,
        VpcEndpointType = kind(props), -- the API's default, said explicitly
        PolicyDocument = props.PolicyDocument ~= nil and P.json(props.PolicyDocument) or nil,
        PrivateDnsEnabled = private_dns,
        RouteTableIds = props.RouteTableIds and P.array(props.RouteTableIds) or nil,
        SubnetIds = props.SubnetIds and P.array(props.SubnetIds) or nil,
        SecurityGroupIds = props.SecurityGroupIds and P.array(props.SecurityGroupIds) or nil,
        ClientToken = ctx.token,
        TagSpecifications = U.tag_spec(ctx, "vpc-endpoint", props.Tags),
      }
    end, { "InvalidVpcID.NotFound", "InvalidSubnetID.NotFound", "InvalidRouteTableID.NotFound",
      "InvalidGroup.NotFound", "InvalidGroupId.NotFound" })
  local id = r.VpcEndpoint.VpcEndpointId
  local e = wait_ready(ctx, id)
  return id, attrs(e)
end

function VPCEndpoint.read(ctx, id, props)
  local e = describe(id)
  if not e then return nil end
  local groups = P.array()
  for _, g in ipairs(e.Groups or {}) do groups[#groups + 1] = g.GroupId end
  local live = {
    VpcId = e.VpcId,
    ServiceName = e.ServiceName,
    VpcEndpointType = e.VpcEndpointType,
    PolicyDocument = e.PolicyDocument,
    PrivateDnsEnabled = e.PrivateDnsEnabled == true,
    RouteTableIds = P.array(e.RouteTableIds or {}),
    SubnetIds = P.array(e.SubnetIds or {}),
    SecurityGroupIds = groups,
    Tags = P.user_tags(e.Tags),
  }
  return live, attrs(e)
end

function VPCEndpoint.update(ctx, id, new, old)
  local m, any = { VpcEndpointId = id }, false
  for _, l in ipairs {
    { "RouteTableIds", "AddRouteTableIds", "RemoveRouteTableIds" },
    { "SubnetIds", "AddSubnetIds", "RemoveSubnetIds" },
    { "SecurityGroupIds", "AddSecurityGroupIds", "RemoveSecurityGroupIds" },
  } do
    local prop, add, remove = l[1], l[2], l[3]
    if new[prop] ~= nil or old[prop] ~= nil then
      local a, r = minus(new[prop], old[prop]), minus(old[prop], new[prop])
      if #a > 0 then m[add], any = a, true end
      if #r > 0 then m[remove], any = r, true end
    end
  end
  if P.changed("PolicyDocument", new.PolicyDocument, old.PolicyDocument) then
    if new.PolicyDocument ~= nil then
      m.PolicyDocument = P.json(new.PolicyDocument)
    else
      m.ResetPolicy = true
    end
    any = true
  end
  if kind(new) == "Interface" then
    local dns = U.target(P.bool(new.PrivateDnsEnabled), old.PrivateDnsEnabled, false)
    if dns ~= nil and dns ~= P.bool(old.PrivateDnsEnabled) then
      m.PrivateDnsEnabled, any = dns, true
    end
  end
  if any then
    aws.ec2.ModifyVpcEndpoint(m)
  end
  U.update_tags(ctx, id, new.Tags, old.Tags)
  return attrs(any and wait_ready(ctx, id) or describe(id))
end

function VPCEndpoint.delete(ctx, id, props)
  local e = describe(id)
  if not e then return end
  local enis = P.array(e.NetworkInterfaceIds or {})
  local r = aws.ec2.DeleteVpcEndpoints { VpcEndpointIds = P.array { id } }
  for _, u in ipairs(r.Unsuccessful or {}) do
    local code = u.Error and u.Error.Code or "Unknown"
    if code ~= "InvalidVpcEndpoint.NotFound" and code ~= "InvalidVpcEndpointId.NotFound" then
      error(("DeleteVpcEndpoints (ec2): %s: %s"):format(code,
        u.Error and u.Error.Message or "no message"), 0)
    end
  end
  P.wait(ctx, ("VPC endpoint %s to be deleted"):format(id), function()
    local cur, gone = describe(id)
    if cur == nil then return true end
    return nil, (gone or cur).State
  end, { interval = 5, timeout = GONE_TIMEOUT })
  if #enis > 0 then
    P.wait(ctx, ("the network interfaces of VPC endpoint %s to be released"):format(id),
      function()
        local left = U.all(aws.ec2.DescribeNetworkInterfaces,
          { Filters = U.filters { ["network-interface-id"] = enis } }, "NetworkInterfaces")
        if #left == 0 then return true end
        local ids = {}
        for _, n in ipairs(left) do ids[#ids + 1] = n.NetworkInterfaceId end
        return nil, table.concat(ids, ", ") .. " still there"
      end, { interval = 5, timeout = GONE_TIMEOUT })
  end
end

function VPCEndpoint.find(ctx, props)
  return U.find_tagged(ctx, aws.ec2.DescribeVpcEndpoints, "VpcEndpoints", "VpcEndpointId", nil,
    function(e) return not GONE[(e.State or ""):lower()] end)
end

return { VPCEndpoint }
