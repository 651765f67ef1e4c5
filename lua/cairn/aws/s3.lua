-- AWS::S3::Bucket: an S3 bucket.
--
-- The declarative part (schema, attributes, Ref, the generated name) is
-- what the type registry reads; the lifecycle functions (create, read,
-- update, delete, find) are the provider runtime's and are added beside
-- it. Property names, kinds and create-only properties follow
-- CloudFormation's resource schema (a test checks them against the
-- schemas cfn-lint ships).

local aws = require "cairn.aws"
local P = require "cairn.provider"

local Bucket = {
  type = "AWS::S3::Bucket",
  properties = {
    BucketName = "String",
    VersioningConfiguration = {
      Status = "Enabled|Suspended!",
    },
    BucketEncryption = {
      ServerSideEncryptionConfiguration = P.required {
        {
          BucketKeyEnabled = "Boolean",
          ServerSideEncryptionByDefault = {
            SSEAlgorithm = "aws:kms|AES256|aws:kms:dsse!",
            KMSMasterKeyID = "String",
          },
        },
      },
    },
    PublicAccessBlockConfiguration = {
      BlockPublicAcls = "Boolean",
      BlockPublicPolicy = "Boolean",
      IgnorePublicAcls = "Boolean",
      RestrictPublicBuckets = "Boolean",
    },
    Tags = "Tags",
  },
  create_only = { "BucketName" },
  attributes = { "Arn", "DomainName", "RegionalDomainName", "DualStackDomainName", "WebsiteURL" },
  ref = nil, -- Ref returns the bucket name (the physical id)
  tags = "Tags",
  name = { property = "BucketName", max = 63, lower = true },
}

-- ---- lifecycle ----------------------------------------------------------
--
-- The physical id is the bucket name (cairn generates one when the
-- template gives none; it is recorded in the state before CreateBucket, so
-- find() can look the bucket up after a crash). S3 takes no tags in
-- CreateBucket, so they are put right after it. Every sub-configuration
-- (versioning, encryption, public access block, tags) has its own API;
-- CloudFormation's property shapes are converted to and from them here.

-- S3 website endpoints of the oldest regions use a dash, the others a dot.
local DASH_WEBSITE = {
  ["us-east-1"] = true, ["us-west-1"] = true, ["us-west-2"] = true, ["eu-west-1"] = true,
  ["ap-southeast-1"] = true, ["ap-southeast-2"] = true, ["ap-northeast-1"] = true,
  ["sa-east-1"] = true, ["us-gov-west-1"] = true,
}

local function attrs(ctx, name)
  local region, suffix = ctx.region or "us-east-1", ctx.url_suffix or "amazonaws.com"
  return {
    Arn = ("arn:%s:s3:::%s"):format(ctx.partition or "aws", name),
    DomainName = ("%s.s3.%s"):format(name, suffix),
    RegionalDomainName = ("%s.s3.%s.%s"):format(name, region, suffix),
    DualStackDomainName = ("%s.s3.dualstack.%s.%s"):format(name, region, suffix),
    WebsiteURL = ("http://%s.s3-website%s%s.%s"):format(
      name, DASH_WEBSITE[region] and "-" or ".", region, suffix),
  }
end

-- BucketEncryption (CloudFormation) <-> ServerSideEncryptionConfiguration (API)
local function encryption_to_api(be)
  local rules = P.array()
  for _, r in ipairs(be.ServerSideEncryptionConfiguration or {}) do
    local d = r.ServerSideEncryptionByDefault
    rules[#rules + 1] = {
      ApplyServerSideEncryptionByDefault = d and {
        SSEAlgorithm = d.SSEAlgorithm,
        KMSMasterKeyID = d.KMSMasterKeyID,
      } or nil,
      BucketKeyEnabled = P.bool(r.BucketKeyEnabled),
    }
  end
  return { Rules = rules }
end

local function encryption_from_api(c)
  local rules = P.array()
  for _, r in ipairs(c and c.Rules or {}) do
    local d = r.ApplyServerSideEncryptionByDefault
    rules[#rules + 1] = {
      ServerSideEncryptionByDefault = d and {
        SSEAlgorithm = d.SSEAlgorithm,
        KMSMasterKeyID = d.KMSMasterKeyID,
      } or nil,
      BucketKeyEnabled = r.BucketKeyEnabled == true,
    }
  end
  return { ServerSideEncryptionConfiguration = rules }
end

local PAB_KEYS = { "BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets" }

local function pab_to_api(p)
  local out = {}
  for _, k in ipairs(PAB_KEYS) do out[k] = P.bool(p[k]) or false end
  return out
end

local function put_tags(ctx, name, tags)
  aws.s3.PutBucketTagging { Bucket = name, Tagging = { TagSet = P.tags_with(ctx, tags) } }
end

-- Makes the bucket's configuration what new says, changing only what
-- differs from old (what is live, for the properties the template sets or
-- set last time). A property new no longer has is put back to S3's
-- default.
local function configure(ctx, name, new, old)
  if P.changed(nil, new.VersioningConfiguration, old.VersioningConfiguration) then
    if new.VersioningConfiguration then
      aws.s3.PutBucketVersioning {
        Bucket = name,
        VersioningConfiguration = { Status = new.VersioningConfiguration.Status },
      }
    elseif old.VersioningConfiguration and old.VersioningConfiguration.Status == "Enabled" then
      -- versioning, once on, can only be suspended
      aws.s3.PutBucketVersioning {
        Bucket = name, VersioningConfiguration = { Status = "Suspended" },
      }
    end
  end
  if P.changed(nil, new.BucketEncryption, old.BucketEncryption) then
    if new.BucketEncryption then
      aws.s3.PutBucketEncryption {
        Bucket = name,
        ServerSideEncryptionConfiguration = encryption_to_api(new.BucketEncryption),
      }
    else
      aws.s3.DeleteBucketEncryption { Bucket = name }
    end
  end
  if P.changed(nil, new.PublicAccessBlockConfiguration, old.PublicAccessBlockConfiguration) then
    if new.PublicAccessBlockConfiguration then
      aws.s3.PutPublicAccessBlock {
        Bucket = name,
        PublicAccessBlockConfiguration = pab_to_api(new.PublicAccessBlockConfiguration),
      }
    else
      aws.s3.DeletePublicAccessBlock { Bucket = name }
    end
  end
  if P.changed("Tags", new.Tags or P.array(), old.Tags) then
    put_tags(ctx, name, new.Tags)
  end
end

function Bucket.create(ctx, props)
  local name = props.BucketName
  -- S3 answers CreateBucket with success for a bucket this account already
  -- owns (in us-east-1): look first, so cairn never takes over a bucket it
  -- did not make (CloudFormation refuses too)
  local hok, herr = pcall(aws.s3.HeadBucket, { Bucket = name })
  if hok or not P.not_found(herr, "NoSuchBucket", "NotFound") then
    local who = hok and "this account" or "another account"
    error(("CreateBucket (s3): BucketAlreadyExists: a bucket named %s already exists (in %s) "
      .. "and cairn did not make it: give BucketName another value, or leave it out and cairn "
      .. "generates one"):format(name, who), 0)
  end
  local params = { Bucket = name }
  if ctx.region and ctx.region ~= "us-east-1" then
    params.CreateBucketConfiguration = { LocationConstraint = ctx.region }
  end
  local ok, err = pcall(aws.s3.CreateBucket, params)
  if not ok then
    if P.is(err, "BucketAlreadyOwnedByYou", "BucketAlreadyExists") then
      P.fail(err, ("a bucket named %s already exists and cairn did not make it: give "
        .. "BucketName another value, or leave it out and cairn generates one"):format(name))
    end
    error(err, 0)
  end
  -- tag at once: the tags are how a later run knows this bucket is ours
  P.retry(ctx, "the new bucket", function() put_tags(ctx, name, props.Tags) end,
    { codes = { "NoSuchBucket" } })
  configure(ctx, name, props, { Tags = P.tags_with(ctx, props.Tags) })
  return name, attrs(ctx, name)
end

function Bucket.read(ctx, id, props)
  local ok, err = pcall(aws.s3.HeadBucket, { Bucket = id })
  if not ok then
    if P.not_found(err, "NoSuchBucket", "NotFound") then return nil end
    error(err, 0)
  end
  local live = { BucketName = id }
  local v = aws.s3.GetBucketVersioning { Bucket = id }
  if v.Status then live.VersioningConfiguration = { Status = v.Status } end
  local eok, e = pcall(aws.s3.GetBucketEncryption, { Bucket = id })
  if eok then
    live.BucketEncryption = encryption_from_api(e.ServerSideEncryptionConfiguration)
  elseif not P.is(e, "ServerSideEncryptionConfigurationNotFoundError") then
    error(e, 0)
  end
  local pok, pab = pcall(aws.s3.GetPublicAccessBlock, { Bucket = id })
  if pok then
    local c, out = pab.PublicAccessBlockConfiguration or {}, {}
    for _, k in ipairs(PAB_KEYS) do out[k] = c[k] == true end
    live.PublicAccessBlockConfiguration = out
  elseif not P.is(pab, "NoSuchPublicAccessBlockConfiguration") then
    error(pab, 0)
  end
  local tok, t = pcall(aws.s3.GetBucketTagging, { Bucket = id })
  if tok then
    live.Tags = P.user_tags(t.TagSet)
  elseif P.is(t, "NoSuchTagSet") then
    live.Tags = P.array()
  else
    error(t, 0)
  end
  return live, attrs(ctx, id)
end

function Bucket.update(ctx, id, new, old)
  if ctx.adopt then
    -- made by an interrupted create, maybe before it was tagged
    put_tags(ctx, id, new.Tags)
    old = setmetatable({ Tags = P.tags_with(ctx, new.Tags) }, { __index = old })
  end
  configure(ctx, id, new, old)
  return attrs(ctx, id)
end

-- As CloudFormation, cairn does not delete objects: a bucket that is not
-- empty is an error that says what to do.
function Bucket.delete(ctx, id, props)
  local ok, err = pcall(aws.s3.DeleteBucket, { Bucket = id })
  if ok or P.not_found(err, "NoSuchBucket") then return end
  if P.is(err, "BucketNotEmpty") then
    P.fail(err, ("bucket %s still holds objects: cairn, like CloudFormation, never deletes "
      .. "them. Empty it (every object version too), or set DeletionPolicy: Retain, then "
      .. "run the command again"):format(id))
  end
  error(err, 0)
end

-- The bucket an interrupted create made: the recorded name exists and is
-- tagged as this stack's resource; or it is untagged (a crash between
-- CreateBucket and PutBucketTagging) and its name is one cairn generated
-- (random, so no one else's). An untagged bucket with a name the template
-- fixes is not taken: it may be someone's.
function Bucket.find(ctx, props)
  local name = props and props.BucketName
  if not name or P.excluded(ctx, name) then return nil end
  local ok, err = pcall(aws.s3.HeadBucket, { Bucket = name })
  if not ok then
    if P.not_found(err, "NoSuchBucket", "NotFound") then return nil end
    error(err, 0)
  end
  local tok, t = pcall(aws.s3.GetBucketTagging, { Bucket = name })
  local tags
  if tok then
    tags = t.TagSet
  elseif not P.is(t, "NoSuchTagSet") then
    error(t, 0)
  end
  if P.is_ours(ctx, tags) then return name end
  if P.cairn_tags(tags) == nil and ctx.name_generated then return name end
  return nil
end

return { Bucket }
