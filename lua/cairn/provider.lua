-- cairn.provider: helpers shared by the resource providers in
-- lua/cairn/aws/<service>.lua (see docs/internals/providers.md).
--
-- A plain module returning a table: P.required for the declarative
-- schemas, and the lifecycle helpers the providers' create, read, update,
-- delete and find share: values as CloudFormation coerces them, tags with
-- cairn's own added (and stripped again on read), AWS error tests, bounded
-- retries for eventual consistency (P.retry) and bounded waits for slow
-- resources (P.wait).
--
-- This file is also loaded by the type registry, in a state where AWS
-- cannot be called and the native "cairn.values" module does not exist:
-- everything that needs them requires them when called, not at load.

local P = {}

-- P.required(schema) marks a table schema (an object { Name = X } or a
-- list { X }) as required, and returns it. A scalar is marked required
-- with the "!" suffix instead ("String!", "Enabled|Suspended!"); the
-- registry reads this mark as the key "!" of the table, which can never
-- be a CloudFormation property name.
function P.required(schema)
  if type(schema) ~= "table" then
    error("P.required expects a table schema; mark a scalar required with '!' (\"String!\")", 2)
  end
  schema["!"] = true
  return schema
end

-- ---- values ---------------------------------------------------------------

local function aws() return require "cairn.aws" end
local function values() return require "cairn.values" end

-- A table that is a JSON list even when empty.
function P.array(t)
  return setmetatable(t or {}, aws().array_mt)
end

-- CloudFormation's booleans: true/false or "true"/"false" (any case).
-- nil stays nil.
function P.bool(v)
  if v == nil or type(v) == "boolean" then return v end
  if type(v) == "string" then
    local l = v:lower()
    if l == "true" then return true end
    if l == "false" then return false end
  end
  error(("%s is not a boolean (true or false)"):format(tostring(v)), 2)
end

-- CloudFormation's integers: 5 or "5". nil stays nil.
function P.int(v)
  if v == nil then return nil end
  local n = math.tointeger(tonumber(v))
  if n == nil then error(("%s is not an integer"):format(tostring(v)), 2) end
  return n
end

-- A policy document (or any JSON value) as the JSON text APIs take; a
-- string is passed through (CloudFormation accepts both).
function P.json(v)
  if type(v) == "string" then return v end
  return values().json(v)
end

-- The Lua value of JSON text (what APIs return as documents: IAM policy
-- versions, bucket and key policies): objects become tables, arrays
-- P.array tables (so an empty one stays a list), null aws.null, numbers
-- integers when written without fraction or exponent. Raises an error
-- naming the offset on malformed text.
function P.json_decode(text)
  local pos, s = 1, text
  local function fail(what)
    error(("malformed JSON at offset %d: %s"):format(pos - 1, what), 0)
  end
  local function ws()
    pos = s:find("[^ \t\r\n]", pos) or #s + 1
  end
  local value
  local ESC = { ['"'] = '"', ["\\"] = "\\", ["/"] = "/", b = "\b", f = "\f", n = "\n", r = "\r", t = "\t" }
  local function str()
    local out, i = {}, pos + 1
    while true do
      local j = s:find('["\\%c]', i)
      if not j then pos = #s + 1; fail("unterminated string") end
      out[#out + 1] = s:sub(i, j - 1)
      local c = s:sub(j, j)
      if c == '"' then pos = j + 1; return table.concat(out) end
      if c ~= "\\" then pos = j; fail("control character in a string") end
      local e = s:sub(j + 1, j + 1)
      if ESC[e] then
        out[#out + 1] = ESC[e]
        i = j + 2
      elseif e == "u" then
        local h = s:match("^%x%x%x%x", j + 2)
        if not h then pos = j; fail("bad \\u escape") end
        local cp = tonumber(h, 16)
        i = j + 6
        if cp >= 0xD800 and cp <= 0xDBFF then
          local lo = s:match("^\\u(%x%x%x%x)", i)
          lo = lo and tonumber(lo, 16)
          if lo and lo >= 0xDC00 and lo <= 0xDFFF then
            cp = 0x10000 + (cp - 0xD800) * 0x400 + (lo - 0xDC00)
            i = i + 6
          end
        end
        out[#out + 1] = utf8.char(cp)
      else
        pos = j; fail("bad escape")
      end
    end
  end
  function value()
    ws()
    local c = s:sub(pos, pos)
    if c == "{" then
      local obj = {}
      pos = pos + 1
      ws()
      if s:sub(pos, pos) == "}" then pos = pos + 1; return obj end
      while true do
        ws()
        if s:sub(pos, pos) ~= '"' then fail("expected a string key") end
        local k = str()
        ws()
        if s:sub(pos, pos) ~= ":" then fail("expected ':'") end
        pos = pos + 1
        obj[k] = value()
        ws()
        c = s:sub(pos, pos)
        pos = pos + 1
        if c == "}" then return obj end
        if c ~= "," then pos = pos - 1; fail("expected ',' or '}'") end
      end
    elseif c == "[" then
      local arr = P.array()
      pos = pos + 1
      ws()
      if s:sub(pos, pos) == "]" then pos = pos + 1; return arr end
      while true do
        arr[#arr + 1] = value()
        ws()
        c = s:sub(pos, pos)
        pos = pos + 1
        if c == "]" then return arr end
        if c ~= "," then pos = pos - 1; fail("expected ',' or ']'") end
      end
    elseif c == '"' then
      return str()
    elseif s:find("^true", pos) then
      pos = pos + 4; return true
    elseif s:find("^false", pos) then
      pos = pos + 5; return false
    elseif s:find("^null", pos) then
      pos = pos + 4; return aws().null
    end
    local num = s:match("^-?%d+%.?%d*[eE]?[-+]?%d*", pos)
    if not num or num == "" or num == "-" then fail("unexpected " .. (c == "" and "end" or "'" .. c .. "'")) end
    pos = pos + #num
    local n = tonumber(num)
    if n == nil then fail("bad number " .. num) end
    if not num:find("[.eE]") then n = math.tointeger(n) or n end
    return n
  end
  if type(s) ~= "string" then error("P.json_decode expects a string", 2) end
  local v = value()
  ws()
  if pos <= #s then fail("trailing characters") end
  return v
end

-- True when desired differs from live under the comparison plan uses
-- (kind: "PolicyDocument", "Tags", "Boolean", "Integer", "String", "Json",
-- or nil for a generic comparison of what desired sets). desired == nil
-- and live ~= nil is a change (the property was removed).
function P.changed(kind, desired, live)
  return not values().equal(kind, desired, live)
end

-- ---- tags -----------------------------------------------------------------
--
-- cairn owns exactly two tag keys, cairn:stack and cairn:logical-id (in
-- ctx.tags); AWS owns the keys starting with aws:. Every other key, other
-- cairn: keys included (cairn:access, which the least-privilege pack
-- reads), is the user's: sent, read back and compared like any tag. The
-- template check and plan refuse a template that sets a reserved key
-- (cairn_tag_key_reserved in src/template/types.c, the same rule).

-- Why key is not the user's to set, or nil.
function P.reserved_tag(key)
  if type(key) ~= "string" then return nil end
  if key == "cairn:stack" or key == "cairn:logical-id" then
    return "cairn sets it on every resource it creates"
  end
  if key:sub(1, 4):lower() == "aws:" then return "AWS refuses tag keys starting with aws:" end
  return nil
end

local function hidden(key)
  return P.reserved_tag(key) ~= nil
end

-- The user's tags ({Key, Value} list, or nil) without aws: keys and
-- cairn's own two, values as strings: what read returns.
function P.user_tags(tags)
  local out = P.array()
  for _, t in ipairs(tags or {}) do
    if not hidden(t.Key) then
      out[#out + 1] = { Key = t.Key, Value = tostring(t.Value == nil and "" or t.Value) }
    end
  end
  return out
end

-- The tags to send: the user's plus cairn's (cairn:stack,
-- cairn:logical-id), which let the next run recognise what it made. A
-- user tag with a reserved key is an error (plan refuses it first; this
-- keeps a provider from ever sending it, or silently dropping it).
function P.tags_with(ctx, tags)
  for _, t in ipairs(tags or {}) do
    local why = P.reserved_tag(t.Key)
    if why then
      error(("the tag key '%s' is reserved: %s; remove this tag or give it another key")
        :format(t.Key, why), 2)
    end
  end
  local out = P.user_tags(tags)
  for _, t in ipairs(ctx.tags or {}) do
    out[#out + 1] = { Key = t.Key, Value = t.Value }
  end
  return out
end

-- Keys of old's user tags that new no longer has (to untag).
function P.removed_tag_keys(new, old)
  local keep, out = {}, P.array()
  for _, t in ipairs(new or {}) do keep[t.Key] = true end
  for _, t in ipairs(old or {}) do
    if not hidden(t.Key) and not keep[t.Key] then out[#out + 1] = t.Key end
  end
  return out
end

-- The cairn:stack and cairn:logical-id values of a tag list (nil when
-- absent).
function P.cairn_tags(tags)
  local stack, lid
  for _, t in ipairs(tags or {}) do
    if t.Key == "cairn:stack" then stack = t.Value end
    if t.Key == "cairn:logical-id" then lid = t.Value end
  end
  return stack, lid
end

-- True when the tags say this resource is ctx's (same stack, same logical id).
function P.is_ours(ctx, tags)
  local stack, lid = P.cairn_tags(tags)
  return stack == ctx.stack and lid == ctx.logical_id
end

-- What to say when create finds that what it would make already exists
-- and its tags say it is this stack's (same cairn:stack and
-- cairn:logical-id): cairn made it and later left it in AWS (a delete with
-- DeletionPolicy: Retain), and this state does not remember it, so it is
-- not adopted back by itself (src/engine/retained.c adopts only what the
-- state recorded as retained). what: "a bucket named x"; rename: what to
-- change in the template; delete: the command that deletes it. nil when
-- the tags are not ours.
function P.retained_advice(ctx, tags, what, rename, delete)
  if not P.is_ours(ctx, tags) then return nil end
  return ("%s already exists and carries this stack's tags (cairn:stack=%s, "
    .. "cairn:logical-id=%s): cairn made it for %s and later left it in AWS "
    .. "(DeletionPolicy: Retain, on a destroy or when it was removed from the template), "
    .. "and this state has no record of retaining it (it was retained by an older cairn, "
    .. "or the state was replaced), so cairn does not take it over by itself. Either "
    .. "delete it, if nothing in it is needed (%s), and apply again; or keep it and %s")
    :format(what, ctx.stack, ctx.logical_id, ctx.logical_id, delete, rename)
end

-- True when id is in ctx.exclude (objects the state already knows).
function P.excluded(ctx, id)
  for _, x in ipairs(ctx.exclude or {}) do
    if x == id then return true end
  end
  return false
end

-- ---- errors ---------------------------------------------------------------

-- The AWS error code of an error value (nil for other errors).
function P.code(err)
  return type(err) == "table" and err.code or nil
end

-- True when err is an AWS error with one of these codes.
function P.is(err, ...)
  local code = P.code(err)
  if code == nil then return false end
  for i = 1, select("#", ...) do
    if code == select(i, ...) then return true end
  end
  return false
end

-- True when err says the thing does not exist: one of the codes given, or an
-- HTTP 404 (HEAD requests have no error body).
function P.not_found(err, ...)
  return P.is(err, ...) or (type(err) == "table" and err.status == 404)
end

-- Raises err again with advice appended, keeping the AWS operation and
-- code in the text.
function P.fail(err, advice)
  error(("%s; %s"):format(tostring(err), advice), 0)
end

-- ---- waiting --------------------------------------------------------------

-- Calls fn until it succeeds, retrying while it fails with one of
-- opts.codes (eventual consistency: a new role not yet usable, a new
-- bucket not yet visible), with backoff from opts.interval (1 s) doubling
-- to 10 s, for at most opts.timeout seconds (60). Says what it waits for
-- through ctx.log. Returns fn's results; raises fn's last error.
function P.retry(ctx, what, fn, opts)
  opts = opts or {}
  local codes = opts.codes or {}
  local timeout, delay, waited = opts.timeout or 60, opts.interval or 1, 0
  while true do
    local r = table.pack(pcall(fn))
    if r[1] then return table.unpack(r, 2, r.n) end
    local err = r[2]
    if not P.is(err, table.unpack(codes)) or waited >= timeout then error(err, 0) end
    if ctx.log then
      ctx.log(("waiting for %s (%s, %ds so far)"):format(what, P.code(err), waited))
    end
    aws().sleep(delay)
    waited = waited + delay
    delay = math.min(delay * 2, 10)
  end
end

-- Polls check() until it returns a true value (returned), for at most
-- opts.timeout seconds (600), every opts.interval seconds (5). check may
-- return nil, "what it is doing now" to explain the wait. A timeout is an
-- error naming what was awaited and the last state seen.
function P.wait(ctx, what, check, opts)
  opts = opts or {}
  local timeout, interval, waited = opts.timeout or 600, opts.interval or 5, 0
  while true do
    local v, state = check()
    if v then return v end
    if waited >= timeout then
      error(("timed out after %ds waiting for %s (last seen: %s)"):format(
        waited, what, tostring(state or "not ready")), 0)
    end
    if ctx.log then
      ctx.log(("waiting for %s: %s"):format(what, tostring(state or "not ready")))
    end
    aws().sleep(interval)
    waited = waited + interval
  end
end

-- As P.retry, but retries while test(err) is true rather than on a list of
-- codes: for eventual consistency that AWS reports with a code it also
-- uses for real mistakes (S3's MalformedPolicy "Invalid principal" for a
-- role created a moment ago, KMS's MalformedPolicyDocumentException).
-- Backoff from opts.interval (1 s) doubling to 10 s, for at most
-- opts.timeout seconds (60), explained through ctx.log; raises fn's last
-- error.
function P.retry_when(ctx, what, fn, test, opts)
  opts = opts or {}
  local timeout, delay, waited = opts.timeout or 60, opts.interval or 1, 0
  while true do
    local r = table.pack(pcall(fn))
    if r[1] then return table.unpack(r, 2, r.n) end
    local err = r[2]
    if waited >= timeout or not test(err) then error(err, 0) end
    if ctx.log then
      ctx.log(("waiting for %s (%s, %ds so far)"):format(what, P.code(err) or "error", waited))
    end
    aws().sleep(delay)
    waited = waited + delay
    delay = math.min(delay * 2, 10)
  end
end

-- True when err is an AWS error whose code is one of codes (a list) and
-- whose message matches the Lua pattern (case-insensitively): the test
-- for P.retry_when.
function P.error_matches(err, codes, pattern)
  if type(err) ~= "table" or not P.is(err, table.unpack(codes)) then return false end
  return tostring(err.message or ""):lower():find(pattern:lower()) ~= nil
end

return P
