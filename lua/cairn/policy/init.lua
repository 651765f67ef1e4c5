-- cairn.policy: the library every policy requires.
--
--   local P = require "cairn.policy"
--
-- Values from the stack document are plain Lua values, except:
--   * P.null stands for JSON null;
--   * values not known before apply (a new resource's Ref or GetAtt, the
--     account id without credentials) are "unknown" objects. Using one as
--     a table, string or number raises the undecided error, which the
--     engine reports as "could not decide"; P.is_unknown tests for one,
--     P.known(v) insists on a known value, and P.refs / stack:target tell
--     which resource an unknown points to.
--
-- Submodules, loaded on first use: P.iam (policy documents), P.arn,
-- P.cidr, P.net (ports and protocols), P.aws (cross-resource helpers).
-- docs/policies.md documents every function.

local doc = require "cairn.policy.doc"
local is_unknown_c = doc.is_unknown
local unknown_c = doc.unknown

-- Unknowns are userdata: test the type first, call C only then.
local function is_unknown(v)
  return type(v) == "userdata" and is_unknown_c(v)
end

local P = {}

P.null = doc.null

local submodules = { iam = true, arn = true, cidr = true, net = true, aws = true, json = true }

setmetatable(P, {
  __index = function(_, k)
    if submodules[k] then return require("cairn.policy." .. k) end
    return nil
  end,
})

---------------------------------------------------------------------------
-- unknowns

-- True when v is a value not known before apply.
P.is_unknown = is_unknown

-- The intrinsic expression of an unknown ({Ref = "X"}, {["Fn::GetAtt"] =
-- {"X", "Arn"}}, ...) and its property path; nil for a known value.
function P.unknown(v)
  return unknown_c(v)
end

-- True when v is unknown or contains an unknown anywhere inside.
function P.has_unknown(v, depth)
  if is_unknown(v) then return true end
  if type(v) ~= "table" then return false end
  depth = (depth or 0) + 1
  if depth > 64 then return false end
  for _, x in pairs(v) do
    if P.has_unknown(x, depth) then return true end
  end
  return false
end

-- Raises the undecided error: the check cannot decide without this value.
function P.undecided_error(message, path)
  doc.undecided(message, path)
end

-- Returns v when it is known; otherwise raises the undecided error naming
-- what is unknown. what (optional) says what the value is, for the message.
function P.known(v, what)
  if is_unknown(v) then
    local _, path = unknown_c(v)
    local m = tostring(v)
    doc.undecided((what or path or "a value") .. " is not known before apply " ..
                  m:gsub("^%(known after apply: ", "("), path)
  end
  return v
end

-- Every logical id an unknown's expression names (Ref X, Fn::GetAtt X.A,
-- ${X} and ${X.A} in Fn::Sub), in order, without duplicates. Pseudo
-- parameters (AWS::AccountId) are returned too; stack:target filters.
local refs_cache = setmetatable({}, { __mode = "k" })
local shape_cache = setmetatable({}, { __mode = "k" })

function P.refs(v)
  if not is_unknown(v) then return {} end
  local cached = refs_cache[v]
  if cached then return cached end
  local out, seen = {}, {}
  local function add(name)
    if name and name ~= "" and not seen[name] then
      seen[name] = true
      out[#out + 1] = name
    end
  end
  local function scan(e, depth)
    if depth > 32 or type(e) ~= "table" then return end
    for k, x in pairs(e) do
      if k == "Ref" and type(x) == "string" then
        add(x)
      elseif k == "Fn::GetAtt" then
        if type(x) == "table" and type(x[1]) == "string" then
          add(x[1])
        elseif type(x) == "string" then
          add(x:match("^([^.]+)"))
        end
      elseif k == "Fn::Sub" then
        local tpl = type(x) == "table" and x[1] or x
        if type(tpl) == "string" then
          for name in tpl:gmatch("%${([^}!][^}]*)}") do
            add(name:match("^([^.]+)"))
          end
        end
        if type(x) == "table" and type(x[2]) == "table" then scan(x[2], depth + 1) end
      else
        scan(x, depth + 1)
      end
    end
  end
  local e = unknown_c(v)
  if e then scan(e, 0) end
  refs_cache[v] = out
  return out
end

-- The text of a value with the unknown parts replaced by "${}": a known
-- string is itself; an unknown Fn::Sub is its template with every
-- variable as "${}"; an unknown Fn::Join joins the known parts; any other
-- unknown is "${}". The second result is true when the text is exact.
function P.shape(v)
  if type(v) == "string" then return v, true end
  if type(v) == "number" then return tostring(v), true end
  if not is_unknown(v) then return nil, false end
  local cached = shape_cache[v]
  if cached then return cached, false end
  local e = unknown_c(v)
  local function shape_of(x, depth)
    if depth > 16 then return "${}" end
    if type(x) == "string" then return x end
    if type(x) == "number" then return tostring(x) end
    if type(x) ~= "table" then return "${}" end
    if x["Fn::Sub"] ~= nil then
      local s = x["Fn::Sub"]
      local tpl = type(s) == "table" and s[1] or s
      if type(tpl) ~= "string" then return "${}" end
      -- ${!Literal} is the literal ${Literal}
      local out = tpl:gsub("%${([^}]*)}", function(name)
        if name:sub(1, 1) == "!" then return "${" .. name:sub(2) .. "}" end
        return "${}"
      end)
      return out
    end
    if x["Fn::Join"] ~= nil then
      local j = x["Fn::Join"]
      if type(j) ~= "table" or type(j[1]) ~= "string" or type(j[2]) ~= "table" then
        return "${}"
      end
      local parts = {}
      for i, p in ipairs(j[2]) do parts[i] = shape_of(p, depth + 1) end
      return table.concat(parts, j[1])
    end
    return "${}"
  end
  local out = shape_of(e, 0)
  shape_cache[v] = out
  return out, false
end

---------------------------------------------------------------------------
-- findings

-- A finding at path (relative to the resource, "Properties.A.B[0]"; ""
-- for the resource itself). fmt and its arguments as string.format.
function P.fail(path, fmt, ...)
  local msg = select("#", ...) > 0 and string.format(fmt, ...) or fmt
  return { path = path or "", message = msg }
end

-- A "could not decide" result at path.
function P.undecided(path, fmt, ...)
  local msg = select("#", ...) > 0 and string.format(fmt, ...) or fmt
  return { path = path or "", message = msg, undecided = true }
end

-- Returned by a check when the control does not apply to this resource
-- (no result is recorded, neither pass nor fail).
P.not_applicable = setmetatable({}, { __tostring = function() return "not applicable" end })

---------------------------------------------------------------------------
-- reading values

-- Splits "A.B[0].C" into {"A", "B", 0, "C"} (numbers are 0-based).
local function split_path(path)
  local parts = {}
  for seg in path:gmatch("[^.]+") do
    local name, rest = seg:match("^([^%[]*)(.*)$")
    if name ~= "" then parts[#parts + 1] = name end
    for idx in rest:gmatch("%[(%d+)%]") do
      parts[#parts + 1] = tonumber(idx)
    end
  end
  return parts
end
P.split_path = split_path

-- The value at path under t ("BucketEncryption.Rules[0].X"), or nil when
-- some part is missing. Raises the undecided error when the way there
-- crosses a value not known before apply; returns an unknown found at
-- the end as is.
function P.get(t, path)
  local v = t
  for _, k in ipairs(split_path(path)) do
    if v == nil or v == P.null then return nil end
    if is_unknown(v) then P.known(v) end
    if type(v) ~= "table" then return nil end
    if type(k) == "number" then v = v[k + 1] else v = v[k] end
  end
  if v == P.null then return nil end
  return v
end

-- A boolean from a template value: true, false, "true", "false" (any
-- case); nil when absent. Raises undecided for an unknown.
function P.bool(v)
  if v == nil or v == P.null then return nil end
  P.known(v)
  if type(v) == "boolean" then return v end
  if type(v) == "string" then
    local l = v:lower()
    if l == "true" then return true end
    if l == "false" then return false end
  end
  return nil
end

-- A number from a template value (numbers may be written as strings).
function P.num(v)
  if v == nil or v == P.null then return nil end
  P.known(v)
  if type(v) == "number" then return v end
  if type(v) == "string" then return tonumber(v) end
  return nil
end

-- A string from a template value (numbers are converted).
function P.str(v)
  if v == nil or v == P.null then return nil end
  P.known(v)
  if type(v) == "string" then return v end
  if type(v) == "number" then
    if math.type(v) == "integer" then return string.format("%d", v) end
    return tostring(v)
  end
  return nil
end

-- A list from a template value: nil -> {}, a scalar -> {v}, a list -> itself.
function P.list(v)
  if v == nil or v == P.null then return {} end
  P.known(v)
  if type(v) == "table" and (#v > 0 or next(v) == nil) then return v end
  return { v }
end

-- Case-insensitive string equality that tolerates nil.
function P.ieq(a, b)
  return type(a) == "string" and type(b) == "string" and a:lower() == b:lower()
end

-- Short text of a value for messages.
function P.show(v)
  if v == nil then return "absent" end
  if is_unknown(v) then return tostring(v) end
  if type(v) == "string" then return string.format("%q", v) end
  if type(v) ~= "table" then return tostring(v) end
  local ok, s = pcall(require("cairn.policy.json").encode, v)
  if not ok then return "a value" end
  if #s > 120 then s = s:sub(1, 117) .. "..." end
  return s
end

-- Sorted keys of a table.
function P.keys(t)
  local out = {}
  if type(t) ~= "table" then return out end
  for k in pairs(t) do out[#out + 1] = k end
  table.sort(out, function(a, b) return tostring(a) < tostring(b) end)
  return out
end

-- Days since 1970-01-01 of an ISO 8601 date or date-time
-- ("2026-01-31", "2026-01-31T10:00:00Z", "2026-01-31T10:00:00+00:00");
-- nil when it is not one.
function P.days(s)
  if type(s) ~= "string" then return nil end
  local y, m, d = s:match("^(%d%d%d%d)-(%d%d)-(%d%d)")
  if not y then return nil end
  y, m, d = tonumber(y), tonumber(m), tonumber(d)
  if m < 1 or m > 12 or d < 1 or d > 31 then return nil end
  -- days_from_civil (H. Hinnant)
  y = m <= 2 and y - 1 or y
  local era = (y >= 0 and y or y - 399) // 400
  local yoe = y - era * 400
  local mp = (m + 9) % 12
  local doy = (153 * mp + 2) // 5 + d - 1
  local doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
  return era * 146097 + doe - 719468
end

return P
