-- AWS::KMS::Key: a customer managed KMS key.
--
-- The declarative part (schema, attributes, Ref) is what the type registry
-- reads; the lifecycle functions (create, read, update, delete, find) are
-- the provider runtime's and are added beside it. Property names, kinds
-- and create-only properties follow CloudFormation's resource schema (a
-- test checks them against the schemas cfn-lint ships).

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
    Enabled = "Boolean",
    KeyUsage = "ENCRYPT_DECRYPT|SIGN_VERIFY|GENERATE_VERIFY_MAC|KEY_AGREEMENT",
    KeySpec = KEY_SPECS,
    PendingWindowInDays = "Integer",
    Tags = "Tags",
  },
  -- CloudFormation's schema has no create-only property for keys: it
  -- refuses to change KeySpec or KeyUsage rather than replace a key (and
  -- with it every ciphertext). cairn does the same: see `immutable`.
  create_only = {},
  immutable = { "KeySpec", "KeyUsage" },
  attributes = { "Arn", "KeyId" },
  ref = nil, -- Ref returns the key id (the physical id)
  tags = "Tags",
}

-- ---- lifecycle ----------------------------------------------------------
--
-- The physical id is the key id. Tags go into CreateKey itself, so a key
-- that exists always carries cairn:stack and cairn:logical-id, which is
-- how find() recognises the key an interrupted create made. KMS calls its
-- tags {TagKey, TagValue}; CloudFormation {Key, Value}.

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

function Key.create(ctx, props)
  local r = aws.kms.CreateKey {
    Description = props.Description,
    KeyUsage = props.KeyUsage,
    KeySpec = props.KeySpec,
    Policy = props.KeyPolicy ~= nil and P.json(props.KeyPolicy) or nil,
    Tags = to_kms(P.tags_with(ctx, props.Tags)),
  }
  local m = r.KeyMetadata
  -- the key exists from here on; what follows is configuration, which an
  -- interrupted run completes by adopting the key and updating it
  if P.bool(props.EnableKeyRotation) then
    P.retry(ctx, "the new key to accept rotation", function()
      return aws.kms.EnableKeyRotation { KeyId = m.KeyId }
    end, { codes = { "NotFoundException", "KMSInvalidStateException" } })
  end
  if P.bool(props.Enabled) == false then
    aws.kms.DisableKey { KeyId = m.KeyId }
  end
  return m.KeyId, attrs(m)
end

function Key.read(ctx, id, props)
  local ok, r = pcall(aws.kms.DescribeKey, { KeyId = id })
  if not ok then
    if P.not_found(r, "NotFoundException") then return nil end
    error(r, 0)
  end
  local m = r.KeyMetadata
  if gone(m) then return nil end
  local live = {
    Description = m.Description or "",
    KeyUsage = m.KeyUsage,
    KeySpec = m.KeySpec or m.CustomerMasterKeySpec,
    Enabled = m.Enabled,
    KeyPolicy = aws.kms.GetKeyPolicy { KeyId = id, PolicyName = "default" }.Policy,
    EnableKeyRotation = false,
    Tags = P.user_tags(all_tags(id)),
  }
  if live.KeySpec == "SYMMETRIC_DEFAULT" and m.Origin ~= "EXTERNAL" then
    live.EnableKeyRotation = aws.kms.GetKeyRotationStatus { KeyId = id }.KeyRotationEnabled
  end
  -- the waiting period is not a property of a live key, only of its
  -- deletion: it is what the template says
  if props then live.PendingWindowInDays = props.PendingWindowInDays end
  return live, attrs(m)
end

function Key.update(ctx, id, new, old)
  if ctx.adopt then
    -- made by an interrupted create (CreateKey tags it: this only makes sure)
    aws.kms.TagResource { KeyId = id, Tags = to_kms(P.tags_with(ctx, new.Tags)) }
  end
  if P.changed("String", new.Description, old.Description) then
    aws.kms.UpdateKeyDescription { KeyId = id, Description = new.Description or "" }
  end
  if P.changed("PolicyDocument", new.KeyPolicy, old.KeyPolicy) then
    aws.kms.PutKeyPolicy {
      KeyId = id,
      PolicyName = "default",
      Policy = P.json(new.KeyPolicy ~= nil and new.KeyPolicy or default_policy(ctx)),
    }
  end
  if P.changed("Boolean", new.Enabled, old.Enabled) then
    if new.Enabled == nil or P.bool(new.Enabled) then
      aws.kms.EnableKey { KeyId = id }
    else
      aws.kms.DisableKey { KeyId = id }
    end
  end
  if P.changed("Boolean", new.EnableKeyRotation, old.EnableKeyRotation) then
    if P.bool(new.EnableKeyRotation) then
      aws.kms.EnableKeyRotation { KeyId = id }
    else
      aws.kms.DisableKeyRotation { KeyId = id }
    end
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

return { Key }
