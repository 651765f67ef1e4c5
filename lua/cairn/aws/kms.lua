-- AWS::KMS::Key and AWS::KMS::Alias: customer managed KMS keys and their
-- aliases.
--
-- The declarative part of each type (schema, attributes, Ref) is what the
-- type registry reads; the lifecycle functions (create, read, update,
-- delete, find) are the provider runtime's and are added beside it.
-- Property names, kinds and create-only properties follow CloudFormation's
-- resource schema (a test checks them against the schemas cfn-lint
-- ships); the behaviour follows CloudFormation's documentation of the two
-- types (docs/resources/KMS-Key.md, KMS-Alias.md).

local aws = require "cairn.aws"
local P = require "cairn.provider"

local KEY_SPECS = "SYMMETRIC_DEFAULT|RSA_2048|RSA_3072|RSA_4096|ECC_NIST_P256|ECC_NIST_P384|"
  .. "ECC_NIST_P521|ECC_SECG_P256K1|HMAC_224|HMAC_256|HMAC_384|HMAC_512|SM2|ML_DSA_44|"
  .. "ML_DSA_65|ML_DSA_87|ECC_NIST_EDWARDS25519"

local Key = {
  type = "AWS::KMS::Key",
  properties = {
    Description = "String",
    KeyPolicy = "PolicyDocument",
    EnableKeyRotation = "Boolean",
    RotationPeriodInDays = "Integer",
    Enabled = "Boolean",
    KeyUsage = "ENCRYPT_DECRYPT|SIGN_VERIFY|GENERATE_VERIFY_MAC|KEY_AGREEMENT",
    KeySpec = KEY_SPECS,
    MultiRegion = "Boolean",
    Origin = "AWS_KMS|EXTERNAL",
    PendingWindowInDays = "Integer",
    BypassPolicyLockoutSafetyCheck = "Boolean",
    Tags = "Tags",
  },
  -- CloudFormation's schema has no create-only property for keys: it
  -- refuses to change KeySpec, KeyUsage, Origin or MultiRegion rather than
  -- replace a key (and with it every ciphertext). cairn does the same: see
  -- `immutable`.
  create_only = {},
  immutable = { "KeySpec", "KeyUsage", "Origin", "MultiRegion" },
  attributes = { "Arn", "KeyId" },
  ref = nil, -- Ref returns the key id (the physical id)
  tags = "Tags",
}

-- ---- AWS::KMS::Key lifecycle ----------------------------------------------
--
-- The physical id is the key id. Tags go into CreateKey itself, so a key
-- that exists always carries cairn:stack and cairn:logical-id, which is
-- how find() recognises the key an interrupted create made. KMS calls its
-- tags {TagKey, TagValue}; CloudFormation {Key, Value}.
--
-- Write-only properties (CloudFormation's writeOnlyProperties): the
-- deletion window and the lockout-check bypass are not properties of a
-- live key, so read returns what the template says. The rotation period
-- is read from GetKeyRotationStatus while rotation is on.

local function to_kms(tags)
  local out = P.array()
  for _, t in ipairs(tags) do out[#out + 1] = { TagKey = t.Key, TagValue = t.Value } end
  return out
end

local function from_kms(tags)
  local out = P.array()
  for _, t in ipairs(tags or {}) do out[#out + 1] = { Key = t.TagKey, Value = t.TagValue } end
  return out
end

local function attrs(m)
  return { Arn = m.Arn, KeyId = m.KeyId }
end

local function all_tags(id)
  local tags, marker = P.array(), nil
  repeat
    local r = aws.kms.ListResourceTags { KeyId = id, Marker = marker }
    for _, t in ipairs(from_kms(r.Tags)) do tags[#tags + 1] = t end
    marker = r.Truncated and r.NextMarker or nil
  until not marker
  return tags
end

-- The policy KMS gives a key created without one (and CloudFormation
-- puts back when KeyPolicy is removed): the account may use the key
-- through IAM.
local function default_policy(ctx)
  return {
    Version = "2012-10-17",
    Id = "key-default-1",
    Statement = { {
      Sid = "Enable IAM User Permissions",
      Effect = "Allow",
      Principal = { AWS = ("arn:%s:iam::%s:root"):format(ctx.partition or "aws", ctx.account) },
      Action = "kms:*",
      Resource = "*",
    } },
  }
end

local function gone(m)
  return m.KeyState == "PendingDeletion" or m.KeyState == "PendingReplicaDeletion"
end

-- Only symmetric encryption keys with key material from KMS rotate (KMS
-- answers UnsupportedOperationException for the others).
local function rotates(m)
  local spec = m.KeySpec or m.CustomerMasterKeySpec or "SYMMETRIC_DEFAULT"
  return spec == "SYMMETRIC_DEFAULT" and (m.Origin or "AWS_KMS") == "AWS_KMS"
end

-- A key policy naming a principal IAM made a moment ago is refused until
-- the principal has propagated: KMS says "invalid principals". Retried.
local function new_principal(err)
  return P.error_matches(err, { "MalformedPolicyDocumentException" }, "principal")
end

local function put_policy(ctx, id, doc, bypass)
  P.retry_when(ctx, "the principals of the key policy to exist in IAM", function()
    return aws.kms.PutKeyPolicy {
      KeyId = id,
      PolicyName = "default",
      Policy = P.json(doc),
      BypassPolicyLockoutSafetyCheck = P.bool(bypass) or nil,
    }
  end, new_principal)
end

-- Rotation on (with its period) or off. KMS refuses both on a disabled key.
local function set_rotation(ctx, id, on, period)
  local ok, err = pcall(function()
    if on then
      P.retry(ctx, "the new key to accept rotation", function()
        return aws.kms.EnableKeyRotation { KeyId = id, RotationPeriodInDays = P.int(period) }
      end, { codes = { "NotFoundException" } })
    else
      aws.kms.DisableKeyRotation { KeyId = id }
    end
  end)
  if ok then return end
  if P.is(err, "KMSInvalidStateException", "DisabledException") then
    P.fail(err, "KMS changes automatic rotation only on an enabled key: set Enabled: true "
      .. "for this change (and back to false in a later apply if the key must stay disabled)")
  end
  error(err, 0)
end

function Key.create(ctx, props)
  local r = P.retry_when(ctx, "the principals of the key policy to exist in IAM", function()
    return aws.kms.CreateKey {
      Description = props.Description,
      KeyUsage = props.KeyUsage,
      KeySpec = props.KeySpec,
      Origin = props.Origin,
      MultiRegion = P.bool(props.MultiRegion),
      BypassPolicyLockoutSafetyCheck = P.bool(props.BypassPolicyLockoutSafetyCheck),
      Policy = props.KeyPolicy ~= nil and P.json(props.KeyPolicy) or nil,
      Tags = to_kms(P.tags_with(ctx, props.Tags)),
    }
  end, new_principal)
  local m = r.KeyMetadata
  -- the key exists from here on; what follows is configuration, which an
  -- interrupted run completes by adopting the key and updating it
  if P.bool(props.EnableKeyRotation) then
    set_rotation(ctx, m.KeyId, true, props.RotationPeriodInDays)
  end
  -- a key for imported material waits in PendingImport, which is neither
  -- enabled nor disabled
  if P.bool(props.Enabled) == false and m.KeyState ~= "PendingImport" then
    aws.kms.DisableKey { KeyId = m.KeyId }
  end
  return m.KeyId, attrs(m)
end

function Key.read(ctx, id, props)
  props = props or {}
  local ok, r = pcall(aws.kms.DescribeKey, { KeyId = id })
  if not ok then
    if P.not_found(r, "NotFoundException") then return nil end
    error(r, 0)
  end
  local m = r.KeyMetadata
  if gone(m) then return nil end
  local live = {
    Description = m.Description or "",
    -- KMS reports KeyUsage for every key; ENCRYPT_DECRYPT is its default
    KeyUsage = m.KeyUsage or "ENCRYPT_DECRYPT",
    KeySpec = m.KeySpec or m.CustomerMasterKeySpec,
    Origin = m.Origin,
    MultiRegion = m.MultiRegion == true,
    Enabled = m.Enabled,
    KeyPolicy = aws.kms.GetKeyPolicy { KeyId = id, PolicyName = "default" }.Policy,
    EnableKeyRotation = false,
    -- write-only: what the template says
    RotationPeriodInDays = props.RotationPeriodInDays,
    PendingWindowInDays = props.PendingWindowInDays,
    BypassPolicyLockoutSafetyCheck = props.BypassPolicyLockoutSafetyCheck,
    Tags = P.user_tags(all_tags(id)),
  }
  if rotates(m) and m.KeyState ~= "PendingImport" then
    local s = aws.kms.GetKeyRotationStatus { KeyId = id }
    live.EnableKeyRotation = s.KeyRotationEnabled == true
    if s.KeyRotationEnabled and s.RotationPeriodInDays ~= nil then
      live.RotationPeriodInDays = s.RotationPeriodInDays
    end
  end
  return live, attrs(m)
end

function Key.update(ctx, id, new, old)
  if ctx.adopt then
    -- made by an interrupted create (CreateKey tags it: this only makes sure)
    aws.kms.TagResource { KeyId = id, Tags = to_kms(P.tags_with(ctx, new.Tags)) }
  end
  local enable = new.Enabled == nil or P.bool(new.Enabled)
  local enabled_changed = P.changed("Boolean", new.Enabled, old.Enabled)
  -- a key being enabled is enabled first, one being disabled last: KMS
  -- changes rotation only on an enabled key
  if enabled_changed and enable then
    aws.kms.EnableKey { KeyId = id }
  end
  if P.changed("String", new.Description, old.Description) then
    aws.kms.UpdateKeyDescription { KeyId = id, Description = new.Description or "" }
  end
  if P.changed("PolicyDocument", new.KeyPolicy, old.KeyPolicy) then
    put_policy(ctx, id, new.KeyPolicy ~= nil and new.KeyPolicy or default_policy(ctx),
      new.BypassPolicyLockoutSafetyCheck)
  end
  local rotate = P.bool(new.EnableKeyRotation) == true
  if P.changed("Boolean", new.EnableKeyRotation, old.EnableKeyRotation)
      or (rotate and new.RotationPeriodInDays ~= nil
        and P.changed("Integer", new.RotationPeriodInDays, old.RotationPeriodInDays))
      or (rotate and new.RotationPeriodInDays == nil and old.RotationPeriodInDays ~= nil
        and P.int(old.RotationPeriodInDays) ~= 365) then
    -- a period removed from the template goes back to KMS's 365 days
    set_rotation(ctx, id, rotate, rotate and (new.RotationPeriodInDays or 365) or nil)
  end
  if enabled_changed and not enable then
    aws.kms.DisableKey { KeyId = id }
  end
  if P.changed("Tags", new.Tags or P.array(), old.Tags) then
    local removed = P.removed_tag_keys(new.Tags, old.Tags)
    if #removed > 0 then aws.kms.UntagResource { KeyId = id, TagKeys = removed } end
    aws.kms.TagResource { KeyId = id, Tags = to_kms(P.tags_with(ctx, new.Tags)) }
  end
  return attrs(aws.kms.DescribeKey { KeyId = id }.KeyMetadata)
end

-- A key is never deleted at once: it is scheduled for deletion after
-- PendingWindowInDays (7 to 30, default 30), as CloudFormation does.
function Key.delete(ctx, id, props)
  local ok, err = pcall(aws.kms.ScheduleKeyDeletion, {
    KeyId = id,
    PendingWindowInDays = P.int(props and props.PendingWindowInDays) or 30,
  })
  if ok or P.not_found(err, "NotFoundException") then return end
  if P.is(err, "KMSInvalidStateException") then
    local d = aws.kms.DescribeKey { KeyId = id }
    if gone(d.KeyMetadata) then return end
  end
  error(err, 0)
end

-- The key an interrupted create made: the one tagged with this stack and
-- logical id that is not scheduled for deletion and not already known to
-- the state (ctx.exclude).
function Key.find(ctx, props)
  local marker
  repeat
    local r = aws.kms.ListKeys { Marker = marker }
    for _, k in ipairs(r.Keys or {}) do
      if not P.excluded(ctx, k.KeyId) then
        local ok, tags = pcall(all_tags, k.KeyId)
        if ok and P.is_ours(ctx, tags) then
          local d = aws.kms.DescribeKey { KeyId = k.KeyId }
          if not gone(d.KeyMetadata) then return k.KeyId end
        end
      end
    end
    marker = r.Truncated and r.NextMarker or nil
  until not marker
  return nil
end

-- ---- AWS::KMS::Alias --------------------------------------------------------
--
-- A friendly name for a key. The physical id is the alias name, which is
-- also what Ref returns (CloudFormation's primary identifier); an alias has
-- no other attribute. TargetKeyId changes in place (UpdateAlias); a new
-- AliasName replaces. Aliases carry no tags, so adoption after an
-- interrupted create recognises the alias by its name and target.

local Alias = {
  type = "AWS::KMS::Alias",
  properties = {
    AliasName = "String!",
    TargetKeyId = "String!",
  },
  create_only = { "AliasName" },
  attributes = {},
  ref = nil, -- Ref returns the alias name (the physical id)
}

-- The alias named name as ListAliases reports it, or nil.
local function find_alias(name)
  local marker
  repeat
    local r = aws.kms.ListAliases { Marker = marker, Limit = 100 }
    for _, a in ipairs(r.Aliases or {}) do
      if a.AliasName == name then return a end
    end
    marker = r.Truncated and r.NextMarker or nil
  until not marker
  return nil
end

-- True when the template's TargetKeyId (a key id or key ARN) names the
-- key ListAliases reports (always by id).
local function same_key(desired, live)
  if desired == nil or live == nil then return desired == live end
  if desired == live then return true end
  return type(desired) == "string" and desired:match(":key/(.+)$") == live
end

function Alias.create(ctx, props)
  local name = props.AliasName
  local ok, err = pcall(P.retry, ctx, "the target key to be visible to KMS", function()
    return aws.kms.CreateAlias { AliasName = name, TargetKeyId = props.TargetKeyId }
  end, { codes = { "NotFoundException" }, timeout = 30 })
  if not ok then
    if P.is(err, "AlreadyExistsException") then
      P.fail(err, ("an alias named %s already exists and cairn did not make it: give "
        .. "AliasName another value, or delete that alias (aws kms delete-alias "
        .. "--alias-name %s) and run the command again"):format(name, name))
    end
    error(err, 0)
  end
  return name, {}
end

function Alias.read(ctx, id, props)
  local a = find_alias(id)
  if not a or a.TargetKeyId == nil then return nil end
  local target = a.TargetKeyId
  -- the template may name the key by ARN (Fn::GetAtt Key.Arn): the same key
  if props and same_key(props.TargetKeyId, target) then target = props.TargetKeyId end
  return { AliasName = a.AliasName, TargetKeyId = target }, {}
end

function Alias.update(ctx, id, new, old)
  if P.changed("String", new.TargetKeyId, old.TargetKeyId) then
    P.retry(ctx, "the target key to be visible to KMS", function()
      return aws.kms.UpdateAlias { AliasName = id, TargetKeyId = new.TargetKeyId }
    end, { codes = { "NotFoundException" }, timeout = 30 })
  end
  return {}
end

function Alias.delete(ctx, id, props)
  local ok, err = pcall(aws.kms.DeleteAlias, { AliasName = id })
  if ok or P.not_found(err, "NotFoundException") then return end
  error(err, 0)
end

-- The alias an interrupted create made: the recorded name exists and
-- points at the template's key (an alias of that name pointing elsewhere
-- may be someone else's, and is left for create to refuse).
function Alias.find(ctx, props)
  local name = props and props.AliasName
  if not name or P.excluded(ctx, name) then return nil end
  local a = find_alias(name)
  if a and same_key(props.TargetKeyId, a.TargetKeyId) then return name end
  return nil
end

return { Key, Alias }
