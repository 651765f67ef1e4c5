-- The SageMaker resource types: the model registry (AWS::SageMaker::
-- ModelPackageGroup with its resource policy, AWS::SageMaker::ModelPackage
-- with its approval gate), hosting (AWS::SageMaker::Model, EndpointConfig,
-- Endpoint), AWS::SageMaker::NotebookInstance and AWS::SageMaker::Domain.
--
-- The declarative part of each type (schema, create-only properties,
-- attributes, Ref, generated names) is what the type registry reads; the
-- lifecycle functions are the provider runtime's. Property names, kinds
-- and create-only properties follow CloudFormation's resource schemas (a
-- test checks them against the schemas cfn-lint ships); Ref and GetAtt are
-- what CloudFormation documents: Ref gives the ARN of every type except the
-- Domain (its id).
--
-- How it works. SageMaker's API takes CloudFormation's property shapes
-- almost unchanged, so each create passes the template's values through,
-- coerced to the kinds the API wants (CloudFormation accepts "5" for an
-- Integer: see coerce). The physical id is what the API addresses a
-- resource by: the name (models, endpoint configs, endpoints, notebook
-- instances, model package groups), the ARN (model packages, which are
-- versions without names) or the domain id. Tags go into every create
-- call, so whatever SageMaker holds for us carries cairn:stack and
-- cairn:logical-id and find() recognises it after an interrupted apply.
--
-- SageMaker is slow and eventually consistent, and every wait here is
-- bounded and explained through ctx.log (await): endpoints take minutes to
-- become InService (a Failed one is deleted again and reported with its
-- FailureReason, as CloudFormation rolls back); notebook instances must be
-- stopped to be updated or deleted (stop, update, start); domains and
-- model package groups go through Pending and Deleting states. A role
-- created moments earlier in the same apply may not yet be assumable by
-- SageMaker (IAM propagation): creates that pass a role retry that error
-- for a bounded time (with_role) instead of failing.
--
-- SageMaker reports a missing resource as a ValidationException whose
-- message says so ("Could not find model", "RecordNotFound", "does not
-- exist"), or as ResourceNotFound for domains: missing() knows both.

local aws = require "cairn.aws"
local P = require "cairn.provider"

-- ---- shared schema pieces --------------------------------------------------
--
-- Built by functions so no table is shared between two places of a schema
-- (P.required marks the table it is given).

local function s3_data_source()
  return {
    S3DataSource = P.required {
      CompressionType = "None|Gzip!",
      S3DataType = "S3Prefix|S3Object!",
      S3Uri = "String!",
      ModelAccessConfig = { AcceptEula = "Boolean!" },
    },
  }
end

-- ContainerDefinition of AWS::SageMaker::Model.
local function model_container()
  return {
    ContainerHostname = "String",
    Environment = { ["*"] = "String" },
    Image = "String",
    ImageConfig = {
      RepositoryAccessMode = "Platform|Vpc!",
      RepositoryAuthConfig = { RepositoryCredentialsProviderArn = "String!" },
    },
    InferenceSpecificationName = "String",
    Mode = "SingleModel|MultiModel",
    ModelDataSource = s3_data_source(),
    ModelDataUrl = "String",
    ModelPackageName = "String",
    MultiModelConfig = { ModelCacheSetting = "Enabled|Disabled" },
  }
end

-- ModelPackageContainerDefinition of AWS::SageMaker::ModelPackage.
local function package_container()
  local ds = s3_data_source()
  ds.S3DataSource["!"] = nil -- optional inside a model package's ModelDataSource
  return {
    ContainerHostname = "String",
    Environment = { ["*"] = "String" },
    Framework = "String",
    FrameworkVersion = "String",
    Image = "String!",
    ImageDigest = "String",
    ModelDataSource = ds,
    ModelDataUrl = "String",
    ModelInput = { DataInputConfig = "String!" },
    NearestModelName = "String",
  }
end

-- MetricsSource: a report in S3.
local function metrics(content_type_required)
  return {
    ContentDigest = "String",
    ContentType = content_type_required and "String!" or "String",
    S3Uri = "String!",
  }
end

local function variant()
  return {
    VariantName = "String!",
    ModelName = "String",
    InitialInstanceCount = "Integer",
    InitialVariantWeight = "Double",
    InstanceType = "String",
    VolumeSizeInGB = "Integer",
    ModelDataDownloadTimeoutInSeconds = "Integer",
    ContainerStartupHealthCheckTimeoutInSeconds = "Integer",
    EnableSSMAccess = "Boolean",
    InferenceAmiVersion = "String",
    ServerlessConfig = {
      MaxConcurrency = "Integer!",
      MemorySizeInMB = "Integer!",
      ProvisionedConcurrency = "Integer",
    },
    ManagedInstanceScaling = {
      MaxInstanceCount = "Integer",
      MinInstanceCount = "Integer",
      Status = "String",
    },
    RoutingConfig = { RoutingStrategy = "String" },
  }
end

local function resource_spec()
  return {
    InstanceType = "String",
    LifecycleConfigArn = "String",
    SageMakerImageArn = "String",
    SageMakerImageVersionArn = "String",
  }
end

-- ---- values ------------------------------------------------------------------

-- props as the API wants them, by the type's schema: Integer "5" -> 5,
-- Double "0.5" -> 0.5, Boolean "true" -> true, a number given for a
-- String -> "5", lists as JSON arrays even when empty. Other values pass
-- through unchanged.
local function coerce(schema, v, path)
  if v == nil then return nil end
  if type(schema) == "string" then
    local kind = schema:gsub("!$", "")
    if kind == "Integer" then
      local ok, n = pcall(P.int, v)
      if not ok then error(("%s: %s is not an integer"):format(path, tostring(v)), 0) end
      return n
    elseif kind == "Double" then
      local n = tonumber(v)
      if n == nil then error(("%s: %s is not a number"):format(path, tostring(v)), 0) end
      return n
    elseif kind == "Boolean" then
      local ok, b = pcall(P.bool, v)
      if not ok then error(("%s: %s is not a boolean (true or false)"):format(path, tostring(v)), 0) end
      return b
    elseif kind == "Tags" or kind == "Json" or kind == "PolicyDocument" then
      return v
    end
    if type(v) == "number" then
      local i = math.tointeger(v)
      return i and tostring(i) or tostring(v)
    end
    if type(v) == "boolean" then return tostring(v) end
    return v
  end
  if type(v) ~= "table" then return v end
  if schema[1] ~= nil then
    local out = P.array()
    for i, x in ipairs(v) do out[i] = coerce(schema[1], x, ("%s[%d]"):format(path, i)) end
    return out
  end
  local out = {}
  if schema["*"] ~= nil then
    for k, x in pairs(v) do out[k] = coerce(schema["*"], x, path .. "." .. tostring(k)) end
    return out
  end
  for k, x in pairs(v) do
    local s = schema[k]
    out[k] = s ~= nil and coerce(s, x, path .. "." .. tostring(k)) or x
  end
  return out
end

-- True when lists of strings a and b hold the same values, in any order.
local function same_set(a, b)
  local x, y = {}, {}
  for _, v in ipairs(a or {}) do x[#x + 1] = tostring(v) end
  for _, v in ipairs(b or {}) do y[#y + 1] = tostring(v) end
  if #x ~= #y then return false end
  table.sort(x)
  table.sort(y)
  for i = 1, #x do
    if x[i] ~= y[i] then return false end
  end
  return true
end

-- live in the order desired gives when both hold the same strings: AWS
-- may report ids in another order than they were given, which is no change.
local function desired_order(desired, live)
  if type(desired) == "table" and type(live) == "table" and same_set(desired, live) then
    local out = P.array()
    for i, v in ipairs(desired) do out[i] = v end
    return out
  end
  return live
end

local function props_of(T, props)
  return coerce(T.properties, props or {}, T.type)
end

-- The last path segment of an ARN ("arn:...:model-package-group/g" -> "g");
-- a name is returned unchanged.
local function arn_name(s)
  if type(s) ~= "string" or s:sub(1, 4) ~= "arn:" then return s end
  return s:match("/([^/]+)$") or s
end

-- The group as the template named it when it is the group AWS reports:
-- CreateModelPackage takes a group name or ARN (and Ref of a group gives
-- its ARN), DescribeModelPackage answers with the name. SageMaker ARNs
-- hold names in lower case.
local function same_group(desired, live)
  if type(desired) == "string" and type(live) == "string"
      and arn_name(desired):lower() == live:lower() then
    return desired
  end
  return live
end

-- ---- errors ----------------------------------------------------------------------

local function message(err)
  return type(err) == "table" and tostring(err.message or "") or tostring(err)
end

local MISSING = { "does not exist", "not found", "could not find", "cannot find", "recordnotfound" }

-- True when err says the resource is not there.
local function missing(err)
  if P.is(err, "ResourceNotFound", "ResourceNotFoundException") then return true end
  if not P.is(err, "ValidationException") then return false end
  local m = message(err):lower()
  for _, p in ipairs(MISSING) do
    if m:find(p, 1, true) then return true end
  end
  return false
end

local function exists_already(err)
  if P.is(err, "ResourceInUse", "ResourceInUseException") then return true end
  if not P.is(err, "ValidationException", "ConflictException") then return false end
  local m = message(err):lower()
  return m:find("already exist", 1, true) ~= nil or m:find("duplicate", 1, true) ~= nil
end

-- Raises err, explaining a name clash. optional: the template may leave
-- the name out (cairn then generates one).
local function create_failed(err, what, name, prop, optional)
  if exists_already(err) then
    P.fail(err, ("a %s named %s already exists and cairn did not make it: give %s another "
      .. "value%s"):format(what, tostring(name), prop,
      optional and ", or leave it out and cairn generates one" or ""))
  end
  error(err, 0)
end

-- The result of describe operation op, or nil when the resource is gone.
local function describe(op, params)
  local ok, r = pcall(aws.sagemaker[op], params)
  if ok then return r end
  if missing(r) then return nil end
  error(r, 0)
end

-- ---- waiting -----------------------------------------------------------------------

-- Polls check() until it returns a true value (returned), for at most
-- timeout seconds: first after 1 s, then ever less often up to every 30 s
-- (an endpoint takes minutes, a model package group a second). check may
-- return nil, "what it is doing now", which ctx.log shows.
local function await(ctx, what, timeout, check)
  local waited, delay = 0, 1
  while true do
    local v, state = check()
    if v then return v end
    if waited >= timeout then
      error(("timed out after %ds waiting for %s (last seen: %s); it may still finish: "
        .. "run the command again later"):format(waited, what, tostring(state or "not ready")), 0)
    end
    if ctx.log then
      ctx.log(("waiting for %s: %s (%ds so far)"):format(what, tostring(state or "not ready"), waited))
    end
    aws.sleep(delay)
    waited = waited + delay
    delay = math.min(delay * 2, 30)
  end
end

-- SageMaker refuses a role it cannot assume yet with a ValidationException
-- ("Could not assume role ..."). A role made moments earlier in the same
-- apply is the usual cause (IAM is eventually consistent): fn is retried for
-- up to ROLE_WAIT seconds before the error stands.
local ROLE_WAIT = 120

local function assume_error(err)
  return P.is(err, "ValidationException") and message(err):lower():find("assume", 1, true) ~= nil
end

local function with_role(ctx, role, fn)
  local waited, delay = 0, 2
  while true do
    local r = table.pack(pcall(fn))
    if r[1] then return table.unpack(r, 2, r.n) end
    local err = r[2]
    if not assume_error(err) then error(err, 0) end
    if waited >= ROLE_WAIT then
      P.fail(err, ("SageMaker still cannot assume %s after %ds: check that the role exists and "
        .. "that its trust policy lets sagemaker.amazonaws.com call sts:AssumeRole"):format(
        tostring(role or "the role"), waited))
    end
    if ctx.log then
      ctx.log(("waiting for IAM to let SageMaker assume %s (a new role takes a while to "
        .. "propagate; %ds so far)"):format(tostring(role or "the role"), waited))
    end
    aws.sleep(delay)
    waited = waited + delay
    delay = math.min(delay * 2, 15)
  end
end

-- ---- tags --------------------------------------------------------------------------

local function list_tags(arn)
  local out, token = P.array(), nil
  repeat
    local r = aws.sagemaker.ListTags { ResourceArn = arn, NextToken = token, MaxResults = 100 }
    for _, t in ipairs(r.Tags or {}) do out[#out + 1] = t end
    token = r.NextToken
  until token == nil or token == ""
  return out
end

-- Makes the user's tags on arn what new says (cairn's own are kept, and
-- put again when an interrupted create is adopted: ctx.adopt).
local function update_tags(ctx, arn, new, old)
  if not ctx.adopt and not P.changed("Tags", new or P.array(), old) then return end
  local removed = P.removed_tag_keys(new, old)
  if #removed > 0 then aws.sagemaker.DeleteTags { ResourceArn = arn, TagKeys = removed } end
  aws.sagemaker.AddTags { ResourceArn = arn, Tags = P.tags_with(ctx, new) }
end

-- True when arn exists and carries this stack's and logical id's tags.
local function ours(ctx, arn)
  local ok, tags = pcall(list_tags, arn)
  if not ok then
    if missing(tags) then return false end
    error(tags, 0)
  end
  return P.is_ours(ctx, tags)
end

-- ===========================================================================
-- AWS::SageMaker::ModelPackageGroup
-- ===========================================================================

local Group = {
  type = "AWS::SageMaker::ModelPackageGroup",
  properties = {
    ModelPackageGroupName = "String!",
    ModelPackageGroupDescription = "String",
    ModelPackageGroupPolicy = "PolicyDocument",
    Tags = "Tags",
  },
  create_only = { "ModelPackageGroupName", "ModelPackageGroupDescription" },
  attributes = { "ModelPackageGroupArn", "CreationTime", "ModelPackageGroupStatus" },
  ref = "ModelPackageGroupArn",
  tags = "Tags",
  -- the name is required, so never generated; declaring it tells the
  -- engine to delete the old group before making its replacement
  name = { property = "ModelPackageGroupName", max = 63 },
}

-- The physical id is the group's name.

local function group_attrs(d)
  return {
    ModelPackageGroupArn = d.ModelPackageGroupArn,
    CreationTime = d.CreationTime,
    ModelPackageGroupStatus = d.ModelPackageGroupStatus,
  }
end

local function group_describe(name)
  return describe("DescribeModelPackageGroup", { ModelPackageGroupName = name })
end

local function group_ready(ctx, name)
  return await(ctx, ("model package group %s to be ready"):format(name), 600, function()
    local d = group_describe(name)
    if not d then
      error(("model package group %s disappeared while cairn waited for it"):format(name), 0)
    end
    local s = d.ModelPackageGroupStatus
    if s == "Completed" then return d end
    if s == "Failed" or s == "DeleteFailed" or s == "Deleting" then
      error(("model package group %s is %s"):format(name, tostring(s)), 0)
    end
    return nil, s
  end)
end

local function group_policy(name)
  local ok, r = pcall(aws.sagemaker.GetModelPackageGroupPolicy, { ModelPackageGroupName = name })
  if ok then return r.ResourcePolicy end
  if missing(r) then return nil end -- "Cannot find resource policy"
  error(r, 0)
end

local function set_group_policy(name, policy)
  if policy ~= nil then
    aws.sagemaker.PutModelPackageGroupPolicy {
      ModelPackageGroupName = name, ResourcePolicy = P.json(policy),
    }
    return
  end
  local ok, err = pcall(aws.sagemaker.DeleteModelPackageGroupPolicy, { ModelPackageGroupName = name })
  if not ok and not missing(err) then error(err, 0) end
end

function Group.create(ctx, props)
  local p = props_of(Group, props)
  local name = p.ModelPackageGroupName
  local ok, err = pcall(aws.sagemaker.CreateModelPackageGroup, {
    ModelPackageGroupName = name,
    ModelPackageGroupDescription = p.ModelPackageGroupDescription,
    Tags = P.tags_with(ctx, p.Tags),
  })
  if not ok then create_failed(err, "model package group", name, "ModelPackageGroupName") end
  local d = group_ready(ctx, name)
  if p.ModelPackageGroupPolicy ~= nil then set_group_policy(name, p.ModelPackageGroupPolicy) end
  return name, group_attrs(d)
end

function Group.read(ctx, id, props)
  local d = group_describe(id)
  if not d or d.ModelPackageGroupStatus == "Deleting" then return nil end
  local live = {
    ModelPackageGroupName = d.ModelPackageGroupName,
    ModelPackageGroupDescription = d.ModelPackageGroupDescription,
    ModelPackageGroupPolicy = group_policy(id),
    Tags = P.user_tags(list_tags(d.ModelPackageGroupArn)),
  }
  return live, group_attrs(d)
end

function Group.update(ctx, id, new, old)
  local p = props_of(Group, new)
  if ctx.adopt then group_ready(ctx, id) end -- finish what create does
  if P.changed("PolicyDocument", p.ModelPackageGroupPolicy, old.ModelPackageGroupPolicy) then
    set_group_policy(id, p.ModelPackageGroupPolicy)
  end
  local d = group_describe(id)
  if not d then error(("model package group %s no longer exists"):format(id), 0) end
  update_tags(ctx, d.ModelPackageGroupArn, p.Tags, old.Tags)
  return group_attrs(d)
end

-- Deleting a group is asynchronous (Deleting, then gone): wait, so a
-- replacement with the same name can be made at once.
function Group.delete(ctx, id, props)
  local cur = group_describe(id)
  if not cur then return end
  local ok, err = true, nil
  if cur.ModelPackageGroupStatus ~= "Deleting" then
    ok, err = pcall(aws.sagemaker.DeleteModelPackageGroup, { ModelPackageGroupName = id })
  end
  if not ok then
    if missing(err) then return end
    if P.is(err, "ConflictException") or (P.is(err, "ValidationException")
        and message(err):lower():find("model package", 1, true)) then
      P.fail(err, ("model package group %s still holds model packages that cairn did not make "
        .. "(or that another stack manages): delete them first, or set DeletionPolicy: Retain"):format(id))
    end
    error(err, 0)
  end
  await(ctx, ("model package group %s to be deleted"):format(id), 600, function()
    local d = group_describe(id)
    if not d then return true end
    if d.ModelPackageGroupStatus == "DeleteFailed" then
      error(("DeleteModelPackageGroup (sagemaker): model package group %s is DeleteFailed"):format(id), 0)
    end
    return nil, d.ModelPackageGroupStatus
  end)
end

function Group.find(ctx, props)
  local name = props and props.ModelPackageGroupName
  if not name or P.excluded(ctx, name) then return nil end
  local d = group_describe(name)
  if not d or d.ModelPackageGroupStatus == "Deleting" then return nil end
  if ours(ctx, d.ModelPackageGroupArn) then return name end
  return nil
end

-- ===========================================================================
-- AWS::SageMaker::ModelPackage
-- ===========================================================================

local Package = {
  type = "AWS::SageMaker::ModelPackage",
  properties = {
    ModelPackageGroupName = "String",
    ModelPackageDescription = "String",
    InferenceSpecification = {
      Containers = P.required { package_container() },
      SupportedContentTypes = P.required { "String" },
      SupportedResponseMIMETypes = P.required { "String" },
      SupportedRealtimeInferenceInstanceTypes = { "String" },
      SupportedTransformInstanceTypes = { "String" },
    },
    ModelApprovalStatus = "Approved|Rejected|PendingManualApproval",
    ApprovalDescription = "String",
    MetadataProperties = {
      CommitId = "String",
      GeneratedBy = "String",
      ProjectId = "String",
      Repository = "String",
    },
    CustomerMetadataProperties = { ["*"] = "String" },
    ModelMetrics = {
      Bias = {
        Report = metrics(true),
        PreTrainingReport = metrics(true),
        PostTrainingReport = metrics(true),
      },
      Explainability = { Report = metrics(true) },
      ModelDataQuality = { Constraints = metrics(true), Statistics = metrics(true) },
      ModelQuality = { Constraints = metrics(true), Statistics = metrics(true) },
    },
    DriftCheckBaselines = {
      Bias = {
        ConfigFile = metrics(false),
        PreTrainingConstraints = metrics(true),
        PostTrainingConstraints = metrics(true),
      },
      Explainability = { ConfigFile = metrics(false), Constraints = metrics(true) },
      ModelDataQuality = { Constraints = metrics(true), Statistics = metrics(true) },
      ModelQuality = { Constraints = metrics(true), Statistics = metrics(true) },
    },
    Domain = "String",
    Task = "String",
    SamplePayloadUrl = "String",
    Tags = "Tags",
  },
  create_only = {
    "ModelPackageGroupName", "ModelPackageDescription", "InferenceSpecification",
    "MetadataProperties", "ModelMetrics", "DriftCheckBaselines", "Domain", "Task",
    "SamplePayloadUrl",
  },
  attributes = { "ModelPackageArn", "CreationTime", "LastModifiedTime", "ModelPackageStatus" },
  ref = "ModelPackageArn",
  tags = "Tags",
}

-- The physical id is the package's ARN (a version in its group: .../name/3).

local function package_attrs(d)
  return {
    ModelPackageArn = d.ModelPackageArn,
    CreationTime = d.CreationTime,
    LastModifiedTime = d.LastModifiedTime or d.CreationTime,
    ModelPackageStatus = d.ModelPackageStatus,
  }
end

local function package_describe(arn)
  return describe("DescribeModelPackage", { ModelPackageName = arn })
end

-- Why a model package failed, from its validation and scan statuses.
local function package_failure(d)
  local why = {}
  local details = d.ModelPackageStatusDetails or {}
  for _, list in ipairs { details.ValidationStatuses or {}, details.ImageScanStatuses or {} } do
    for _, s in ipairs(list) do
      if s.Status == "Failed" then why[#why + 1] = s.FailureReason or s.Name end
    end
  end
  return #why > 0 and table.concat(why, "; ") or "no reason given"
end

-- Waits until a new package is Completed; a Failed one is deleted again.
local function package_ready(ctx, arn)
  return await(ctx, ("model package %s to be ready"):format(arn), 600, function()
    local x = package_describe(arn)
    if not x then return nil, "not visible yet" end
    if x.ModelPackageStatus == "Completed" then return x end
    if x.ModelPackageStatus == "Failed" then
      local why = package_failure(x)
      pcall(aws.sagemaker.DeleteModelPackage, { ModelPackageName = arn })
      error(("CreateModelPackage (sagemaker): model package %s failed: %s; cairn deleted it: "
        .. "fix the inference specification and apply again"):format(arn, why), 0)
    end
    return nil, x.ModelPackageStatus
  end)
end

function Package.create(ctx, props)
  local p = props_of(Package, props)
  if not p.ModelPackageGroupName then
    error("ModelPackageGroupName is required: cairn supports versioned model packages (a "
      .. "version in a model package group, the model registry), not unversioned Marketplace "
      .. "packages", 0)
  end
  local r = aws.sagemaker.CreateModelPackage {
    ModelPackageGroupName = p.ModelPackageGroupName,
    ModelPackageDescription = p.ModelPackageDescription,
    InferenceSpecification = p.InferenceSpecification,
    ModelApprovalStatus = p.ModelApprovalStatus,
    MetadataProperties = p.MetadataProperties,
    CustomerMetadataProperties = p.CustomerMetadataProperties,
    ModelMetrics = p.ModelMetrics,
    DriftCheckBaselines = p.DriftCheckBaselines,
    Domain = p.Domain,
    Task = p.Task,
    SamplePayloadUrl = p.SamplePayloadUrl,
    ClientToken = ctx.token,
    Tags = P.tags_with(ctx, p.Tags),
  }
  local arn = r.ModelPackageArn
  local d = package_ready(ctx, arn)
  -- CreateModelPackage has no ApprovalDescription
  if p.ApprovalDescription ~= nil then
    aws.sagemaker.UpdateModelPackage { ModelPackageArn = arn, ApprovalDescription = p.ApprovalDescription }
    d = package_describe(arn) or d
  end
  return arn, package_attrs(d)
end

function Package.read(ctx, id, props)
  local d = package_describe(id)
  if not d or d.ModelPackageStatus == "Deleting" then return nil end
  local live = {
    ModelPackageGroupName = same_group(props and props.ModelPackageGroupName, d.ModelPackageGroupName),
    ModelPackageDescription = d.ModelPackageDescription,
    InferenceSpecification = d.InferenceSpecification,
    ModelApprovalStatus = d.ModelApprovalStatus,
    ApprovalDescription = d.ApprovalDescription,
    MetadataProperties = d.MetadataProperties,
    CustomerMetadataProperties = d.CustomerMetadataProperties,
    ModelMetrics = d.ModelMetrics,
    DriftCheckBaselines = d.DriftCheckBaselines,
    Domain = d.Domain,
    Task = d.Task,
    SamplePayloadUrl = d.SamplePayloadUrl,
    Tags = P.user_tags(list_tags(id)),
  }
  return live, package_attrs(d)
end

-- The approval gate: ModelApprovalStatus (PendingManualApproval ->
-- Approved or Rejected), its description and the customer metadata change
-- in place with UpdateModelPackage. A status the template no longer sets
-- stays as it is (an approval cannot be unset).
function Package.update(ctx, id, new, old)
  local p = props_of(Package, new)
  if ctx.adopt then package_ready(ctx, id) end -- finish what create does
  local u, any = { ModelPackageArn = id }, false
  if p.ModelApprovalStatus ~= nil and P.changed("String", p.ModelApprovalStatus, old.ModelApprovalStatus) then
    u.ModelApprovalStatus, any = p.ModelApprovalStatus, true
  end
  if p.ApprovalDescription ~= nil and P.changed("String", p.ApprovalDescription, old.ApprovalDescription) then
    u.ApprovalDescription, any = p.ApprovalDescription, true
  end
  local want, have = p.CustomerMetadataProperties or {}, old.CustomerMetadataProperties or {}
  local put, remove, nput = {}, P.array(), 0
  for k, v in pairs(want) do
    if have[k] ~= v then put[k], nput = v, nput + 1 end
  end
  for k in pairs(have) do
    if want[k] == nil then remove[#remove + 1] = k end
  end
  table.sort(remove)
  if nput > 0 then u.CustomerMetadataProperties, any = put, true end
  if #remove > 0 then u.CustomerMetadataPropertiesToRemove, any = remove, true end
  if any then aws.sagemaker.UpdateModelPackage(u) end
  update_tags(ctx, id, p.Tags, old.Tags)
  local d = package_describe(id)
  if not d then error(("model package %s no longer exists"):format(id), 0) end
  return package_attrs(d)
end

function Package.delete(ctx, id, props)
  local cur = package_describe(id)
  if not cur then return end
  local ok, err = true, nil
  if cur.ModelPackageStatus ~= "Deleting" then
    ok, err = pcall(aws.sagemaker.DeleteModelPackage, { ModelPackageName = id })
  end
  if not ok then
    if missing(err) then return end
    error(err, 0)
  end
  -- its group can only go once it is really gone
  await(ctx, ("model package %s to be deleted"):format(id), 600, function()
    local d = package_describe(id)
    if not d then return true end
    return nil, d.ModelPackageStatus
  end)
end

-- The version an interrupted create made: the one in the group tagged with
-- this stack and logical id that the state does not know.
function Package.find(ctx, props)
  local group = props and props.ModelPackageGroupName
  if not group then return nil end
  local token
  repeat
    local ok, r = pcall(aws.sagemaker.ListModelPackages, {
      ModelPackageGroupName = group, NextToken = token, MaxResults = 100,
    })
    if not ok then
      if missing(r) then return nil end
      error(r, 0)
    end
    for _, s in ipairs(r.ModelPackageSummaryList or {}) do
      local arn = s.ModelPackageArn
      if arn and not P.excluded(ctx, arn) and s.ModelPackageStatus ~= "Deleting" and ours(ctx, arn) then
        return arn
      end
    end
    token = r.NextToken
  until token == nil or token == ""
  return nil
end

-- ===========================================================================
-- AWS::SageMaker::Model
-- ===========================================================================

local Model = {
  type = "AWS::SageMaker::Model",
  properties = {
    ModelName = "String",
    ExecutionRoleArn = "String",
    PrimaryContainer = model_container(),
    Containers = { model_container(), set = true },
    VpcConfig = {
      SecurityGroupIds = P.required { "String", set = true },
      Subnets = P.required { "String", set = true },
    },
    EnableNetworkIsolation = "Boolean",
    InferenceExecutionConfig = { Mode = "Serial|Direct!" },
    Tags = "Tags",
  },
  create_only = {
    "ModelName", "ExecutionRoleArn", "PrimaryContainer", "Containers", "VpcConfig",
    "EnableNetworkIsolation", "InferenceExecutionConfig",
  },
  attributes = { "ModelArn", "ModelName" },
  ref = "ModelArn",
  tags = "Tags",
  name = { property = "ModelName", max = 63 },
}

-- The physical id is the model's name. A model cannot change: everything
-- but its tags replaces it.

local function model_attrs(d)
  return { ModelArn = d.ModelArn, ModelName = d.ModelName }
end

local function model_describe(name)
  return describe("DescribeModel", { ModelName = name })
end

function Model.create(ctx, props)
  local p = props_of(Model, props)
  local params = {
    ModelName = p.ModelName,
    ExecutionRoleArn = p.ExecutionRoleArn,
    PrimaryContainer = p.PrimaryContainer,
    Containers = p.Containers,
    VpcConfig = p.VpcConfig,
    EnableNetworkIsolation = p.EnableNetworkIsolation,
    InferenceExecutionConfig = p.InferenceExecutionConfig,
    Tags = P.tags_with(ctx, p.Tags),
  }
  local ok, r = pcall(with_role, ctx, p.ExecutionRoleArn, function()
    return aws.sagemaker.CreateModel(params)
  end)
  if not ok then create_failed(r, "model", p.ModelName, "ModelName", true) end
  return p.ModelName, { ModelArn = r.ModelArn, ModelName = p.ModelName }
end

function Model.read(ctx, id, props)
  local d = model_describe(id)
  if not d then return nil end
  local live = {
    ModelName = d.ModelName,
    ExecutionRoleArn = d.ExecutionRoleArn,
    PrimaryContainer = d.PrimaryContainer,
    Containers = d.Containers,
    VpcConfig = d.VpcConfig,
    EnableNetworkIsolation = d.EnableNetworkIsolation == true,
    InferenceExecutionConfig = d.InferenceExecutionConfig,
    Tags = P.user_tags(list_tags(d.ModelArn)),
  }
  return live, model_attrs(d)
end

function Model.update(ctx, id, new, old)
  local d = model_describe(id)
  if not d then error(("model %s no longer exists"):format(id), 0) end
  update_tags(ctx, d.ModelArn, props_of(Model, new).Tags, old.Tags)
  return model_attrs(d)
end

function Model.delete(ctx, id, props)
  local ok, err = pcall(aws.sagemaker.DeleteModel, { ModelName = id })
  if ok or missing(err) then return end
  error(err, 0)
end

function Model.find(ctx, props)
  local name = props and props.ModelName
  if not name or P.excluded(ctx, name) then return nil end
  local d = model_describe(name)
  if d and ours(ctx, d.ModelArn) then return name end
  return nil
end

-- ===========================================================================
-- AWS::SageMaker::EndpointConfig
-- ===========================================================================

local EndpointConfig = {
  type = "AWS::SageMaker::EndpointConfig",
  properties = {
    EndpointConfigName = "String",
    ProductionVariants = P.required { variant() },
    KmsKeyId = "String",
    DataCaptureConfig = {
      CaptureOptions = P.required { { CaptureMode = "String!" } },
      DestinationS3Uri = "String!",
      InitialSamplingPercentage = "Integer!",
      EnableCapture = "Boolean",
      KmsKeyId = "String",
      CaptureContentTypeHeader = {
        CsvContentTypes = { "String" },
        JsonContentTypes = { "String" },
      },
    },
    AsyncInferenceConfig = {
      ClientConfig = { MaxConcurrentInvocationsPerInstance = "Integer" },
      OutputConfig = P.required {
        KmsKeyId = "String",
        S3OutputPath = "String",
        S3FailurePath = "String",
        NotificationConfig = {
          ErrorTopic = "String",
          SuccessTopic = "String",
          IncludeInferenceResponseIn = { "String" },
        },
      },
    },
    EnableNetworkIsolation = "Boolean",
    ExecutionRoleArn = "String",
    VpcConfig = {
      SecurityGroupIds = P.required { "String" },
      Subnets = P.required { "String" },
    },
    Tags = "Tags",
  },
  create_only = {
    "EndpointConfigName", "ProductionVariants", "KmsKeyId", "DataCaptureConfig",
    "AsyncInferenceConfig", "EnableNetworkIsolation", "ExecutionRoleArn", "VpcConfig",
  },
  attributes = { "Id", "EndpointConfigName" },
  ref = "Id", -- the ARN, as CloudFormation's Ref
  -- CloudFormation's schema does not declare this type taggable (a test
  -- checks `tags` against it), though Tags is a property that updates in
  -- place: cairn tags it all the same.
  tags = nil,
  name = { property = "EndpointConfigName", max = 63 },
}

-- The physical id is the configuration's name. Like a model, a
-- configuration cannot change: everything but its tags replaces it (an
-- endpoint moves to the new one with UpdateEndpoint).

local function config_attrs(d)
  return { Id = d.EndpointConfigArn, EndpointConfigName = d.EndpointConfigName }
end

local function config_describe(name)
  return describe("DescribeEndpointConfig", { EndpointConfigName = name })
end

function EndpointConfig.create(ctx, props)
  local p = props_of(EndpointConfig, props)
  local params = {
    EndpointConfigName = p.EndpointConfigName,
    ProductionVariants = p.ProductionVariants,
    KmsKeyId = p.KmsKeyId,
    DataCaptureConfig = p.DataCaptureConfig,
    AsyncInferenceConfig = p.AsyncInferenceConfig,
    EnableNetworkIsolation = p.EnableNetworkIsolation,
    ExecutionRoleArn = p.ExecutionRoleArn,
    VpcConfig = p.VpcConfig,
    Tags = P.tags_with(ctx, p.Tags),
  }
  local ok, r = pcall(with_role, ctx, p.ExecutionRoleArn, function()
    return aws.sagemaker.CreateEndpointConfig(params)
  end)
  if not ok then create_failed(r, "endpoint configuration", p.EndpointConfigName, "EndpointConfigName", true) end
  return p.EndpointConfigName, { Id = r.EndpointConfigArn, EndpointConfigName = p.EndpointConfigName }
end

function EndpointConfig.read(ctx, id, props)
  local d = config_describe(id)
  if not d then return nil end
  local vpc = d.VpcConfig
  if vpc and props and props.VpcConfig then
    vpc = {
      SecurityGroupIds = desired_order(props.VpcConfig.SecurityGroupIds, vpc.SecurityGroupIds),
      Subnets = desired_order(props.VpcConfig.Subnets, vpc.Subnets),
    }
  end
  local live = {
    EndpointConfigName = d.EndpointConfigName,
    ProductionVariants = d.ProductionVariants,
    KmsKeyId = d.KmsKeyId,
    DataCaptureConfig = d.DataCaptureConfig,
    AsyncInferenceConfig = d.AsyncInferenceConfig,
    EnableNetworkIsolation = d.EnableNetworkIsolation == true,
    ExecutionRoleArn = d.ExecutionRoleArn,
    VpcConfig = vpc,
    Tags = P.user_tags(list_tags(d.EndpointConfigArn)),
  }
  return live, config_attrs(d)
end

function EndpointConfig.update(ctx, id, new, old)
  local d = config_describe(id)
  if not d then error(("endpoint configuration %s no longer exists"):format(id), 0) end
  update_tags(ctx, d.EndpointConfigArn, props_of(EndpointConfig, new).Tags, old.Tags)
  return config_attrs(d)
end

function EndpointConfig.delete(ctx, id, props)
  local ok, err = pcall(aws.sagemaker.DeleteEndpointConfig, { EndpointConfigName = id })
  if ok or missing(err) then return end
  error(err, 0)
end

function EndpointConfig.find(ctx, props)
  local name = props and props.EndpointConfigName
  if not name or P.excluded(ctx, name) then return nil end
  local d = config_describe(name)
  if d and ours(ctx, d.EndpointConfigArn) then return name end
  return nil
end

-- ===========================================================================
-- AWS::SageMaker::Endpoint
-- ===========================================================================

local Endpoint = {
  type = "AWS::SageMaker::Endpoint",
  properties = {
    EndpointName = "String",
    EndpointConfigName = "String!",
    -- how UpdateEndpoint treats the variants' current settings (write-only:
    -- AWS does not report them back)
    RetainAllVariantProperties = "Boolean",
    ExcludeRetainedVariantProperties = { { VariantPropertyType = "String" } },
    RetainDeploymentConfig = "Boolean",
    Tags = "Tags",
  },
  create_only = { "EndpointName" },
  attributes = { "EndpointArn", "EndpointName" },
  ref = "EndpointArn",
  tags = "Tags",
  name = { property = "EndpointName", max = 63 },
}

-- The physical id is the endpoint's name. Creating one takes minutes
-- (Creating -> InService); a new EndpointConfigName is rolled out in place
-- with UpdateEndpoint (Updating -> InService). Bounds: an hour for a create
-- or an update, as the AWS SDKs' endpoint waiters; half an hour to delete.

local ENDPOINT_WAIT, ENDPOINT_DELETE_WAIT = 3600, 1800

-- States an endpoint leaves by itself.
local ENDPOINT_BUSY = {
  Creating = true, Updating = true, SystemUpdating = true, RollingBack = true, Deleting = true,
}

local function endpoint_attrs(d)
  return { EndpointArn = d.EndpointArn, EndpointName = d.EndpointName }
end

local function endpoint_describe(name)
  return describe("DescribeEndpoint", { EndpointName = name })
end

-- Waits until the endpoint has left every transitional state; returns its
-- description (nil when it is gone and gone_ok).
local function endpoint_settled(ctx, name, what, gone_ok)
  return await(ctx, ("endpoint %s %s"):format(name, what), ENDPOINT_WAIT, function()
    local d = endpoint_describe(name)
    if not d then
      if gone_ok then return { gone = true } end
      error(("endpoint %s disappeared while cairn waited for it"):format(name), 0)
    end
    if ENDPOINT_BUSY[d.EndpointStatus] then return nil, d.EndpointStatus end
    return d
  end)
end

-- Deletes the endpoint (unless it is already Deleting) and waits until
-- it is gone.
local function endpoint_delete_and_wait(ctx, name, deleting)
  if not deleting then
    local ok, err = pcall(aws.sagemaker.DeleteEndpoint, { EndpointName = name })
    if not ok then
      if missing(err) then return end
      error(err, 0)
    end
  end
  await(ctx, ("endpoint %s to be deleted"):format(name), ENDPOINT_DELETE_WAIT, function()
    local d = endpoint_describe(name)
    if not d then return true end
    if d.EndpointStatus == "Failed" and d.FailureReason then
      error(("DeleteEndpoint (sagemaker): endpoint %s failed to delete: %s"):format(name, d.FailureReason), 0)
    end
    return nil, d.EndpointStatus
  end)
end

-- Waits until a new endpoint is InService. One that ends otherwise
-- (Failed) is deleted again, as CloudFormation rolls back, and the error
-- gives SageMaker's FailureReason.
local function endpoint_ready(ctx, name, config)
  local d = endpoint_settled(ctx, name, "to be InService")
  if d.EndpointStatus ~= "InService" then
    local why = d.FailureReason or ("status " .. tostring(d.EndpointStatus))
    ctx.log(("endpoint %s is %s: deleting it"):format(name, tostring(d.EndpointStatus)))
    local dok, derr = pcall(endpoint_delete_and_wait, ctx, name)
    error(("CreateEndpoint (sagemaker): endpoint %s is %s: %s; %s: check the models and "
      .. "instance types of endpoint configuration %s, then apply again"):format(
      name, tostring(d.EndpointStatus), why,
      dok and "cairn deleted the failed endpoint"
        or ("cairn could not delete the failed endpoint (" .. tostring(derr) .. ")"),
      tostring(config or d.EndpointConfigName)), 0)
  end
  return d
end

function Endpoint.create(ctx, props)
  local p = props_of(Endpoint, props)
  local name = p.EndpointName
  local ok, r = pcall(aws.sagemaker.CreateEndpoint, {
    EndpointName = name,
    EndpointConfigName = p.EndpointConfigName,
    Tags = P.tags_with(ctx, p.Tags),
  })
  if not ok then create_failed(r, "endpoint", name, "EndpointName", true) end
  local d = endpoint_ready(ctx, name, p.EndpointConfigName)
  return name, { EndpointArn = r.EndpointArn or d.EndpointArn, EndpointName = name }
end

function Endpoint.read(ctx, id, props)
  local d = endpoint_describe(id)
  if not d or d.EndpointStatus == "Deleting" then return nil end
  local live = {
    EndpointName = d.EndpointName,
    EndpointConfigName = d.EndpointConfigName,
    Tags = P.user_tags(list_tags(d.EndpointArn)),
  }
  -- write-only: what the template says
  if props then
    live.RetainAllVariantProperties = props.RetainAllVariantProperties
    live.ExcludeRetainedVariantProperties = props.ExcludeRetainedVariantProperties
    live.RetainDeploymentConfig = props.RetainDeploymentConfig
  end
  return live, endpoint_attrs(d)
end

function Endpoint.update(ctx, id, new, old)
  local p = props_of(Endpoint, new)
  local d
  if ctx.adopt then endpoint_ready(ctx, id) end -- finish what create does
  if P.changed("String", p.EndpointConfigName, old.EndpointConfigName) then
    d = endpoint_settled(ctx, id, "to finish what it is doing before the update")
    if d.EndpointStatus ~= "InService" then
      error(("UpdateEndpoint (sagemaker): endpoint %s is %s (%s) and cannot be updated: delete "
        .. "it (or let cairn replace it by changing EndpointName), then apply again"):format(
        id, tostring(d.EndpointStatus), tostring(d.FailureReason or "no reason given")), 0)
    end
    aws.sagemaker.UpdateEndpoint {
      EndpointName = id,
      EndpointConfigName = p.EndpointConfigName,
      RetainAllVariantProperties = p.RetainAllVariantProperties,
      ExcludeRetainedVariantProperties = p.ExcludeRetainedVariantProperties,
      RetainDeploymentConfig = p.RetainDeploymentConfig,
    }
    d = endpoint_settled(ctx, id, ("to move to endpoint configuration %s"):format(p.EndpointConfigName))
    -- a failed update rolls back to the previous configuration
    if d.EndpointStatus ~= "InService" or d.EndpointConfigName ~= p.EndpointConfigName then
      error(("UpdateEndpoint (sagemaker): endpoint %s did not move to endpoint configuration %s: "
        .. "%s; it is %s with configuration %s: check the new configuration's models and "
        .. "instance types, then apply again"):format(id, p.EndpointConfigName,
        tostring(d.FailureReason or "no reason given"), tostring(d.EndpointStatus),
        tostring(d.EndpointConfigName)), 0)
    end
  else
    d = endpoint_describe(id)
    if not d then error(("endpoint %s no longer exists"):format(id), 0) end
  end
  update_tags(ctx, d.EndpointArn, p.Tags, old.Tags)
  return endpoint_attrs(d)
end

function Endpoint.delete(ctx, id, props)
  local d = endpoint_describe(id)
  if not d then return end
  if d.EndpointStatus ~= "Deleting" and ENDPOINT_BUSY[d.EndpointStatus] then
    d = endpoint_settled(ctx, id, "to finish what it is doing before it is deleted", true)
    if d.gone then return end
  end
  endpoint_delete_and_wait(ctx, id, d.EndpointStatus == "Deleting")
end

function Endpoint.find(ctx, props)
  local name = props and props.EndpointName
  if not name or P.excluded(ctx, name) then return nil end
  local d = endpoint_describe(name)
  if d and d.EndpointStatus ~= "Deleting" and ours(ctx, d.EndpointArn) then return name end
  return nil
end

-- ===========================================================================
-- AWS::SageMaker::NotebookInstance
-- ===========================================================================

local Notebook = {
  type = "AWS::SageMaker::NotebookInstance",
  properties = {
    NotebookInstanceName = "String",
    InstanceType = "String!",
    RoleArn = "String!",
    DirectInternetAccess = "String",
    RootAccess = "String",
    KmsKeyId = "String",
    SubnetId = "String",
    SecurityGroupIds = { "String" },
    VolumeSizeInGB = "Integer",
    PlatformIdentifier = "String",
    LifecycleConfigName = "String",
    DefaultCodeRepository = "String",
    AdditionalCodeRepositories = { "String" },
    InstanceMetadataServiceConfiguration = { MinimumInstanceMetadataServiceVersion = "String!" },
    Tags = "Tags",
  },
  create_only = {
    "NotebookInstanceName", "KmsKeyId", "SubnetId", "SecurityGroupIds",
    "DirectInternetAccess", "PlatformIdentifier",
  },
  attributes = { "Id", "NotebookInstanceName" },
  ref = "Id", -- the ARN, as CloudFormation's Ref
  -- not taggable in CloudFormation's schema (see EndpointConfig.tags)
  tags = nil,
  name = { property = "NotebookInstanceName", max = 63 },
}

-- The physical id is the instance's name. An instance is updated only
-- while Stopped: update stops a running one, updates it and starts it
-- again (an instance that was stopped stays stopped); delete stops it
-- first. Bounds: half an hour per step, as the AWS SDKs' waiters.

local NOTEBOOK_WAIT = 1800

local function notebook_attrs(d)
  return { Id = d.NotebookInstanceArn, NotebookInstanceName = d.NotebookInstanceName }
end

local function notebook_describe(name)
  return describe("DescribeNotebookInstance", { NotebookInstanceName = name })
end

-- Waits until the instance is in one of the states of want (a set);
-- Failed when not wanted is an error with its FailureReason.
local function notebook_wait(ctx, name, want, what)
  return await(ctx, ("notebook instance %s %s"):format(name, what), NOTEBOOK_WAIT, function()
    local d = notebook_describe(name)
    if not d then
      if want.gone then return { gone = true } end
      error(("notebook instance %s disappeared while cairn waited for it"):format(name), 0)
    end
    local s = d.NotebookInstanceStatus
    if want[s] then return d end
    if s == "Failed" then
      error(("notebook instance %s is Failed: %s"):format(name, tostring(d.FailureReason or "no reason given")), 0)
    end
    return nil, s
  end)
end

local function notebook_settled(ctx, name, what)
  return notebook_wait(ctx, name, { InService = true, Stopped = true, Failed = true, gone = true }, what)
end

local function notebook_stop(ctx, name)
  aws.sagemaker.StopNotebookInstance { NotebookInstanceName = name }
  return notebook_wait(ctx, name, { Stopped = true }, "to stop")
end

-- Waits until a new instance is InService; a Failed one is deleted again
-- and the error gives its FailureReason.
local function notebook_ready(ctx, name)
  local d = notebook_wait(ctx, name, { InService = true, Failed = true }, "to be InService")
  if d.NotebookInstanceStatus == "Failed" then
    local why = d.FailureReason or "no reason given"
    local dok = pcall(function()
      aws.sagemaker.DeleteNotebookInstance { NotebookInstanceName = name }
      notebook_wait(ctx, name, { gone = true }, "to be deleted")
    end)
    error(("CreateNotebookInstance (sagemaker): notebook instance %s failed: %s; %s"):format(
      name, why, dok and "cairn deleted it; fix the cause and apply again"
        or "cairn could not delete it: delete it, fix the cause and apply again"), 0)
  end
  return d
end

function Notebook.create(ctx, props)
  local p = props_of(Notebook, props)
  local name = p.NotebookInstanceName
  local params = {
    NotebookInstanceName = name,
    InstanceType = p.InstanceType,
    RoleArn = p.RoleArn,
    DirectInternetAccess = p.DirectInternetAccess,
    RootAccess = p.RootAccess,
    KmsKeyId = p.KmsKeyId,
    SubnetId = p.SubnetId,
    SecurityGroupIds = p.SecurityGroupIds,
    VolumeSizeInGB = p.VolumeSizeInGB,
    PlatformIdentifier = p.PlatformIdentifier,
    LifecycleConfigName = p.LifecycleConfigName,
    DefaultCodeRepository = p.DefaultCodeRepository,
    AdditionalCodeRepositories = p.AdditionalCodeRepositories,
    InstanceMetadataServiceConfiguration = p.InstanceMetadataServiceConfiguration,
    Tags = P.tags_with(ctx, p.Tags),
  }
  local ok, r = pcall(with_role, ctx, p.RoleArn, function()
    return aws.sagemaker.CreateNotebookInstance(params)
  end)
  if not ok then create_failed(r, "notebook instance", name, "NotebookInstanceName", true) end
  notebook_ready(ctx, name)
  return name, { Id = r.NotebookInstanceArn, NotebookInstanceName = name }
end

function Notebook.read(ctx, id, props)
  local d = notebook_describe(id)
  if not d or d.NotebookInstanceStatus == "Deleting" then return nil end
  local live = {
    NotebookInstanceName = d.NotebookInstanceName,
    InstanceType = d.InstanceType,
    RoleArn = d.RoleArn,
    DirectInternetAccess = d.DirectInternetAccess,
    RootAccess = d.RootAccess,
    KmsKeyId = d.KmsKeyId,
    SubnetId = d.SubnetId,
    SecurityGroupIds = desired_order(props and props.SecurityGroupIds, d.SecurityGroups),
    VolumeSizeInGB = d.VolumeSizeInGB,
    PlatformIdentifier = d.PlatformIdentifier,
    LifecycleConfigName = d.NotebookInstanceLifecycleConfigName,
    DefaultCodeRepository = d.DefaultCodeRepository,
    AdditionalCodeRepositories = desired_order(props and props.AdditionalCodeRepositories,
      d.AdditionalCodeRepositories),
    InstanceMetadataServiceConfiguration = d.InstanceMetadataServiceConfiguration,
    Tags = P.user_tags(list_tags(d.NotebookInstanceArn)),
  }
  return live, notebook_attrs(d)
end

-- What UpdateNotebookInstance must change (nil when only tags changed). A
-- property the template no longer sets is put back to SageMaker's default
-- where there is one (RootAccess Enabled) or disassociated (lifecycle
-- configuration, code repositories); VolumeSizeInGB can only grow and an
-- instance metadata service setting is kept, so neither is reverted.
local function notebook_changes(p, old)
  local u, any = {}, false
  local function scalar(prop, kind, api, default)
    local want = p[prop]
    if want == nil and old[prop] ~= nil then want = default end
    if want ~= nil and P.changed(kind, want, old[prop]) then
      u[api or prop], any = want, true
    end
  end
  scalar("InstanceType", "String")
  scalar("RoleArn", "String")
  scalar("RootAccess", "String", nil, "Enabled")
  scalar("VolumeSizeInGB", "Integer")
  if p.LifecycleConfigName ~= nil then
    scalar("LifecycleConfigName", "String")
  elseif old.LifecycleConfigName ~= nil then
    u.DisassociateLifecycleConfig, any = true, true
  end
  if p.DefaultCodeRepository ~= nil then
    scalar("DefaultCodeRepository", "String")
  elseif old.DefaultCodeRepository ~= nil then
    u.DisassociateDefaultCodeRepository, any = true, true
  end
  if p.AdditionalCodeRepositories ~= nil and #p.AdditionalCodeRepositories > 0 then
    if P.changed(nil, p.AdditionalCodeRepositories, old.AdditionalCodeRepositories) then
      u.AdditionalCodeRepositories, any = p.AdditionalCodeRepositories, true
    end
  elseif old.AdditionalCodeRepositories ~= nil and #old.AdditionalCodeRepositories > 0 then
    u.DisassociateAdditionalCodeRepositories, any = true, true
  end
  if p.InstanceMetadataServiceConfiguration ~= nil
      and P.changed(nil, p.InstanceMetadataServiceConfiguration, old.InstanceMetadataServiceConfiguration) then
    u.InstanceMetadataServiceConfiguration, any = p.InstanceMetadataServiceConfiguration, true
  end
  return any and u or nil
end

function Notebook.update(ctx, id, new, old)
  local p = props_of(Notebook, new)
  if ctx.adopt then notebook_ready(ctx, id) end -- finish what create does
  local u = notebook_changes(p, old)
  local d
  if u then
    d = notebook_settled(ctx, id, "to finish what it is doing before the update")
    if d.gone then error(("notebook instance %s no longer exists"):format(id), 0) end
    local was = d.NotebookInstanceStatus
    if was == "InService" then
      ctx.log(("stopping notebook instance %s to update it"):format(id))
      notebook_stop(ctx, id)
    end
    u.NotebookInstanceName = id
    local ok, err = pcall(with_role, ctx, p.RoleArn, function()
      return aws.sagemaker.UpdateNotebookInstance(u)
    end)
    if ok then
      ok, err = pcall(notebook_wait, ctx, id, { Stopped = true }, "to finish updating")
    end
    if was == "InService" then
      -- started again even when the update failed: it was running
      local sok, serr = pcall(function()
        ctx.log(("starting notebook instance %s again"):format(id))
        aws.sagemaker.StartNotebookInstance { NotebookInstanceName = id }
        return notebook_wait(ctx, id, { InService = true }, "to be InService again")
      end)
      if ok and not sok then error(serr, 0) end
      if not ok and not sok then
        err = tostring(err) .. "; starting it again failed too: " .. tostring(serr)
      end
    end
    if not ok then error(err, 0) end
  end
  d = notebook_describe(id)
  if not d then error(("notebook instance %s no longer exists"):format(id), 0) end
  update_tags(ctx, d.NotebookInstanceArn, p.Tags, old.Tags)
  return notebook_attrs(d)
end

function Notebook.delete(ctx, id, props)
  local d = notebook_settled(ctx, id, "to finish what it is doing before it is deleted")
  if d.gone then return end
  if d.NotebookInstanceStatus == "InService" then
    ctx.log(("stopping notebook instance %s to delete it"):format(id))
    notebook_stop(ctx, id)
  end
  local ok, err = pcall(aws.sagemaker.DeleteNotebookInstance, { NotebookInstanceName = id })
  if not ok then
    if missing(err) then return end
    error(err, 0)
  end
  notebook_wait(ctx, id, { gone = true }, "to be deleted")
end

function Notebook.find(ctx, props)
  local name = props and props.NotebookInstanceName
  if not name or P.excluded(ctx, name) then return nil end
  local d = notebook_describe(name)
  if d and d.NotebookInstanceStatus ~= "Deleting" and ours(ctx, d.NotebookInstanceArn) then
    return name
  end
  return nil
end

-- ===========================================================================
-- AWS::SageMaker::Domain
-- ===========================================================================

local Domain = {
  type = "AWS::SageMaker::Domain",
  properties = {
    DomainName = "String!",
    AuthMode = "SSO|IAM!",
    DefaultUserSettings = P.required {
      ExecutionRole = "String!",
      SecurityGroups = { "String", set = true },
      SharingSettings = {
        NotebookOutputOption = "Allowed|Disabled",
        S3KmsKeyId = "String",
        S3OutputPath = "String",
      },
      JupyterServerAppSettings = {
        DefaultResourceSpec = resource_spec(),
        LifecycleConfigArns = { "String" },
      },
      KernelGatewayAppSettings = {
        DefaultResourceSpec = resource_spec(),
        LifecycleConfigArns = { "String" },
      },
      SpaceStorageSettings = {
        DefaultEbsStorageSettings = {
          DefaultEbsVolumeSizeInGb = "Integer!",
          MaximumEbsVolumeSizeInGb = "Integer!",
        },
      },
      StudioWebPortal = "ENABLED|DISABLED",
      DefaultLandingUri = "String",
      AutoMountHomeEFS = "Enabled|Disabled|DefaultAsDomain",
    },
    SubnetIds = { "String", set = true },
    VpcId = "String",
    KmsKeyId = "String",
    AppNetworkAccessType = "PublicInternetOnly|VpcOnly",
    AppSecurityGroupManagement = "Service|Customer",
    DomainSettings = {
      SecurityGroupIds = { "String", set = true },
      ExecutionRoleIdentityConfig = "USER_PROFILE_NAME|DISABLED",
    },
    TagPropagation = "ENABLED|DISABLED",
    Tags = "Tags",
  },
  create_only = { "DomainName", "AuthMode", "KmsKeyId" },
  attributes = {
    "DomainArn", "DomainId", "Url", "HomeEfsFileSystemId", "SecurityGroupIdForDomainBoundary",
    "SingleSignOnManagedApplicationInstanceId", "SingleSignOnApplicationArn",
  },
  ref = nil, -- Ref gives the domain id (the physical id)
  tags = "Tags",
  name = { property = "DomainName", max = 63 },
}

-- The physical id is the domain id (d-xxxxxxxxxxxx). Creating, updating
-- and deleting are asynchronous (Pending / Updating / Deleting); each is
-- awaited for at most half an hour. Deleting keeps the domain's home EFS
-- volume (RetentionPolicy Retain, AWS's default): it holds the users'
-- files, and cairn, as CloudFormation, does not delete data.

local DOMAIN_WAIT = 1800
local DOMAIN_BUSY = { Pending = true, Updating = true, Deleting = true }

local function domain_attrs(d)
  return {
    DomainArn = d.DomainArn,
    DomainId = d.DomainId,
    Url = d.Url,
    HomeEfsFileSystemId = d.HomeEfsFileSystemId,
    SecurityGroupIdForDomainBoundary = d.SecurityGroupIdForDomainBoundary,
    SingleSignOnManagedApplicationInstanceId = d.SingleSignOnManagedApplicationInstanceId,
    SingleSignOnApplicationArn = d.SingleSignOnApplicationArn,
  }
end

local function domain_describe(id)
  return describe("DescribeDomain", { DomainId = id })
end

-- Waits until the domain has left Pending/Updating; a *_Failed status is
-- an error with its FailureReason.
local function domain_ready(ctx, id, what)
  return await(ctx, ("domain %s %s"):format(id, what), DOMAIN_WAIT, function()
    local d = domain_describe(id)
    if not d then error(("domain %s disappeared while cairn waited for it"):format(id), 0) end
    local s = d.Status
    if s == "InService" then return d end
    if type(s) == "string" and s:find("Failed", 1, true) then
      error(("domain %s is %s: %s"):format(id, s, tostring(d.FailureReason or "no reason given")), 0)
    end
    return nil, s
  end)
end

-- Deletes the domain (unless it is already Deleting), keeping its home
-- EFS volume, and waits until it is gone.
local function domain_delete_and_wait(ctx, id, deleting)
  if not deleting then
    local ok, err = pcall(aws.sagemaker.DeleteDomain, {
      DomainId = id, RetentionPolicy = { HomeEfsFileSystem = "Retain" },
    })
    if not ok then
      if missing(err) then return end
      if P.is(err, "ResourceInUse") then
        P.fail(err, ("domain %s still has user profiles, spaces or apps that cairn did not "
          .. "make: delete them first, or set DeletionPolicy: Retain"):format(id))
      end
      error(err, 0)
    end
  end
  await(ctx, ("domain %s to be deleted"):format(id), DOMAIN_WAIT, function()
    local d = domain_describe(id)
    if not d then return true end
    if d.Status == "Delete_Failed" then
      error(("DeleteDomain (sagemaker): domain %s is Delete_Failed: %s"):format(
        id, tostring(d.FailureReason or "no reason given")), 0)
    end
    return nil, d.Status
  end)
end

-- Waits until a new domain is InService; a failed one is deleted again.
local function domain_created(ctx, id)
  local ok, d = pcall(domain_ready, ctx, id, "to be InService")
  if ok then return d end
  local x = domain_describe(id)
  if x and type(x.Status) == "string" and x.Status:find("Failed", 1, true) then
    local dok = pcall(domain_delete_and_wait, ctx, id)
    error(("CreateDomain (sagemaker): %s; %s"):format(tostring(d),
      dok and "cairn deleted the failed domain; fix the cause and apply again"
        or "cairn could not delete the failed domain: delete it, fix the cause and apply again"), 0)
  end
  error(d, 0)
end

function Domain.create(ctx, props)
  local p = props_of(Domain, props)
  local params = {
    DomainName = p.DomainName,
    AuthMode = p.AuthMode,
    DefaultUserSettings = p.DefaultUserSettings,
    SubnetIds = p.SubnetIds,
    VpcId = p.VpcId,
    KmsKeyId = p.KmsKeyId,
    AppNetworkAccessType = p.AppNetworkAccessType,
    AppSecurityGroupManagement = p.AppSecurityGroupManagement,
    DomainSettings = p.DomainSettings,
    TagPropagation = p.TagPropagation,
    Tags = P.tags_with(ctx, p.Tags),
  }
  local ok, r = pcall(with_role, ctx, p.DefaultUserSettings and p.DefaultUserSettings.ExecutionRole, function()
    return aws.sagemaker.CreateDomain(params)
  end)
  if not ok then create_failed(r, "domain", p.DomainName, "DomainName") end
  local id = arn_name(r.DomainArn)
  return id, domain_attrs(domain_created(ctx, id))
end

function Domain.read(ctx, id, props)
  local d = domain_describe(id)
  if not d or d.Status == "Deleting" then return nil end
  local live = {
    DomainName = d.DomainName,
    AuthMode = d.AuthMode,
    DefaultUserSettings = d.DefaultUserSettings,
    SubnetIds = d.SubnetIds,
    VpcId = d.VpcId,
    KmsKeyId = d.KmsKeyId,
    AppNetworkAccessType = d.AppNetworkAccessType,
    AppSecurityGroupManagement = d.AppSecurityGroupManagement,
    DomainSettings = d.DomainSettings,
    TagPropagation = d.TagPropagation,
    Tags = P.user_tags(list_tags(d.DomainArn)),
  }
  return live, domain_attrs(d)
end

function Domain.update(ctx, id, new, old)
  local p = props_of(Domain, new)
  if ctx.adopt then domain_created(ctx, id) end -- finish what create does
  local u, any = { DomainId = id }, false
  if P.changed(nil, p.DefaultUserSettings, old.DefaultUserSettings) then
    u.DefaultUserSettings, any = p.DefaultUserSettings, true
  end
  for _, k in ipairs { "VpcId", "AppNetworkAccessType", "AppSecurityGroupManagement", "TagPropagation" } do
    if p[k] ~= nil and P.changed("String", p[k], old[k]) then u[k], any = p[k], true end
  end
  if p.SubnetIds ~= nil and not same_set(p.SubnetIds, old.SubnetIds) then
    u.SubnetIds, any = p.SubnetIds, true
  end
  if p.DomainSettings ~= nil and P.changed(nil, p.DomainSettings, old.DomainSettings) then
    u.DomainSettingsForUpdate, any = p.DomainSettings, true
  end
  if any then
    domain_ready(ctx, id, "to finish what it is doing before the update")
    with_role(ctx, p.DefaultUserSettings and p.DefaultUserSettings.ExecutionRole, function()
      return aws.sagemaker.UpdateDomain(u)
    end)
  end
  local d = domain_ready(ctx, id, any and "to finish updating" or "to be InService")
  update_tags(ctx, d.DomainArn, p.Tags, old.Tags)
  return domain_attrs(d)
end

function Domain.delete(ctx, id, props)
  local d = domain_describe(id)
  if not d then return end
  if DOMAIN_BUSY[d.Status] and d.Status ~= "Deleting" then
    pcall(domain_ready, ctx, id, "to finish what it is doing before it is deleted")
  end
  domain_delete_and_wait(ctx, id, d.Status == "Deleting")
end

-- The domain an interrupted create made: one with this name, tagged as
-- this stack's resource, that the state does not know.
function Domain.find(ctx, props)
  local name = props and props.DomainName
  if not name then return nil end
  local token
  repeat
    local r = aws.sagemaker.ListDomains { NextToken = token, MaxResults = 100 }
    for _, s in ipairs(r.Domains or {}) do
      if s.DomainName == name and s.DomainId and not P.excluded(ctx, s.DomainId)
          and s.Status ~= "Deleting" and ours(ctx, s.DomainArn) then
        return s.DomainId
      end
    end
    token = r.NextToken
  until token == nil or token == ""
  return nil
end

return { Group, Package, Model, EndpointConfig, Endpoint, Notebook, Domain }
