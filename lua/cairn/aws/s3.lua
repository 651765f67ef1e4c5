-- AWS::S3::Bucket and AWS::S3::BucketPolicy: S3 buckets, every
-- sub-configuration CloudFormation manages that cairn supports, and the
-- bucket's policy as a resource of its own.
--
-- The declarative part of each type (schema, attributes, Ref, the
-- generated name) is what the type registry reads; the lifecycle functions
-- (create, read, update, delete, find) are the provider runtime's and are
-- added beside it. Property names, kinds and create-only properties follow
-- CloudFormation's resource schema (a test checks them against the schemas
-- cfn-lint ships); docs/resources/S3-Bucket.md and S3-BucketPolicy.md say
-- what each property does and what replaces.
--
-- S3 keeps each sub-configuration of a bucket behind its own API
-- (PutBucketVersioning, PutBucketLifecycleConfiguration, ...), each with
-- shapes that differ from CloudFormation's. For each one this file has a
-- converter to the API, a converter back (what read returns, in
-- CloudFormation's shape), and a step of configure(), which changes only
-- what differs and removes what the template no longer sets.

local aws = require "cairn.aws"
local P = require "cairn.provider"

local STORAGE_CLASSES = "DEEP_ARCHIVE|GLACIER|Glacier|GLACIER_IR|INTELLIGENT_TIERING|ONEZONE_IA|STANDARD_IA"

local Transition = {
  StorageClass = STORAGE_CLASSES .. "!",
  TransitionDate = "String",
  TransitionInDays = "Integer",
}

local NoncurrentVersionTransition = {
  StorageClass = STORAGE_CLASSES .. "!",
  TransitionInDays = "Integer!",
  NewerNoncurrentVersions = "Integer",
}

local Bucket = {
  type = "AWS::S3::Bucket",
  properties = {
    BucketName = "String",
    AccelerateConfiguration = {
      AccelerationStatus = "Enabled|Suspended!",
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
    CorsConfiguration = {
      CorsRules = P.required {
        {
          Id = "String",
          AllowedHeaders = { "String" },
          AllowedMethods = P.required { "GET|PUT|HEAD|POST|DELETE" },
          AllowedOrigins = P.required { "String" },
          ExposedHeaders = { "String" },
          MaxAge = "Integer",
        },
      },
    },
    LifecycleConfiguration = {
      Rules = P.required {
        {
          Id = "String",
          Status = "Enabled|Disabled!",
          Prefix = "String",
          TagFilters = { { Key = "String!", Value = "String!" } },
          ObjectSizeGreaterThan = "String",
          ObjectSizeLessThan = "String",
          ExpirationDate = "String",
          ExpirationInDays = "Integer",
          ExpiredObjectDeleteMarker = "Boolean",
          Transition = Transition,
          Transitions = { Transition },
          NoncurrentVersionExpiration = {
            NoncurrentDays = "Integer!",
            NewerNoncurrentVersions = "Integer",
          },
          NoncurrentVersionExpirationInDays = "Integer",
          NoncurrentVersionTransition = NoncurrentVersionTransition,
          NoncurrentVersionTransitions = { NoncurrentVersionTransition },
          AbortIncompleteMultipartUpload = {
            DaysAfterInitiation = "Integer!",
          },
        },
      },
      TransitionDefaultMinimumObjectSize = "varies_by_storage_class|all_storage_classes_128K",
    },
    LoggingConfiguration = {
      DestinationBucketName = "String",
      LogFilePrefix = "String",
      -- {SimplePrefix: {}} or {PartitionedPrefix: {PartitionDateSource:
      -- EventTime|DeliveryTime}}: a oneOf in CloudFormation's schema, which
      -- the schema language cannot say; checked when applied
      TargetObjectKeyFormat = "Json",
    },
    ObjectLockEnabled = "Boolean",
    ObjectLockConfiguration = {
      -- CloudFormation allows one value, "Enabled", which the schema
      -- language cannot say of a single value; checked when applied
      ObjectLockEnabled = "String",
      Rule = {
        DefaultRetention = {
          Mode = "COMPLIANCE|GOVERNANCE",
          Days = "Integer",
          Years = "Integer",
        },
      },
    },
    OwnershipControls = {
      Rules = P.required {
        { ObjectOwnership = "ObjectWriter|BucketOwnerPreferred|BucketOwnerEnforced" },
      },
    },
    PublicAccessBlockConfiguration = {
      BlockPublicAcls = "Boolean",
      BlockPublicPolicy = "Boolean",
      IgnorePublicAcls = "Boolean",
      RestrictPublicBuckets = "Boolean",
    },
    VersioningConfiguration = {
      Status = "Enabled|Suspended!",
    },
    Tags = "Tags",
  },
  create_only = { "BucketName" },
  attributes = { "Arn", "DomainName", "RegionalDomainName", "DualStackDomainName", "WebsiteURL" },
  ref = nil, -- Ref returns the bucket name (the physical id)
  tags = "Tags",
  name = { property = "BucketName", max = 63, lower = true },
}

-- ---- AWS::S3::Bucket lifecycle ------------------------------------------
--
-- The physical id is the bucket name (cairn generates one when the
-- template gives none; it is recorded in the state before CreateBucket, so
-- find() can look the bucket up after a crash). The tags are put right
-- after CreateBucket, before anything else.

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

-- The Get call's result, or nil when S3 answers with one of the codes
-- that mean "this bucket has no such configuration".
local function get_optional(op, name, ...)
  local ok, r = pcall(aws.s3[op], { Bucket = name })
  if ok then return r end
  if P.is(r, ...) then return nil end
  error(r, 0)
end

local function list(t)
  local out = P.array()
  for i, v in ipairs(t or {}) do out[i] = v end
  return out
end

-- A timestamp of the template ("2030-01-01T00:00:00.000Z") and one S3
-- reports ("2030-01-01T00:00:00Z") as comparable numbers, or nil.
local function instant(s)
  if type(s) ~= "string" then return nil end
  local y, mo, d, h, mi, sec = s:match("^(%d+)-(%d+)-(%d+)T(%d+):(%d+):(%d+)")
  if not y then
    y, mo, d = s:match("^(%d+)-(%d+)-(%d+)$")
    h, mi, sec = 0, 0, 0
  end
  if not y then return nil end
  return ((((tonumber(y) * 12 + tonumber(mo)) * 31 + tonumber(d)) * 24 + tonumber(h)) * 60
    + tonumber(mi)) * 60 + tonumber(sec)
end

-- What read reports for a value the template may spell differently: the
-- template's spelling when it means the same (a date with milliseconds,
-- CloudFormation's legacy storage class "Glacier"), S3's otherwise.
local function same_date(live, desired)
  if desired ~= nil and live ~= nil and instant(desired) ~= nil
      and instant(desired) == instant(live) then
    return desired
  end
  return live
end

local function same_class(live, desired)
  if type(desired) == "string" and type(live) == "string" and desired:upper() == live then
    return desired
  end
  return live
end

-- ---- versioning, encryption, public access block, ownership, acceleration

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

-- ---- CORS ------------------------------------------------------------------
-- CloudFormation's Id, ExposedHeaders, MaxAge are S3's ID, ExposeHeaders,
-- MaxAgeSeconds.

local function cors_to_api(c)
  local rules = P.array()
  for _, r in ipairs(c.CorsRules or {}) do
    rules[#rules + 1] = {
      ID = r.Id,
      AllowedHeaders = r.AllowedHeaders and list(r.AllowedHeaders) or nil,
      AllowedMethods = list(r.AllowedMethods),
      AllowedOrigins = list(r.AllowedOrigins),
      ExposeHeaders = r.ExposedHeaders and list(r.ExposedHeaders) or nil,
      MaxAgeSeconds = P.int(r.MaxAge),
    }
  end
  return { CORSRules = rules }
end

local function cors_from_api(rules)
  local out = P.array()
  for _, r in ipairs(rules or {}) do
    out[#out + 1] = {
      Id = r.ID,
      AllowedHeaders = r.AllowedHeaders and list(r.AllowedHeaders) or nil,
      AllowedMethods = list(r.AllowedMethods),
      AllowedOrigins = list(r.AllowedOrigins),
      ExposedHeaders = r.ExposeHeaders and list(r.ExposeHeaders) or nil,
      MaxAge = r.MaxAgeSeconds,
    }
  end
  return { CorsRules = out }
end

-- ---- lifecycle -------------------------------------------------------------
--
-- CloudFormation flattens a rule's filter into Prefix, TagFilters and the
-- two object sizes (strings of digits); S3 takes one predicate in Filter,
-- or several under Filter.And. Expiration is three properties in
-- CloudFormation (ExpirationInDays, ExpirationDate,
-- ExpiredObjectDeleteMarker) and one object in S3. A single Transition and
-- the list Transitions (likewise the noncurrent-version ones) both become
-- S3's one list, the single one first; read splits them back the way the
-- template writes them. CloudFormation's TransitionInDays of a noncurrent
-- version transition is S3's NoncurrentDays.

local function size(v)
  if v == nil then return nil end
  local n = math.tointeger(tonumber(v))
  if n == nil then
    error(("ObjectSizeGreaterThan/ObjectSizeLessThan must be a number of bytes, not %q")
      :format(tostring(v)), 0)
  end
  return n
end

local function lc_filter(r)
  local tags = r.TagFilters or {}
  local gt, lt = size(r.ObjectSizeGreaterThan), size(r.ObjectSizeLessThan)
  local n = (r.Prefix ~= nil and 1 or 0) + #tags + (gt and 1 or 0) + (lt and 1 or 0)
  if n == 0 then return { Prefix = "" } end -- every object
  if n == 1 then
    if r.Prefix ~= nil then return { Prefix = r.Prefix } end
    if #tags == 1 then return { Tag = { Key = tags[1].Key, Value = tags[1].Value } } end
    if gt then return { ObjectSizeGreaterThan = gt } end
    return { ObjectSizeLessThan = lt }
  end
  local t = P.array()
  for _, tag in ipairs(tags) do t[#t + 1] = { Key = tag.Key, Value = tag.Value } end
  return {
    And = {
      Prefix = r.Prefix,
      Tags = #t > 0 and t or nil,
      ObjectSizeGreaterThan = gt,
      ObjectSizeLessThan = lt,
    },
  }
end

local function transition_to_api(t)
  return {
    StorageClass = t.StorageClass and t.StorageClass:upper(),
    Days = P.int(t.TransitionInDays),
    Date = t.TransitionDate,
  }
end

local function nv_transition_to_api(t)
  return {
    StorageClass = t.StorageClass and t.StorageClass:upper(),
    NoncurrentDays = P.int(t.TransitionInDays),
    NewerNoncurrentVersions = P.int(t.NewerNoncurrentVersions),
  }
end

local function lc_rule_to_api(r)
  local a = {
    ID = r.Id,
    Status = r.Status,
    Filter = lc_filter(r),
  }
  if r.ExpirationInDays ~= nil or r.ExpirationDate ~= nil or r.ExpiredObjectDeleteMarker ~= nil then
    a.Expiration = {
      Days = P.int(r.ExpirationInDays),
      Date = r.ExpirationDate,
      ExpiredObjectDeleteMarker = P.bool(r.ExpiredObjectDeleteMarker),
    }
  end
  local tr = P.array()
  if r.Transition then tr[#tr + 1] = transition_to_api(r.Transition) end
  for _, t in ipairs(r.Transitions or {}) do tr[#tr + 1] = transition_to_api(t) end
  if #tr > 0 then a.Transitions = tr end
  local nvt = P.array()
  if r.NoncurrentVersionTransition then
    nvt[#nvt + 1] = nv_transition_to_api(r.NoncurrentVersionTransition)
  end
  for _, t in ipairs(r.NoncurrentVersionTransitions or {}) do
    nvt[#nvt + 1] = nv_transition_to_api(t)
  end
  if #nvt > 0 then a.NoncurrentVersionTransitions = nvt end
  local nve = r.NoncurrentVersionExpiration
  if nve then
    a.NoncurrentVersionExpiration = {
      NoncurrentDays = P.int(nve.NoncurrentDays),
      NewerNoncurrentVersions = P.int(nve.NewerNoncurrentVersions),
    }
  elseif r.NoncurrentVersionExpirationInDays ~= nil then
    a.NoncurrentVersionExpiration = { NoncurrentDays = P.int(r.NoncurrentVersionExpirationInDays) }
  end
  if r.AbortIncompleteMultipartUpload then
    a.AbortIncompleteMultipartUpload = {
      DaysAfterInitiation = P.int(r.AbortIncompleteMultipartUpload.DaysAfterInitiation),
    }
  end
  return a
end

-- d: the template's rule at the same position (or {}), for the spelling.
local function lc_rule_from_api(a, d)
  local r = { Id = a.ID, Status = a.Status }
  local f = a.Filter or {}
  local src = f.And or f
  if src.Prefix ~= nil then
    r.Prefix = src.Prefix
  elseif a.Prefix ~= nil then
    r.Prefix = a.Prefix -- the legacy top-level prefix of rules made elsewhere
  end
  local tags = P.array()
  if f.And then
    for _, t in ipairs(f.And.Tags or {}) do tags[#tags + 1] = { Key = t.Key, Value = t.Value } end
  elseif f.Tag then
    tags[1] = { Key = f.Tag.Key, Value = f.Tag.Value }
  end
  if #tags > 0 then r.TagFilters = tags end
  if src.ObjectSizeGreaterThan ~= nil then
    r.ObjectSizeGreaterThan = tostring(math.tointeger(src.ObjectSizeGreaterThan) or src.ObjectSizeGreaterThan)
  end
  if src.ObjectSizeLessThan ~= nil then
    r.ObjectSizeLessThan = tostring(math.tointeger(src.ObjectSizeLessThan) or src.ObjectSizeLessThan)
  end
  local e = a.Expiration
  if e then
    r.ExpirationInDays = e.Days
    r.ExpirationDate = same_date(e.Date, d.ExpirationDate)
    r.ExpiredObjectDeleteMarker = e.ExpiredObjectDeleteMarker
  end
  -- transitions: the template's single Transition is the first of S3's list
  local trs, hint = P.array(), {}
  if d.Transition then hint[#hint + 1] = d.Transition end
  for _, t in ipairs(d.Transitions or {}) do hint[#hint + 1] = t end
  for i, t in ipairs(a.Transitions or {}) do
    local h = hint[i] or {}
    trs[#trs + 1] = {
      StorageClass = same_class(t.StorageClass, h.StorageClass),
      TransitionInDays = t.Days,
      TransitionDate = same_date(t.Date, h.TransitionDate),
    }
  end
  if d.Transition and #trs > 0 then r.Transition = table.remove(trs, 1) end
  if #trs > 0 or d.Transitions then r.Transitions = trs end
  local nvts, nhint = P.array(), {}
  if d.NoncurrentVersionTransition then nhint[#nhint + 1] = d.NoncurrentVersionTransition end
  for _, t in ipairs(d.NoncurrentVersionTransitions or {}) do nhint[#nhint + 1] = t end
  for i, t in ipairs(a.NoncurrentVersionTransitions or {}) do
    local h = nhint[i] or {}
    nvts[#nvts + 1] = {
      StorageClass = same_class(t.StorageClass, h.StorageClass),
      TransitionInDays = t.NoncurrentDays,
      NewerNoncurrentVersions = t.NewerNoncurrentVersions,
    }
  end
  if d.NoncurrentVersionTransition and #nvts > 0 then
    r.NoncurrentVersionTransition = table.remove(nvts, 1)
  end
  if #nvts > 0 or d.NoncurrentVersionTransitions then r.NoncurrentVersionTransitions = nvts end
  local nve = a.NoncurrentVersionExpiration
  if nve then
    if d.NoncurrentVersionExpirationInDays ~= nil and d.NoncurrentVersionExpiration == nil
        and nve.NewerNoncurrentVersions == nil then
      r.NoncurrentVersionExpirationInDays = nve.NoncurrentDays
    else
      r.NoncurrentVersionExpiration = {
        NoncurrentDays = nve.NoncurrentDays,
        NewerNoncurrentVersions = nve.NewerNoncurrentVersions,
      }
    end
  end
  if a.AbortIncompleteMultipartUpload then
    r.AbortIncompleteMultipartUpload = {
      DaysAfterInitiation = a.AbortIncompleteMultipartUpload.DaysAfterInitiation,
    }
  end
  return r
end

local function lifecycle_to_api(lc)
  local rules = P.array()
  for _, r in ipairs(lc.Rules or {}) do rules[#rules + 1] = lc_rule_to_api(r) end
  return { Rules = rules }
end

local function lifecycle_from_api(resp, desired)
  local rules, d = P.array(), (desired and desired.Rules) or {}
  for i, a in ipairs(resp.Rules or {}) do rules[#rules + 1] = lc_rule_from_api(a, d[i] or {}) end
  return {
    Rules = rules,
    TransitionDefaultMinimumObjectSize = resp.TransitionDefaultMinimumObjectSize,
  }
end

-- ---- logging ---------------------------------------------------------------
--
-- Without DestinationBucketName, S3 logs into the bucket itself
-- (CloudFormation's documented default). The target bucket must let the
-- logging service write: a bucket policy allowing logging.s3.amazonaws.com
-- s3:PutObject (or the log-delivery group's ACL); until it does, S3
-- answers InvalidTargetBucketForLogging, which is retried for a while
-- because that policy is often being put by the same apply.

local function key_format(v)
  if v == nil then return nil end
  if type(v) ~= "table" then
    error("LoggingConfiguration.TargetObjectKeyFormat must be an object: {SimplePrefix: {}} or "
      .. "{PartitionedPrefix: {PartitionDateSource: EventTime|DeliveryTime}}", 0)
  end
  local n, out = 0, {}
  for k, x in pairs(v) do
    n = n + 1
    if k == "SimplePrefix" then
      if type(x) ~= "table" or next(x) ~= nil then
        error("LoggingConfiguration.TargetObjectKeyFormat.SimplePrefix must be an empty object {}", 0)
      end
      out.SimplePrefix = {}
    elseif k == "PartitionedPrefix" then
      local src = type(x) == "table" and x.PartitionDateSource or nil
      if type(x) ~= "table" or (src ~= nil and src ~= "EventTime" and src ~= "DeliveryTime") then
        error("LoggingConfiguration.TargetObjectKeyFormat.PartitionedPrefix.PartitionDateSource "
          .. "must be EventTime or DeliveryTime", 0)
      end
      for kk in pairs(x) do
        if kk ~= "PartitionDateSource" then
          error(("LoggingConfiguration.TargetObjectKeyFormat.PartitionedPrefix has no property %s")
            :format(tostring(kk)), 0)
        end
      end
      out.PartitionedPrefix = { PartitionDateSource = src }
    else
      error(("LoggingConfiguration.TargetObjectKeyFormat has no property %s (SimplePrefix or "
        .. "PartitionedPrefix)"):format(tostring(k)), 0)
    end
  end
  if n ~= 1 then
    error("LoggingConfiguration.TargetObjectKeyFormat takes exactly one of SimplePrefix and "
      .. "PartitionedPrefix", 0)
  end
  return out
end

local function logging_to_api(name, l)
  return {
    LoggingEnabled = {
      TargetBucket = l.DestinationBucketName or name,
      TargetPrefix = l.LogFilePrefix or "",
      TargetObjectKeyFormat = key_format(l.TargetObjectKeyFormat),
    },
  }
end

local function logging_from_api(le)
  local out = {
    DestinationBucketName = le.TargetBucket,
    LogFilePrefix = le.TargetPrefix,
  }
  local f = le.TargetObjectKeyFormat
  if f and f.PartitionedPrefix then
    out.TargetObjectKeyFormat = { PartitionedPrefix = { PartitionDateSource = f.PartitionedPrefix.PartitionDateSource } }
  elseif f and f.SimplePrefix then
    out.TargetObjectKeyFormat = { SimplePrefix = {} }
  end
  return out
end

local function target_not_ready(err)
  return P.is(err, "InvalidTargetBucketForLogging")
end

-- ---- object lock -----------------------------------------------------------

local function lock_to_api(c)
  if c and c.ObjectLockEnabled ~= nil and c.ObjectLockEnabled ~= "Enabled" then
    error(("ObjectLockConfiguration.ObjectLockEnabled must be Enabled (or left out), not %q")
      :format(tostring(c.ObjectLockEnabled)), 0)
  end
  local rule
  local dr = c and c.Rule and c.Rule.DefaultRetention
  if dr then
    rule = { DefaultRetention = { Mode = dr.Mode, Days = P.int(dr.Days), Years = P.int(dr.Years) } }
  end
  return { ObjectLockEnabled = "Enabled", Rule = rule }
end

local function lock_from_api(c)
  local out = { ObjectLockEnabled = c.ObjectLockEnabled }
  local dr = c.Rule and c.Rule.DefaultRetention
  if dr then
    -- S3 reports only the one of Days and Years that was set (0 is not a
    -- valid period)
    out.Rule = {
      DefaultRetention = {
        Mode = dr.Mode,
        Days = (dr.Days or 0) > 0 and dr.Days or nil,
        Years = (dr.Years or 0) > 0 and dr.Years or nil,
      },
    }
  end
  return out
end

-- ---- tags and the whole configuration ----------------------------------------

local function put_tags(ctx, name, tags)
  aws.s3.PutBucketTagging { Bucket = name, Tagging = { TagSet = P.tags_with(ctx, tags) } }
end

local function lock_wanted(c)
  return P.bool(c.ObjectLockEnabled) == true
    or (c.ObjectLockConfiguration ~= nil and c.ObjectLockConfiguration.ObjectLockEnabled == "Enabled")
end

-- True when the two values differ either way. P.changed compares only
-- what its first argument sets (as plan does with a template), so a key
-- removed from a nested configuration (a default retention, a CORS rule's
-- MaxAge) would go unseen one way round; configure() compares the API
-- forms of new and old, which carry S3's defaults, both ways.
local function differs(a, b)
  return P.changed(nil, a, b) or P.changed(nil, b, a)
end

-- The API form of each sub-configuration (nil when absent), with S3's
-- defaults filled in so that a template leaving one out and a live value
-- reporting it compare equal.
local LC_SIZE_DEFAULT = "all_storage_classes_128K"

local api_of = {
  VersioningConfiguration = function(_, v) return { Status = v.Status } end,
  ObjectLockConfiguration = function(_, v) return lock_to_api(v) end,
  BucketEncryption = function(_, v)
    local api = encryption_to_api(v)
    for _, r in ipairs(api.Rules) do r.BucketKeyEnabled = r.BucketKeyEnabled or false end
    return api
  end,
  PublicAccessBlockConfiguration = function(_, v) return pab_to_api(v) end,
  OwnershipControls = function(_, v)
    local rules = P.array()
    for _, r in ipairs(v.Rules or {}) do rules[#rules + 1] = { ObjectOwnership = r.ObjectOwnership } end
    return { Rules = rules }
  end,
  AccelerateConfiguration = function(_, v) return { Status = v.AccelerationStatus } end,
  CorsConfiguration = function(_, v) return cors_to_api(v) end,
  LifecycleConfiguration = function(_, v)
    return { config = lifecycle_to_api(v), size = v.TransitionDefaultMinimumObjectSize or LC_SIZE_DEFAULT }
  end,
  LoggingConfiguration = function(name, v) return logging_to_api(name, v) end,
}

local function api(name, props, prop)
  local v = props[prop]
  if v == nil then return nil end
  return api_of[prop](name, v)
end

-- Makes the bucket's configuration what new says, changing only what
-- differs from old (what is live, for the properties the template sets or
-- set last time). A property new no longer has is put back to S3's
-- default (or removed, where S3 can remove it). The order matters:
-- versioning before Object Lock (which needs it), Object Lock before its
-- default retention.
local function configure(ctx, name, new, old)
  local function changed(prop)
    return differs(api(name, new, prop), api(name, old, prop))
  end
  if changed("VersioningConfiguration") then
    if new.VersioningConfiguration then
      aws.s3.PutBucketVersioning {
        Bucket = name, VersioningConfiguration = api(name, new, "VersioningConfiguration"),
      }
    elseif old.VersioningConfiguration and old.VersioningConfiguration.Status == "Enabled" then
      -- versioning, once on, can only be suspended
      aws.s3.PutBucketVersioning {
        Bucket = name, VersioningConfiguration = { Status = "Suspended" },
      }
    end
  end
  local lock_now = P.bool(old.ObjectLockEnabled) == true
    or (old.ObjectLockConfiguration ~= nil and old.ObjectLockConfiguration.ObjectLockEnabled == "Enabled")
  if P.changed("Boolean", new.ObjectLockEnabled, old.ObjectLockEnabled) then
    if P.bool(new.ObjectLockEnabled) then
      if not lock_now then
        -- S3 enables Object Lock on an existing bucket only while
        -- versioning is enabled (the template must say so)
        aws.s3.PutObjectLockConfiguration {
          Bucket = name, ObjectLockConfiguration = lock_to_api(new.ObjectLockConfiguration),
        }
        lock_now = true
      end
    elseif P.bool(old.ObjectLockEnabled) then
      if new.ObjectLockEnabled == nil then
        ctx.log("Object Lock stays enabled: S3 cannot turn it off")
      else
        error(("PutObjectLockConfiguration (s3): bucket %s has Object Lock enabled, and S3 cannot "
          .. "disable it: remove ObjectLockEnabled: false from the template, or give the bucket "
          .. "a new BucketName (a new bucket) to have one without Object Lock"):format(name), 0)
      end
    end
  end
  if changed("ObjectLockConfiguration") then
    if new.ObjectLockConfiguration or lock_now then
      -- without a rule: Object Lock stays on, with no default retention
      aws.s3.PutObjectLockConfiguration {
        Bucket = name, ObjectLockConfiguration = lock_to_api(new.ObjectLockConfiguration),
      }
    end
  end
  if changed("BucketEncryption") then
    if new.BucketEncryption then
      aws.s3.PutBucketEncryption {
        Bucket = name, ServerSideEncryptionConfiguration = api(name, new, "BucketEncryption"),
      }
    else
      -- S3 goes back to its default, SSE-S3
      aws.s3.DeleteBucketEncryption { Bucket = name }
    end
  end
  if changed("PublicAccessBlockConfiguration") then
    if new.PublicAccessBlockConfiguration then
      aws.s3.PutPublicAccessBlock {
        Bucket = name,
        PublicAccessBlockConfiguration = api(name, new, "PublicAccessBlockConfiguration"),
      }
    else
      aws.s3.DeletePublicAccessBlock { Bucket = name }
    end
  end
  if changed("OwnershipControls") then
    if new.OwnershipControls then
      aws.s3.PutBucketOwnershipControls {
        Bucket = name, OwnershipControls = api(name, new, "OwnershipControls"),
      }
    else
      aws.s3.DeleteBucketOwnershipControls { Bucket = name }
    end
  end
  if changed("AccelerateConfiguration") then
    if new.AccelerateConfiguration then
      aws.s3.PutBucketAccelerateConfiguration {
        Bucket = name, AccelerateConfiguration = api(name, new, "AccelerateConfiguration"),
      }
    elseif old.AccelerateConfiguration and old.AccelerateConfiguration.AccelerationStatus == "Enabled" then
      -- like versioning, acceleration once set can only be suspended
      aws.s3.PutBucketAccelerateConfiguration {
        Bucket = name, AccelerateConfiguration = { Status = "Suspended" },
      }
    end
  end
  if changed("CorsConfiguration") then
    if new.CorsConfiguration then
      aws.s3.PutBucketCors { Bucket = name, CORSConfiguration = api(name, new, "CorsConfiguration") }
    else
      aws.s3.DeleteBucketCors { Bucket = name }
    end
  end
  if changed("LifecycleConfiguration") then
    if new.LifecycleConfiguration then
      aws.s3.PutBucketLifecycleConfiguration {
        Bucket = name,
        LifecycleConfiguration = lifecycle_to_api(new.LifecycleConfiguration),
        TransitionDefaultMinimumObjectSize = new.LifecycleConfiguration.TransitionDefaultMinimumObjectSize,
      }
    else
      aws.s3.DeleteBucketLifecycle { Bucket = name }
    end
  end
  if changed("LoggingConfiguration") then
    if new.LoggingConfiguration then
      local status = api(name, new, "LoggingConfiguration")
      P.retry_when(ctx, ("bucket %s to let the S3 logging service write (its bucket policy)")
        :format(status.LoggingEnabled.TargetBucket), function()
        return aws.s3.PutBucketLogging { Bucket = name, BucketLoggingStatus = status }
      end, target_not_ready, { timeout = 30 })
    else
      aws.s3.PutBucketLogging { Bucket = name, BucketLoggingStatus = {} }
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
  if hok then
    local t = get_optional("GetBucketTagging", name, "NoSuchTagSet")
    local advice = P.retained_advice(ctx, t and t.TagSet, ("a bucket named %s"):format(name),
      "give BucketName another value (or leave it out and cairn generates one)",
      ("aws s3 rb s3://%s --force"):format(name))
    if advice then
      error(("CreateBucket (s3): BucketAlreadyExists: %s"):format(advice), 0)
    end
  end
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
  -- Object Lock can be asked for at creation (S3 then enables versioning)
  if lock_wanted(props) then params.ObjectLockEnabledForBucket = true end
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
  local old = { Tags = P.tags_with(ctx, props.Tags) }
  if lock_wanted(props) then
    old.ObjectLockEnabled = true
    old.ObjectLockConfiguration = { ObjectLockEnabled = "Enabled" }
  end
  configure(ctx, name, props, old)
  return name, attrs(ctx, name)
end

function Bucket.read(ctx, id, props)
  props = props or {}
  local ok, err = pcall(aws.s3.HeadBucket, { Bucket = id })
  if not ok then
    if P.not_found(err, "NoSuchBucket", "NotFound") then return nil end
    error(err, 0)
  end
  local live = { BucketName = id }
  local v = aws.s3.GetBucketVersioning { Bucket = id }
  if v.Status then live.VersioningConfiguration = { Status = v.Status } end
  local e = get_optional("GetBucketEncryption", id, "ServerSideEncryptionConfigurationNotFoundError")
  if e then live.BucketEncryption = encryption_from_api(e.ServerSideEncryptionConfiguration) end
  local pab = get_optional("GetPublicAccessBlock", id, "NoSuchPublicAccessBlockConfiguration")
  if pab then
    local c, out = pab.PublicAccessBlockConfiguration or {}, {}
    for _, k in ipairs(PAB_KEYS) do out[k] = c[k] == true end
    live.PublicAccessBlockConfiguration = out
  end
  local oc = get_optional("GetBucketOwnershipControls", id, "OwnershipControlsNotFoundError")
  if oc and oc.OwnershipControls then
    local rules = P.array()
    for _, r in ipairs(oc.OwnershipControls.Rules or {}) do
      rules[#rules + 1] = { ObjectOwnership = r.ObjectOwnership }
    end
    live.OwnershipControls = { Rules = rules }
  end
  local lock = get_optional("GetObjectLockConfiguration", id, "ObjectLockConfigurationNotFoundError")
  local lc = lock and lock.ObjectLockConfiguration
  live.ObjectLockEnabled = lc ~= nil and lc.ObjectLockEnabled == "Enabled"
  if live.ObjectLockEnabled then live.ObjectLockConfiguration = lock_from_api(lc) end
  -- Transfer Acceleration does not exist in every partition (GovCloud,
  -- China): read it only as far as S3 answers, unless the template sets it
  local aok, acc = pcall(aws.s3.GetBucketAccelerateConfiguration, { Bucket = id })
  if aok then
    if acc.Status then live.AccelerateConfiguration = { AccelerationStatus = acc.Status } end
  elseif props.AccelerateConfiguration ~= nil then
    error(acc, 0)
  end
  local cors = get_optional("GetBucketCors", id, "NoSuchCORSConfiguration")
  if cors then live.CorsConfiguration = cors_from_api(cors.CORSRules) end
  local life = get_optional("GetBucketLifecycleConfiguration", id, "NoSuchLifecycleConfiguration")
  if life then live.LifecycleConfiguration = lifecycle_from_api(life, props.LifecycleConfiguration) end
  local lg = aws.s3.GetBucketLogging { Bucket = id }
  if lg.LoggingEnabled then live.LoggingConfiguration = logging_from_api(lg.LoggingEnabled) end
  local t = get_optional("GetBucketTagging", id, "NoSuchTagSet")
  live.Tags = P.user_tags(t and t.TagSet)
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
  local t = get_optional("GetBucketTagging", name, "NoSuchTagSet")
  local tags = t and t.TagSet
  if P.is_ours(ctx, tags) then return name end
  if P.cairn_tags(tags) == nil and ctx.name_generated then return name end
  return nil
end

-- ---- AWS::S3::BucketPolicy --------------------------------------------------
--
-- The policy of one bucket. The physical id is the bucket name
-- (CloudFormation's primary identifier, and what Ref returns); there is no
-- attribute. PolicyDocument changes in place (PutBucketPolicy); a new
-- Bucket replaces (the policy is put on the new bucket, then deleted from
-- the old one). A bucket has one policy: create refuses a bucket that
-- already has one, since it is not cairn's to overwrite.

local BucketPolicy = {
  type = "AWS::S3::BucketPolicy",
  properties = {
    Bucket = "String!",
    PolicyDocument = "PolicyDocument!",
  },
  create_only = { "Bucket" },
  attributes = {},
  ref = nil, -- Ref returns the bucket name (the physical id)
}

-- S3 refuses a policy naming a principal IAM made a moment ago ("Invalid
-- principal in policy") until it has propagated. Retried.
local function new_principal(err)
  return P.error_matches(err, { "MalformedPolicy" }, "invalid principal")
end

local function put_policy(ctx, bucket, doc)
  P.retry_when(ctx, "the principals of the bucket policy to exist in IAM", function()
    return aws.s3.PutBucketPolicy { Bucket = bucket, Policy = P.json(doc) }
  end, new_principal)
end

local function get_policy(bucket)
  local ok, r = pcall(aws.s3.GetBucketPolicy, { Bucket = bucket })
  if ok then return r.Policy end
  if P.not_found(r, "NoSuchBucketPolicy", "NoSuchBucket") then return nil end
  error(r, 0)
end

function BucketPolicy.create(ctx, props)
  local bucket = props.Bucket
  if get_policy(bucket) ~= nil then
    error(("PutBucketPolicy (s3): bucket %s already has a bucket policy that cairn did not put: "
      .. "merge its statements into PolicyDocument and delete it (aws s3api delete-bucket-policy "
      .. "--bucket %s), then run the command again"):format(bucket, bucket), 0)
  end
  put_policy(ctx, bucket, props.PolicyDocument)
  return bucket, {}
end

function BucketPolicy.read(ctx, id, props)
  local doc = get_policy(id)
  if doc == nil then return nil end
  return { Bucket = id, PolicyDocument = doc }, {}
end

function BucketPolicy.update(ctx, id, new, old)
  if P.changed("PolicyDocument", new.PolicyDocument, old.PolicyDocument) then
    put_policy(ctx, id, new.PolicyDocument)
  end
  return {}
end

function BucketPolicy.delete(ctx, id, props)
  local ok, err = pcall(aws.s3.DeleteBucketPolicy, { Bucket = id })
  if ok or P.not_found(err, "NoSuchBucketPolicy", "NoSuchBucket") then return end
  error(err, 0)
end

-- The policy an interrupted create put: the bucket's policy is the
-- template's (a policy has no tags; any other policy is not cairn's, and is
-- left for create to refuse).
function BucketPolicy.find(ctx, props)
  local bucket = props and props.Bucket
  if not bucket or P.excluded(ctx, bucket) then return nil end
  local doc = get_policy(bucket)
  if doc ~= nil and not P.changed("PolicyDocument", props.PolicyDocument, doc) then
    return bucket
  end
  return nil
end

return { Bucket, BucketPolicy }
