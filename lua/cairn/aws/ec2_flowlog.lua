-- EC2 networking, part 4: AWS::EC2::FlowLog (VPC, subnet, network
-- interface and transit gateway flow logs, delivered to CloudWatch Logs,
-- S3 or Kinesis Data Firehose).
--
-- How it works. A flow log cannot be changed once made: every property
-- but Tags is create-only, so cairn replaces it, as CloudFormation does.
-- CreateFlowLogs takes one resource here (the physical id is the flow log
-- id, fl-...), with cairn's tags and ctx.token as ClientToken. It reports
-- per-resource failures in its Unsuccessful list rather than as an error;
-- those are raised with EC2's code and message. A delivery role or bucket
-- made a moment ago may not yet be usable by EC2: such failures are
-- retried for a bounded time, said in ctx.log. On a replacement whose
-- new flow log would duplicate the old one (same resource and
-- destination: EC2 refuses that), the old one, which this resource is
-- replacing anyway (ctx.exclude), is deleted first.

local aws = require "cairn.aws"
local P = require "cairn.provider"
local U = require("cairn.aws.ec2").util

local FlowLog = {
  type = "AWS::EC2::FlowLog",
  properties = {
    ResourceId = "String!",
    ResourceType = "NetworkInterface|Subnet|VPC|TransitGateway|TransitGatewayAttachment!",
    TrafficType = "ACCEPT|ALL|REJECT",
    LogDestinationType = "cloud-watch-logs|s3|kinesis-data-firehose",
    LogDestination = "String",
    LogGroupName = "String",
    LogFormat = "String",
    MaxAggregationInterval = "Integer",
    DeliverLogsPermissionArn = "String",
    DeliverCrossAccountRole = "String",
    DestinationOptions = {
      FileFormat = "plain-text|parquet!",
      HiveCompatiblePartitions = "Boolean!",
      PerHourPartition = "Boolean!",
    },
    Tags = "Tags",
  },
  create_only = { "ResourceId", "ResourceType", "TrafficType", "LogDestinationType",
    "LogDestination", "LogGroupName", "LogFormat", "MaxAggregationInterval",
    "DeliverLogsPermissionArn", "DeliverCrossAccountRole", "DestinationOptions" },
  attributes = { "Id" },
  ref = nil, -- Ref returns the flow log id (fl-...)
  tags = "Tags",
}

-- Resource types by id prefix, longest first.
local PREFIXES = {
  { "tgw-attach-", "TransitGatewayAttachment" }, { "tgw-", "TransitGateway" },
  { "vpc-", "VPC" }, { "subnet-", "Subnet" }, { "eni-", "NetworkInterface" },
}

local function resource_type(id)
  for _, p in ipairs(PREFIXES) do
    if id:sub(1, #p[1]) == p[1] then return p[2] end
  end
  return nil
end

local function describe(id)
  local ok, r = pcall(aws.ec2.DescribeFlowLogs, { FlowLogIds = P.array { id } })
  if not ok then
    if P.is(r, "InvalidFlowLogId.NotFound") then return nil end
    error(r, 0)
  end
  return (r.FlowLogs or {})[1]
end

-- The flow logs of resource rid (any destination).
local function of_resource(rid)
  return U.all(aws.ec2.DescribeFlowLogs, { Filter = U.filters { ["resource-id"] = rid } },
    "FlowLogs")
end

local function same_destination(f, props)
  if props.LogDestination ~= nil then
    return f.LogDestination == props.LogDestination
      or (f.LogDestination or ""):gsub(":%*$", "") == props.LogDestination:gsub(":%*$", "")
  end
  return props.LogGroupName ~= nil and f.LogGroupName == props.LogGroupName
end

-- Failures EC2 reports while a delivery role, bucket or log group made a
-- moment ago is not yet usable.
local function not_yet_usable(code, message)
  local m = (message or ""):lower()
  return code == "AccessDenied" or m:find("assum", 1, true) ~= nil
    or m:find("does not exist", 1, true) ~= nil or m:find("access error", 1, true) ~= nil
end

local function create_once(ctx, props)
  local opts = props.DestinationOptions
  local r = aws.ec2.CreateFlowLogs {
    ResourceType = props.ResourceType,
    ResourceIds = P.array { props.ResourceId },
    TrafficType = props.TrafficType,
    LogDestinationType = props.LogDestinationType,
    LogDestination = props.LogDestination,
    LogGroupName = props.LogGroupName,
    LogFormat = props.LogFormat,
    MaxAggregationInterval = P.int(props.MaxAggregationInterval),
    DeliverLogsPermissionArn = props.DeliverLogsPermissionArn,
    DeliverCrossAccountRole = props.DeliverCrossAccountRole,
    DestinationOptions = opts and {
      FileFormat = opts.FileFormat,
      HiveCompatiblePartitions = P.bool(opts.HiveCompatiblePartitions),
      PerHourPartition = P.bool(opts.PerHourPartition),
    } or nil,
    ClientToken = ctx.token,
    TagSpecifications = U.tag_spec(ctx, "vpc-flow-log", props.Tags),
  }
  local u = (r.Unsuccessful or {})[1]
  if u then
    local code = u.Error and u.Error.Code or "Unknown"
    local err = setmetatable({ code = code, message = u.Error and u.Error.Message },
      { __tostring = function(e)
        return ("CreateFlowLogs (ec2): %s: %s (resource %s)"):format(e.code,
          tostring(e.message), tostring(u.ResourceId))
      end })
    error(err, 0)
  end
  local id = (r.FlowLogIds or {})[1]
  if not id then error("CreateFlowLogs (ec2) returned no flow log id", 0) end
  return id
end

function FlowLog.create(ctx, props)
  local waited = 0
  while true do
    local ok, r = pcall(create_once, ctx, props)
    if ok then return r, { Id = r } end
    if P.is(r, "FlowLogAlreadyExists") then
      -- the old flow log of a replacement (ctx.exclude) goes first
      local old
      for _, f in ipairs(of_resource(props.ResourceId)) do
        if P.excluded(ctx, f.FlowLogId) and same_destination(f, props) then old = f.FlowLogId end
      end
      if not old then
        P.fail(r, ("%s already has a flow log to this destination that this resource did not "
          .. "make: delete it, or choose another destination"):format(props.ResourceId))
      end
      ctx.log(("deleting %s first: EC2 refuses two flow logs of %s to one destination"):format(
        old, props.ResourceId))
      aws.ec2.DeleteFlowLogs { FlowLogIds = P.array { old } }
    elseif type(r) == "table" and not_yet_usable(r.code, r.message) then
      if waited >= U.VISIBLE_TIMEOUT then
        P.fail(r, ("waited %ds for the destination and role to be usable: check that "
          .. "LogDestination (or LogGroupName) exists, and that DeliverLogsPermissionArn names a "
          .. "role vpc-flow-logs.amazonaws.com may assume"):format(waited))
      end
      ctx.log(("waiting for the flow log's destination or role to be usable (%s, %ds so far)")
        :format(tostring(r.code), waited))
      aws.sleep(5)
      waited = waited + 5
    else
      error(r, 0)
    end
  end
end

function FlowLog.read(ctx, id, props)
  local f = describe(id)
  if not f then return nil end
  local opts = f.DestinationOptions
  local live = {
    ResourceId = f.ResourceId,
    ResourceType = resource_type(f.ResourceId or "") or (props and props.ResourceType),
    TrafficType = f.TrafficType,
    LogDestinationType = f.LogDestinationType,
    LogDestination = f.LogDestination,
    LogGroupName = f.LogGroupName,
    LogFormat = f.LogFormat,
    MaxAggregationInterval = f.MaxAggregationInterval,
    DeliverLogsPermissionArn = f.DeliverLogsPermissionArn,
    DeliverCrossAccountRole = f.DeliverCrossAccountRole,
    DestinationOptions = opts and {
      FileFormat = opts.FileFormat,
      HiveCompatiblePartitions = opts.HiveCompatiblePartitions == true,
      PerHourPartition = opts.PerHourPartition == true,
    } or nil,
    Tags = P.user_tags(f.Tags),
  }
  -- a CloudWatch Logs group ARN with or without the ":*" EC2 may add
  if props and props.LogDestination and live.LogDestination
      and same_destination(f, { LogDestination = props.LogDestination }) then
    live.LogDestination = props.LogDestination
  end
  return live, { Id = id }
end

function FlowLog.update(ctx, id, new, old)
  U.update_tags(ctx, id, new.Tags, old.Tags)
  return { Id = id }
end

function FlowLog.delete(ctx, id, props)
  local ok, r = pcall(aws.ec2.DeleteFlowLogs, { FlowLogIds = P.array { id } })
  if not ok then
    if P.is(r, "InvalidFlowLogId.NotFound") then return end
    error(r, 0)
  end
  for _, u in ipairs(r.Unsuccessful or {}) do
    local code = u.Error and u.Error.Code or "Unknown"
    if code ~= "InvalidFlowLogId.NotFound" then
      error(("DeleteFlowLogs (ec2): %s: %s"):format(code,
        u.Error and u.Error.Message or "no message"), 0)
    end
  end
end

function FlowLog.find(ctx, props)
  local items = U.all(aws.ec2.DescribeFlowLogs, { Filter = U.ours(ctx) }, "FlowLogs")
  for _, f in ipairs(items) do
    if not P.excluded(ctx, f.FlowLogId) and P.is_ours(ctx, f.Tags) then return f.FlowLogId end
  end
  return nil
end

return { FlowLog }
