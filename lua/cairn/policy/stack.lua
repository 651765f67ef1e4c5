-- cairn.policy.stack: queries across the stack document.
--
-- A check receives the stack as its last argument:
--
--   check = function(r, stack)
--     for _, pol in ipairs(stack:referrers(r.id, "AWS::S3::BucketPolicy")) do ... end
--   end
--
-- Fields: stack.name, stack.file, stack.region, stack.account (account id,
-- or an unknown/nil in planned documents), stack.partition, stack.live.
-- Resources are tables { id, type, Type, Properties, Metadata, DependsOn,
-- Condition, PhysicalId (live), Attributes (live, when collected) }.

local doc = require "cairn.policy.doc"

local S = {}
local methods = {}

-- The resource with this logical id, or nil.
function methods:resource(id)
  if type(id) ~= "string" then return nil end
  return doc.resource(id)
end

-- Every resource of a type (every resource when type is nil), in
-- logical-id order.
function methods:resources(rtype)
  local out = {}
  for i, id in ipairs(doc.ids(rtype)) do out[i] = doc.resource(id) end
  return out
end

-- Logical ids of a type (all when nil), sorted.
function methods:ids(rtype)
  return doc.ids(rtype)
end

-- The resources that refer to id (through Ref, GetAtt, Sub, DependsOn,
-- or in a live document through its physical id), optionally only those
-- of a type; in logical-id order.
function methods:referrers(id, rtype)
  local out = {}
  for _, rid in ipairs(doc.referrers(id)) do
    local r = doc.resource(rid)
    if r and (rtype == nil or r.type == rtype) then out[#out + 1] = r end
  end
  return out
end

-- The resource a value points to, and the attribute when it is a GetAtt:
--   an unknown {Ref = "Key"} -> "Key"; {Fn::GetAtt = {"Key", "Arn"}} ->
--   "Key", "Arn"; an Fn::Sub or Fn::Join naming a resource -> that one;
--   a literal physical id, name or ARN of a resource of this stack ->
--   that one (by its PhysicalId, Attributes, or name property such as
--   BucketName). rtype (optional) limits the answer to a type. nil when
--   the value names no resource of this stack.
function methods:target(v, rtype)
  if v == nil then return nil end
  if doc.is_unknown(v) then
    local e = doc.unknown(v)
    if type(e) == "table" then
      local ga = e["Fn::GetAtt"]
      if ga ~= nil then
        local id, attr
        if type(ga) == "table" then id, attr = ga[1], ga[2]
        elseif type(ga) == "string" then id, attr = ga:match("^([^.]+)%.(.+)$") end
        if id and doc.type(id) and (not rtype or doc.type(id) == rtype) then return id, attr end
        return nil
      end
    end
    local P = require "cairn.policy"
    for _, name in ipairs(P.refs(v)) do
      local t = doc.type(name)
      if t and (not rtype or t == rtype) then return name end
    end
    return nil
  end
  if type(v) ~= "string" then return nil end
  return doc.lookup(v, rtype)
end

-- True when v points to the resource id (see target).
function methods:points_to(v, id)
  if v == nil then return false end
  if doc.is_unknown(v) then
    local P = require "cairn.policy"
    for _, name in ipairs(P.refs(v)) do
      if name == id then return true end
    end
    return false
  end
  return self:target(v) == id
end

-- A parameter's value (as bound for this run), or nil.
function methods:parameter(name)
  local ps = self:section("parameters")
  return ps and ps[name]
end

-- A top-level section of the document ("parameters", "outputs",
-- "account"), converted once.
function methods:section(name)
  local cache = self._sections
  local v = cache[name]
  if v == nil then
    v = doc.section(name)
    if v == nil then v = false end
    cache[name] = v
  end
  return v or nil
end

-- The live document's "account_data" section (docs/internals/policy-engine.md),
-- or nil when this is not a live document or it was not collected.
function methods:account_data()
  return self:section("account_data")
end

local mt = { __index = methods }

-- Builds the stack object for the current document.
function S.new()
  local info = {}
  for _, k in ipairs({ "stack", "file", "region", "account", "partition" }) do
    local v = doc.section(k)
    if v == doc.null then v = nil end
    info[k] = v
  end
  local self = {
    _sections = {},
    name = info.stack,
    file = info.file,
    region = info.region,
    account = info.account,
    partition = info.partition or "aws",
    live = doc.live(),
  }
  return setmetatable(self, mt)
end

return S
