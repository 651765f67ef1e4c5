-- cairn.policy.aws: questions that span several resources of a stack,
-- shared by the built-in packs.
--
--   local aws = P.aws
--   for _, d in ipairs(aws.principal_documents(stack, role)) do ... end
--   local pols = aws.bucket_policies(stack, bucket.id)
--   local ok = aws.trail_logs_s3_objects(stack, trail, bucket.id, "write")

local P = require "cairn.policy"
local iam = require "cairn.policy.iam"

local A = {}

local PRINCIPAL_TYPES = {
  ["AWS::IAM::Role"] = "Roles", ["AWS::IAM::User"] = "Users", ["AWS::IAM::Group"] = "Groups",
}

-- The AWS managed policy an element of ManagedPolicyArns names
-- ("AdministratorAccess"), also when written with Fn::Sub
-- ("arn:${AWS::Partition}:iam::aws:policy/X"); nil otherwise.
function A.managed_policy_name(v)
  local s = P.shape(v)
  if type(s) ~= "string" then return nil end
  local name = s:match("^arn:[^:]*:iam::aws:policy/(.+)$")
  return name and name:match("([^/]+)$")
end

-- The identity policy documents written in a resource (a role's, user's
-- or group's Policies; an AWS::IAM::Policy's or ManagedPolicy's
-- PolicyDocument): a list of { document, path, resource }.
function A.identity_documents(r)
  local out = {}
  if PRINCIPAL_TYPES[r.type] then
    local pols = r.Properties.Policies
    if pols ~= nil then
      P.known(pols, "Properties.Policies")
      for i, pol in ipairs(pols) do
        local path = string.format("Properties.Policies[%d].PolicyDocument", i - 1)
        if P.is_unknown(pol) then P.known(pol, string.format("Properties.Policies[%d]", i - 1)) end
        out[#out + 1] = { document = pol.PolicyDocument, path = path, resource = r.id }
      end
    end
  elseif r.type == "AWS::IAM::Policy" or r.type == "AWS::IAM::ManagedPolicy" then
    out[1] = { document = r.Properties.PolicyDocument, path = "Properties.PolicyDocument",
               resource = r.id }
  end
  return out
end

-- True when an AWS::IAM::Policy or ManagedPolicy resource lists
-- principal (a role, user or group of this stack) in its Roles, Users or
-- Groups.
function A.attaches_to(stack, pol, principal)
  local field = PRINCIPAL_TYPES[principal.type]
  if not field then return false end
  local list = pol.Properties[field]
  if list == nil then return false end
  if P.is_unknown(list) then return stack:points_to(list, principal.id) end
  for _, v in ipairs(list) do
    if stack:points_to(v, principal.id) then return true end
  end
  return false
end

-- True when a Policy or ManagedPolicy is attached to something: its
-- Roles, Users or Groups are not empty, or (ManagedPolicy) a role, user
-- or group of this stack lists it in ManagedPolicyArns.
function A.is_attached(stack, pol)
  for _, f in ipairs({ "Roles", "Users", "Groups" }) do
    local l = pol.Properties[f]
    if l ~= nil and (P.is_unknown(l) or #l > 0) then return true end
  end
  if pol.type == "AWS::IAM::ManagedPolicy" then
    for _, r in ipairs(stack:referrers(pol.id)) do
      if PRINCIPAL_TYPES[r.type] then
        local arns = r.Properties.ManagedPolicyArns
        if arns ~= nil and not P.is_unknown(arns) then
          for _, a in ipairs(arns) do
            if stack:points_to(a, pol.id) then return true end
          end
        end
      end
    end
  end
  return false
end

-- Every identity policy document that applies to a role, user or group
-- of this stack: its own Policies, the AWS::IAM::Policy and
-- ManagedPolicy resources attached to it (either way round). A list of
-- { document, path, resource } where resource is the logical id holding
-- the document.
function A.principal_documents(stack, principal)
  local out = A.identity_documents(principal)
  local seen = {}
  for _, rtype in ipairs({ "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy" }) do
    for _, pol in ipairs(stack:referrers(principal.id, rtype)) do
      if A.attaches_to(stack, pol, principal) and not seen[pol.id] then
        seen[pol.id] = true
        out[#out + 1] = { document = pol.Properties.PolicyDocument,
                          path = "Properties.PolicyDocument", resource = pol.id }
      end
    end
  end
  local arns = principal.Properties.ManagedPolicyArns
  if arns ~= nil and not P.is_unknown(arns) then
    for _, a in ipairs(arns) do
      local id = stack:target(a, "AWS::IAM::ManagedPolicy")
      if id and not seen[id] then
        seen[id] = true
        local pol = stack:resource(id)
        out[#out + 1] = { document = pol.Properties.PolicyDocument,
                          path = "Properties.PolicyDocument", resource = id }
      end
    end
  end
  return out
end

-- The parsed statements of principal_documents, each with .resource set
-- to the logical id holding it. Malformed documents raise an error.
function A.principal_statements(stack, principal)
  local out = {}
  for _, d in ipairs(A.principal_documents(stack, principal)) do
    local doc, err = iam.parse(d.document, d.path)
    if not doc then error(d.resource .. " " .. d.path .. ": " .. err, 0) end
    for _, s in ipairs(doc.Statement) do
      s.resource = d.resource
      out[#out + 1] = s
    end
  end
  return out
end

-- The AWS::S3::BucketPolicy resources of this stack whose Bucket is the
-- given bucket.
function A.bucket_policies(stack, bucket_id)
  local out = {}
  for _, bp in ipairs(stack:referrers(bucket_id, "AWS::S3::BucketPolicy")) do
    if stack:points_to(bp.Properties.Bucket, bucket_id) then out[#out + 1] = bp end
  end
  return out
end

-- The bucket of this stack a trail delivers to (logical id), or nil.
function A.trail_bucket(stack, trail)
  return stack:target(trail.Properties.S3BucketName, "AWS::S3::Bucket")
end

-- True when a data-resource value of an event selector covers every
-- object of the bucket: "arn:aws:s3" / "arn:aws:s3:::" (all buckets) or
-- the bucket's ARN followed by "/" (literal or built with Sub/Join/GetAtt).
local function covers_bucket(stack, v, bucket_id)
  local s, exact = P.shape(v)
  if type(s) ~= "string" then return false end
  if exact and (s:match("^arn:[^:]+:s3$") or s:match("^arn:[^:]+:s3:::$")) then return true end
  if s:sub(-1) ~= "/" then return false end
  if exact then
    return stack:target(s:sub(1, -2), "AWS::S3::Bucket") == bucket_id
  end
  return stack:points_to(v, bucket_id)
end

local function rw_ok(rwt, mode)
  rwt = rwt and P.str(rwt) or "All"
  if rwt == "All" then return true end
  if mode == "write" then return rwt == "WriteOnly" end
  return rwt == "ReadOnly"
end

local function field_values(fs, key)
  local v = fs[key]
  if v == nil then return nil end
  P.known(v, key)
  return v
end

-- True when a trail records S3 object-level events of the given mode
-- ("write" or "read") for every object of the bucket, through
-- EventSelectors or AdvancedEventSelectors.
function A.trail_logs_s3_objects(stack, trail, bucket_id, mode)
  local props = trail.Properties
  for _, sel in ipairs(P.list(props.EventSelectors)) do
    if rw_ok(sel.ReadWriteType, mode) then
      for _, dr in ipairs(P.list(sel.DataResources)) do
        if P.str(dr.Type) == "AWS::S3::Object" then
          for _, v in ipairs(P.list(dr.Values)) do
            if covers_bucket(stack, v, bucket_id) then return true end
          end
        end
      end
    end
  end
  for _, sel in ipairs(P.list(props.AdvancedEventSelectors)) do
    local category, rtype, readonly, arns, excluded, partial = nil, nil, nil, nil, false, false
    for _, fs in ipairs(P.list(sel.FieldSelectors)) do
      local field = P.str(fs.Field)
      if field == "eventCategory" then
        category = field_values(fs, "Equals")
      elseif field == "resources.type" then
        rtype = field_values(fs, "Equals")
      elseif field == "readOnly" then
        readonly = field_values(fs, "Equals")
      elseif field == "resources.ARN" then
        local sw = field_values(fs, "StartsWith")
        if sw then arns = sw end
        for _, k in ipairs({ "NotStartsWith", "NotEquals" }) do
          for _, v in ipairs(field_values(fs, k) or {}) do
            if covers_bucket(stack, v, bucket_id) then excluded = true end
          end
        end
        if fs.Equals ~= nil or fs.EndsWith ~= nil then partial = true end
      elseif field == "eventName" or field == "eventSource" then
        partial = true
      end
    end
    local function has(list, x)
      for _, v in ipairs(list or {}) do
        if P.str(v) == x then return true end
      end
      return false
    end
    local mode_ok = readonly == nil or (mode == "write" and has(readonly, "false")) or
                    (mode == "read" and has(readonly, "true"))
    if has(category, "Data") and has(rtype, "AWS::S3::Object") and mode_ok and not excluded and
        not partial then
      if arns == nil then return true end
      for _, v in ipairs(arns) do
        if covers_bucket(stack, v, bucket_id) then return true end
      end
    end
  end
  return false
end

-- True when a trail records S3 object events for buckets it does not name
-- (a data resource "arn:aws:s3", or an advanced selector without an ARN
-- condition): such a trail may cover any bucket of the stack.
local function covers_unnamed_buckets(trail)
  local props = trail.Properties
  for _, sel in ipairs(P.list(props.EventSelectors)) do
    for _, dr in ipairs(P.list(sel.DataResources)) do
      if P.str(dr.Type) == "AWS::S3::Object" then
        for _, v in ipairs(P.list(dr.Values)) do
          local s, exact = P.shape(v)
          if exact and type(s) == "string" and s:match("^arn:[^:]+:s3") then return true end
        end
      end
    end
  end
  return #P.list(props.AdvancedEventSelectors) > 0
end

local trail_cache = setmetatable({}, { __mode = "k" })

-- The trails of this stack (and, live, of the account) that may record a
-- bucket's object events: those that name it (they refer to it) and those
-- that cover buckets they do not name. Also returns whether the bucket
-- receives a trail's own log files. Computed per stack once for the
-- trails that name no bucket, so that judging every bucket stays linear.
function A.trails_for_bucket(stack, bucket_id)
  local c = trail_cache[stack]
  if not c then
    c = { unnamed = {}, all = stack:resources("AWS::CloudTrail::Trail") }
    for _, t in ipairs(c.all) do
      if covers_unnamed_buckets(t) then c.unnamed[#c.unnamed + 1] = t end
    end
    trail_cache[stack] = c
  end
  local out, seen, destination = {}, {}, false
  for _, t in ipairs(stack:referrers(bucket_id, "AWS::CloudTrail::Trail")) do
    if A.trail_bucket(stack, t) == bucket_id then destination = true end
    seen[t.id] = true
    out[#out + 1] = t
  end
  for _, t in ipairs(c.unnamed) do
    if not seen[t.id] then out[#out + 1] = t end
  end
  return out, destination, #c.all
end

-- The AWS::EC2::FlowLog resources of this stack that log a VPC, with the
-- traffic they capture.
function A.vpc_flow_logs(stack, vpc_id)
  local out = {}
  for _, fl in ipairs(stack:referrers(vpc_id, "AWS::EC2::FlowLog")) do
    local rt = P.str(fl.Properties.ResourceType)
    if (rt == nil or rt == "VPC") and stack:points_to(fl.Properties.ResourceId, vpc_id) then
      out[#out + 1] = fl
    end
  end
  return out
end

local READONLY_MANAGED = {
  ReadOnlyAccess = true, SecurityAudit = true, ViewOnlyAccess = true,
  AWSCloudTrail_ReadOnlyAccess = true, AmazonS3ReadOnlyAccess = true,
  AmazonSageMakerReadOnly = true,
}

-- True when a role or user is meant to be read-only: tagged
-- cairn:access = read-only, or its logical id, name or description says
-- read-only, auditor or viewer, or it has an AWS read-only managed policy.
function A.is_read_only(r)
  for _, t in ipairs(P.list(r.Properties.Tags)) do
    if not P.is_unknown(t) and P.str(t.Key) == "cairn:access" then
      return P.str(t.Value) == "read-only"
    end
  end
  local function says(v)
    if type(v) ~= "string" then return false end
    local l = v:lower()
    return l:find("read[-_ ]?only") or l:find("auditor") or l:find("viewer") or false
  end
  local name = r.Properties.RoleName or r.Properties.UserName
  if says(r.id) or says(name) or says(r.Properties.Description) then return true end
  local arns = r.Properties.ManagedPolicyArns
  if arns ~= nil and not P.is_unknown(arns) then
    for _, a in ipairs(arns) do
      if READONLY_MANAGED[A.managed_policy_name(a) or ""] then return true end
    end
  end
  return false
end

-- The live document's account_data field (docs/internals/policy-engine.md):
-- its value, or raises "could not decide" naming what the audit did not
-- collect. what is a phrase for the message ("the password policy").
function A.account_field(stack, field, what)
  local data = stack:account_data()
  if data == nil then
    P.undecided_error("the account's " .. what .. " is only known to a live audit " ..
                      "(cairn audit fills account_data)", "")
  end
  local v = data[field]
  if v == nil then
    P.undecided_error("the audit did not collect " .. what .. " (account_data." .. field .. ")", "")
  end
  return v
end

-- The trails the live audit collected (account_data.trails), as
-- resource-like tables { id, type, Properties = {EventSelectors,
-- AdvancedEventSelectors, IsLogging, IsMultiRegionTrail, ...}, entry },
-- or nil when there are none collected.
function A.account_trails(stack)
  local data = stack:account_data()
  if data == nil or data.trails == nil then return nil end
  local out = {}
  for _, t in ipairs(data.trails) do
    local status = t.Status or {}
    out[#out + 1] = {
      id = t.Name or t.TrailARN or "trail",
      type = "AWS::CloudTrail::Trail",
      entry = t,
      Properties = {
        S3BucketName = t.S3BucketName,
        IsMultiRegionTrail = t.IsMultiRegionTrail,
        IsLogging = status.IsLogging,
        EnableLogFileValidation = t.LogFileValidationEnabled,
        KMSKeyId = t.KmsKeyId,
        EventSelectors = t.EventSelectors,
        AdvancedEventSelectors = t.AdvancedEventSelectors,
      },
    }
  end
  return out
end

-- True when a trail records every management event, read and write
-- (EventSelectors or AdvancedEventSelectors; none means all). Returns
-- false and the path at fault otherwise.
function A.trail_logs_management(trail)
  local props = trail.Properties
  local sels, adv = props.EventSelectors, props.AdvancedEventSelectors
  if (sels == nil or #P.list(sels) == 0) and (adv == nil or #P.list(adv) == 0) then
    return true
  end
  for _, sel in ipairs(P.list(sels)) do
    local include = sel.IncludeManagementEvents
    local rwt = sel.ReadWriteType and P.str(sel.ReadWriteType) or "All"
    local excluded = sel.ExcludeManagementEventSources
    if P.bool(include) ~= false and rwt == "All" and #P.list(excluded) == 0 then
      return true
    end
  end
  for _, sel in ipairs(P.list(adv)) do
    local management, restricted = false, false
    for _, fs in ipairs(P.list(sel.FieldSelectors)) do
      local field = P.str(fs.Field)
      if field == "eventCategory" then
        for _, v in ipairs(P.list(fs.Equals)) do
          if P.str(v) == "Management" then management = true end
        end
      elseif field ~= nil then
        restricted = true
      end
    end
    if management and not restricted then return true end
  end
  return false, sels ~= nil and "Properties.EventSelectors" or "Properties.AdvancedEventSelectors"
end

return A
