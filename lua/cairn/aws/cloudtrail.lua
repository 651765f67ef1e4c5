-- AWS::CloudTrail::Trail: a CloudTrail trail, its event and insight
-- selectors, and whether it is logging.
--
-- The declarative part (schema, attributes, Ref, the generated name) is
-- what the type registry reads; the lifecycle functions (create, read,
-- update, delete, find) are the provider runtime's and are added beside
-- it. Property names, kinds and create-only properties follow
-- CloudFormation's resource schema (a test checks them against the schemas
-- cfn-lint ships); docs/resources/CloudTrail-Trail.md says what each
-- property does.
--
-- A trail is spread over five APIs: CreateTrail/UpdateTrail/GetTrail
-- (destination, scope, validation, encryption, CloudWatch Logs),
-- PutEventSelectors/GetEventSelectors, PutInsightSelectors/
-- GetInsightSelectors, StartLogging/StopLogging/GetTrailStatus
-- (IsLogging), and AddTags/RemoveTags/ListTags. read puts them back
-- together in CloudFormation's shape.

local aws = require "cairn.aws"
local P = require "cairn.provider"

local DATA_RESOURCE_TYPES = "AWS::Lambda::Function|AWS::S3::Object|AWS::DynamoDB::Table|"
  .. "AWS::S3Outposts::Object|AWS::ManagedBlockchain::Node|AWS::S3ObjectLambda::AccessPoint|"
  .. "AWS::EC2::Snapshot|AWS::S3::AccessPoint|AWS::DynamoDB::Stream"

local Trail = {
  type = "AWS::CloudTrail::Trail",
  properties = {
    TrailName = "String",
    S3BucketName = "String!",
    S3KeyPrefix = "String",
    IsLogging = "Boolean!",
    IsMultiRegionTrail = "Boolean",
    IncludeGlobalServiceEvents = "Boolean",
    EnableLogFileValidation = "Boolean",
    KMSKeyId = "String",
    CloudWatchLogsLogGroupArn = "String",
    CloudWatchLogsRoleArn = "String",
    SnsTopicName = "String",
    EventSelectors = {
      {
        DataResources = {
          { Type = DATA_RESOURCE_TYPES .. "!", Values = { "String", set = true } },
          set = true,
        },
        ExcludeManagementEventSources = { "String", set = true },
        IncludeManagementEvents = "Boolean",
        ReadWriteType = "All|ReadOnly|WriteOnly",
      },
      set = true,
    },
    AdvancedEventSelectors = {
      {
        Name = "String",
        FieldSelectors = P.required {
          {
            Field = "String!",
            Equals = { "String", set = true },
            StartsWith = { "String", set = true },
            EndsWith = { "String", set = true },
            NotEquals = { "String", set = true },
            NotStartsWith = { "String", set = true },
            NotEndsWith = { "String", set = true },
          },
          set = true,
        },
      },
      set = true,
    },
    InsightSelectors = {
      {
        InsightType = "ApiCallRateInsight|ApiErrorRateInsight",
        EventCategories = { "Management|Data", set = true },
      },
      set = true,
    },
    Tags = "Tags",
  },
  create_only = { "TrailName" },
  attributes = { "Arn", "SnsTopicArn" },
  ref = nil, -- Ref returns the trail name (the physical id)
  tags = "Tags",
  name = { property = "TrailName", max = 128 },
}

-- ---- helpers -------------------------------------------------------------

-- What CloudTrail answers while something a trail needs is not (yet) in
-- place: the bucket policy that lets cloudtrail.amazonaws.com write, the
-- key policy that lets it encrypt, the topic policy, the role CloudWatch
-- Logs delivery assumes. A policy put by the same apply takes a moment to
-- count, so these are retried for a while; the last error says what to
-- fix.
local NOT_YET = {
  "InsufficientS3BucketPolicyException", "InsufficientEncryptionPolicyException",
  "InsufficientSnsTopicPolicyException", "InvalidCloudWatchLogsRoleArnException",
  "InvalidCloudWatchLogsLogGroupArnException", "S3BucketDoesNotExistException",
  "KmsKeyNotFoundException",
}

local ADVICE = {
  InsufficientS3BucketPolicyException = "the bucket policy of S3BucketName must allow the "
    .. "service principal cloudtrail.amazonaws.com s3:GetBucketAcl on the bucket and s3:PutObject "
    .. "on <bucket>/<S3KeyPrefix>/AWSLogs/<account>/* (docs/resources/CloudTrail-Trail.md shows one)",
  InsufficientEncryptionPolicyException = "the key policy of KMSKeyId must allow "
    .. "cloudtrail.amazonaws.com kms:GenerateDataKey* and kms:DescribeKey",
  InsufficientSnsTopicPolicyException = "the topic policy of SnsTopicName must allow "
    .. "cloudtrail.amazonaws.com sns:Publish",
  InvalidCloudWatchLogsRoleArnException = "CloudWatchLogsRoleArn must be a role that "
    .. "cloudtrail.amazonaws.com may assume, allowed logs:CreateLogStream and logs:PutLogEvents "
    .. "on the log group",
  InvalidCloudWatchLogsLogGroupArnException = "CloudWatchLogsLogGroupArn must be the ARN of an "
    .. "existing log group (arn:...:log-group:<name>:*), with CloudWatchLogsRoleArn beside it",
}

local function with_retry(ctx, what, fn)
  local ok, err = pcall(P.retry, ctx, what, fn, { codes = NOT_YET, timeout = 60 })
  if ok then return err end
  local advice = ADVICE[P.code(err) or ""]
  if advice then P.fail(err, advice) end
  error(err, 0)
end

local function user_tags_to_ct(tags)
  local out = P.array()
  for _, t in ipairs(tags or {}) do out[#out + 1] = { Key = t.Key, Value = t.Value } end
  return out
end

local function get_trail(name)
  local ok, r = pcall(aws.cloudtrail.GetTrail, { Name = name })
  if ok then return r.Trail end
  if P.not_found(r, "TrailNotFoundException") then return nil end
  error(r, 0)
end

local function trail_tags(arn)
  local r = aws.cloudtrail.ListTags { ResourceIdList = { arn } }
  for _, rt in ipairs(r.ResourceTagList or {}) do
    if rt.ResourceId == arn or #r.ResourceTagList == 1 then return rt.TagsList or P.array() end
  end
  return P.array()
end

-- An empty string is how UpdateTrail clears a setting, and how some
-- answers say it is not set.
local function str(v)
  if v == nil or v == "" then return nil end
  return v
end

-- SnsTopicArn is "" for a trail without a topic (so that a reference to
-- it resolves, as after the topic is removed from the template).
local function attrs(t)
  return { Arn = t.TrailARN, SnsTopicArn = str(t.SnsTopicARN) or "" }
end

-- CloudTrail reports KmsKeyId as the key's ARN; the template may name the
-- key by id, ARN, alias name or alias ARN. Returns the template's value
-- when it names the key that is live.
local function same_key(ctx, desired, live)
  if desired == nil or live == nil or desired == live then return live end
  if live:match(":key/(.+)$") == desired then return desired end
  local ok, r = pcall(aws.kms.DescribeKey, { KeyId = desired })
  if ok and r.KeyMetadata and r.KeyMetadata.Arn == live then return desired end
  return live
end

-- The topic: CloudTrail takes a name or an ARN, and reports both.
local function same_topic(desired, name, arn)
  if desired ~= nil and (desired == name or desired == arn
      or (arn and desired == arn:match("([^:]+)$"))) then
    return desired
  end
  return name or (arn and arn:match("([^:]+)$"))
end

-- The event selector AWS gives a trail that has none: every management
-- event, read and write. What removing EventSelectors (and
-- AdvancedEventSelectors) from the template puts back.
local function default_selectors()
  return P.array { { ReadWriteType = "All", IncludeManagementEvents = true } }
end

-- A list, or nil when empty (CloudTrail reports [] for what was not set).
local function some(t)
  if t == nil or #t == 0 then return nil end
  return P.array(table.move(t, 1, #t, 1, {}))
end

local function selectors_to_api(list_)
  local out = P.array()
  for _, s in ipairs(list_ or {}) do
    local drs
    if some(s.DataResources) then
      drs = P.array()
      for _, d in ipairs(s.DataResources) do
        drs[#drs + 1] = { Type = d.Type, Values = some(d.Values) }
      end
    end
    local include = s.IncludeManagementEvents
    if include == nil then include = true end -- CloudTrail's default
    out[#out + 1] = {
      ReadWriteType = s.ReadWriteType or "All",
      IncludeManagementEvents = P.bool(include),
      DataResources = drs,
      ExcludeManagementEventSources = some(s.ExcludeManagementEventSources),
    }
  end
  return out
end

local FIELD_OPS = { "Equals", "StartsWith", "EndsWith", "NotEquals", "NotStartsWith", "NotEndsWith" }

local function advanced_to_api(list_)
  local out = P.array()
  for _, s in ipairs(list_ or {}) do
    local fs = P.array()
    for _, f in ipairs(s.FieldSelectors or {}) do
      local x = { Field = f.Field }
      for _, op in ipairs(FIELD_OPS) do x[op] = some(f[op]) end
      fs[#fs + 1] = x
    end
    out[#out + 1] = { Name = s.Name, FieldSelectors = fs }
  end
  return out
end

local function insights_to_api(list_)
  local out = P.array()
  for _, s in ipairs(list_ or {}) do
    out[#out + 1] = {
      InsightType = s.InsightType,
      EventCategories = some(s.EventCategories),
    }
  end
  return out
end

local function differs(a, b)
  return P.changed(nil, a, b) or P.changed(nil, b, a)
end

-- CloudTrail refuses both kinds of selectors at once
-- (InvalidParameterCombinationException): said before any call.
local function check_selectors(props)
  if props.AdvancedEventSelectors and #props.AdvancedEventSelectors > 0
      and props.EventSelectors and #props.EventSelectors > 0 then
    error("PutEventSelectors (cloudtrail): a trail has EventSelectors or "
      .. "AdvancedEventSelectors, not both: keep one of them in the template", 0)
  end
end

local function put_selectors(ctx, name, new)
  if new.AdvancedEventSelectors and #new.AdvancedEventSelectors > 0 then
    aws.cloudtrail.PutEventSelectors {
      TrailName = name, AdvancedEventSelectors = advanced_to_api(new.AdvancedEventSelectors),
    }
  elseif new.EventSelectors and #new.EventSelectors > 0 then
    aws.cloudtrail.PutEventSelectors {
      TrailName = name, EventSelectors = selectors_to_api(new.EventSelectors),
    }
  else
    aws.cloudtrail.PutEventSelectors { TrailName = name, EventSelectors = default_selectors() }
  end
end

local function put_insights(ctx, name, list_)
  aws.cloudtrail.PutInsightSelectors { TrailName = name, InsightSelectors = insights_to_api(list_) }
end

-- ---- lifecycle -----------------------------------------------------------

function Trail.create(ctx, props)
  local name = props.TrailName
  check_selectors(props)
  -- CloudTrail refuses a name in use (TrailAlreadyExistsException); look
  -- first all the same, to say what to do (and because an emulator may
  -- not refuse)
  if get_trail(name) ~= nil then
    error(("CreateTrail (cloudtrail): TrailAlreadyExistsException: a trail named %s already "
      .. "exists and cairn did not make it: give TrailName another value, or leave it out and "
      .. "cairn generates one"):format(name), 0)
  end
  local r = with_retry(ctx, "CloudTrail to accept the trail's destinations", function()
    return aws.cloudtrail.CreateTrail {
      Name = name,
      S3BucketName = props.S3BucketName,
      S3KeyPrefix = str(props.S3KeyPrefix),
      SnsTopicName = str(props.SnsTopicName),
      IncludeGlobalServiceEvents = P.bool(props.IncludeGlobalServiceEvents),
      IsMultiRegionTrail = P.bool(props.IsMultiRegionTrail),
      EnableLogFileValidation = P.bool(props.EnableLogFileValidation),
      CloudWatchLogsLogGroupArn = str(props.CloudWatchLogsLogGroupArn),
      CloudWatchLogsRoleArn = str(props.CloudWatchLogsRoleArn),
      KmsKeyId = str(props.KMSKeyId),
      TagsList = user_tags_to_ct(P.tags_with(ctx, props.Tags)),
    }
  end)
  -- the trail exists from here on; what follows is configuration, which an
  -- interrupted run completes by adopting the trail and updating it
  if props.EventSelectors or props.AdvancedEventSelectors then put_selectors(ctx, name, props) end
  if props.InsightSelectors and #props.InsightSelectors > 0 then
    put_insights(ctx, name, props.InsightSelectors)
  end
  if P.bool(props.IsLogging) then aws.cloudtrail.StartLogging { Name = name } end
  return name, attrs(r)
end

function Trail.read(ctx, id, props)
  props = props or {}
  local t = get_trail(id)
  if t == nil then return nil end
  local live = {
    TrailName = t.Name,
    S3BucketName = t.S3BucketName,
    S3KeyPrefix = str(t.S3KeyPrefix),
    IsMultiRegionTrail = t.IsMultiRegionTrail == true,
    IncludeGlobalServiceEvents = t.IncludeGlobalServiceEvents == true,
    EnableLogFileValidation = t.LogFileValidationEnabled == true,
    KMSKeyId = same_key(ctx, props.KMSKeyId, str(t.KmsKeyId)),
    CloudWatchLogsLogGroupArn = str(t.CloudWatchLogsLogGroupArn),
    CloudWatchLogsRoleArn = str(t.CloudWatchLogsRoleArn),
    SnsTopicName = same_topic(props.SnsTopicName, str(t.SnsTopicName), str(t.SnsTopicARN)),
  }
  live.IsLogging = aws.cloudtrail.GetTrailStatus { Name = id }.IsLogging == true
  local es = aws.cloudtrail.GetEventSelectors { TrailName = id }
  if es.AdvancedEventSelectors and #es.AdvancedEventSelectors > 0 then
    live.AdvancedEventSelectors = es.AdvancedEventSelectors
  else
    live.EventSelectors = es.EventSelectors or P.array()
  end
  local ok, ins = pcall(aws.cloudtrail.GetInsightSelectors, { TrailName = id })
  if ok then
    live.InsightSelectors = ins.InsightSelectors or P.array()
  elseif P.is(ins, "InsightNotEnabledException") then
    live.InsightSelectors = P.array()
  else
    error(ins, 0)
  end
  live.Tags = P.user_tags(trail_tags(t.TrailARN))
  return live, attrs(t)
end

-- UpdateTrail's parameter for each property it changes, and the value a
-- property removed from the template goes back to (CloudTrail clears a
-- string with "").
local UPDATABLE = {
  { prop = "S3BucketName", param = "S3BucketName", kind = "String" },
  { prop = "S3KeyPrefix", param = "S3KeyPrefix", kind = "String", default = "" },
  { prop = "SnsTopicName", param = "SnsTopicName", kind = "String", default = "" },
  { prop = "KMSKeyId", param = "KmsKeyId", kind = "String", default = "" },
  { prop = "IncludeGlobalServiceEvents", param = "IncludeGlobalServiceEvents", kind = "Boolean", default = true },
  { prop = "IsMultiRegionTrail", param = "IsMultiRegionTrail", kind = "Boolean", default = false },
  { prop = "EnableLogFileValidation", param = "EnableLogFileValidation", kind = "Boolean", default = false },
}

function Trail.update(ctx, id, new, old)
  check_selectors(new)
  local arn = (get_trail(id) or {}).TrailARN
  if ctx.adopt and arn then
    -- made by an interrupted create (CreateTrail tags it: this only makes sure)
    aws.cloudtrail.AddTags { ResourceId = arn, TagsList = user_tags_to_ct(P.tags_with(ctx, new.Tags)) }
  end
  local params, any = { Name = id }, false
  for _, u in ipairs(UPDATABLE) do
    if P.changed(u.kind, new[u.prop], old[u.prop]) then
      local v = new[u.prop]
      if v == nil then v = u.default end
      if u.kind == "Boolean" then v = P.bool(v) end
      params[u.param] = v
      any = true
    end
  end
  -- the log group and the role CloudTrail assumes to write to it go together
  if P.changed("String", new.CloudWatchLogsLogGroupArn, old.CloudWatchLogsLogGroupArn)
      or P.changed("String", new.CloudWatchLogsRoleArn, old.CloudWatchLogsRoleArn) then
    params.CloudWatchLogsLogGroupArn = new.CloudWatchLogsLogGroupArn or ""
    params.CloudWatchLogsRoleArn = new.CloudWatchLogsRoleArn or ""
    any = true
  end
  if any then
    -- a multi-Region trail must include global service events: when both
    -- change, send both (CloudTrail checks the pair)
    if params.IsMultiRegionTrail ~= nil and params.IncludeGlobalServiceEvents == nil then
      local g = new.IncludeGlobalServiceEvents
      if g == nil then g = true end
      params.IncludeGlobalServiceEvents = P.bool(g)
    end
    local r = with_retry(ctx, "CloudTrail to accept the trail's destinations", function()
      return aws.cloudtrail.UpdateTrail(params)
    end)
    arn = r.TrailARN or arn
  end
  -- selectors compare in their API form, both ways (P.changed alone
  -- would not see a key removed from inside a selector)
  if differs(selectors_to_api(new.EventSelectors), selectors_to_api(old.EventSelectors))
      or differs(advanced_to_api(new.AdvancedEventSelectors),
        advanced_to_api(old.AdvancedEventSelectors)) then
    put_selectors(ctx, id, new)
  end
  if differs(insights_to_api(new.InsightSelectors), insights_to_api(old.InsightSelectors)) then
    put_insights(ctx, id, new.InsightSelectors)
  end
  if P.changed("Boolean", new.IsLogging, old.IsLogging) then
    if P.bool(new.IsLogging) then
      aws.cloudtrail.StartLogging { Name = id }
    else
      aws.cloudtrail.StopLogging { Name = id }
    end
  end
  if arn and P.changed("Tags", new.Tags or P.array(), old.Tags) then
    local removed = P.removed_tag_keys(new.Tags, old.Tags)
    if #removed > 0 then
      local keys = P.array()
      for _, k in ipairs(removed) do keys[#keys + 1] = { Key = k } end
      aws.cloudtrail.RemoveTags { ResourceId = arn, TagsList = keys }
    end
    aws.cloudtrail.AddTags { ResourceId = arn, TagsList = user_tags_to_ct(P.tags_with(ctx, new.Tags)) }
  end
  return attrs(get_trail(id) or {})
end

function Trail.delete(ctx, id, props)
  local ok, err = pcall(aws.cloudtrail.DeleteTrail, { Name = id })
  if ok or P.not_found(err, "TrailNotFoundException") then return end
  error(err, 0)
end

-- The trail an interrupted create made: the recorded name exists and
-- carries this resource's cairn tags (CreateTrail tags it), or no cairn
-- tags and a name cairn generated.
function Trail.find(ctx, props)
  local name = props and props.TrailName
  if not name or P.excluded(ctx, name) then return nil end
  local t = get_trail(name)
  if t == nil then return nil end
  local tags = trail_tags(t.TrailARN)
  if P.is_ours(ctx, tags) then return name end
  if P.cairn_tags(tags) == nil and ctx.name_generated then return name end
  return nil
end

return { Trail }
