-- cairn.policy.cidr: IPv4 and IPv6 addresses and CIDR blocks.
--
--   local cidr = require "cairn.policy.cidr"    -- or P.cidr
--   cidr.is_open("0.0.0.0/0")            --> true (also "::/0", "0::/0")
--   cidr.contains("10.0.0.0/8", "10.1.2.0/24") --> true
--   cidr.is_private("172.16.4.0/24")     --> true (RFC 1918, RFC 4193)

local C = {}

local function parse_v4(s)
  local a, b, c, d = s:match("^(%d+)%.(%d+)%.(%d+)%.(%d+)$")
  if not a then return nil end
  local bytes = { tonumber(a), tonumber(b), tonumber(c), tonumber(d) }
  for _, x in ipairs(bytes) do
    if x > 255 then return nil end
  end
  return bytes
end

local function parse_v6(s)
  if s:find("[^%x:%.]") then return nil end
  -- an embedded IPv4 tail ("::ffff:10.0.0.1") becomes two groups
  local pre, v4 = s:match("^(.*:)(%d+%.%d+%.%d+%.%d+)$")
  if v4 then
    local b = parse_v4(v4)
    if not b then return nil end
    s = string.format("%s%x:%x", pre, b[1] * 256 + b[2], b[3] * 256 + b[4])
  end
  local head, rest = s:match("^(.-)::(.*)$")
  local function groups(part)
    local g = {}
    if part == "" then return g end
    for x in (part .. ":"):gmatch("([^:]*):") do
      if x == "" or #x > 4 then return nil end
      g[#g + 1] = tonumber(x, 16)
    end
    return g
  end
  local words
  if head then
    if rest:find("::", 1, true) then return nil end
    local h, r = groups(head), groups(rest)
    if not h or not r then return nil end
    local n = 8 - #h - #r
    if n < 1 then return nil end
    words = h
    for _ = 1, n do words[#words + 1] = 0 end
    for _, x in ipairs(r) do words[#words + 1] = x end
  else
    words = groups(s)
    if not words then return nil end
  end
  if #words ~= 8 then return nil end
  local bytes = {}
  for _, w in ipairs(words) do
    bytes[#bytes + 1] = w // 256
    bytes[#bytes + 1] = w % 256
  end
  return bytes
end

-- Parses "a.b.c.d/n", "x::y/n" or a bare address (a /32 or /128):
-- { version = 4|6, bytes = {...}, prefix = n }, or nil.
function C.parse(s)
  if type(s) ~= "string" then return nil end
  s = s:gsub("^%s+", ""):gsub("%s+$", "")
  local addr, len = s:match("^([^/]+)/(%d+)$")
  if not addr then addr = s end
  local bytes = parse_v4(addr)
  local version = 4
  if not bytes then
    bytes = parse_v6(addr)
    version = 6
  end
  if not bytes then return nil end
  local max = version == 4 and 32 or 128
  local prefix = len and tonumber(len) or max
  if prefix > max then return nil end
  return { version = version, bytes = bytes, prefix = prefix }
end

-- True for a block that covers every address of its family (0.0.0.0/0,
-- ::/0): the whole internet.
function C.is_open(s)
  local c = C.parse(s)
  return c ~= nil and c.prefix == 0
end

local function in_block(block, bytes)
  local bits = block.prefix
  for i = 1, #block.bytes do
    if bits <= 0 then return true end
    local take = bits >= 8 and 8 or bits
    local mask = (0xff << (8 - take)) & 0xff
    if (block.bytes[i] & mask) ~= (bytes[i] & mask) then return false end
    bits = bits - 8
  end
  return true
end

-- True when block a contains block (or address) b; both of one family.
function C.contains(a, b)
  local x, y = C.parse(a), C.parse(b)
  if not x or not y or x.version ~= y.version or y.prefix < x.prefix then return false end
  return in_block(x, y.bytes)
end

local private = {
  C.parse("10.0.0.0/8"), C.parse("172.16.0.0/12"), C.parse("192.168.0.0/16"),
  C.parse("fc00::/7"),
}

-- True when the whole block lies in private address space (RFC 1918 for
-- IPv4, unique local fc00::/7 for IPv6).
function C.is_private(s)
  local c = C.parse(s)
  if not c then return false end
  for _, p in ipairs(private) do
    if p.version == c.version and c.prefix >= p.prefix and in_block(p, c.bytes) then
      return true
    end
  end
  return false
end

-- Number of addresses in the block (a float for large IPv6 blocks).
function C.size(s)
  local c = C.parse(s)
  if not c then return nil end
  local host = (c.version == 4 and 32 or 128) - c.prefix
  if host < 62 then return 1 << host end
  return 2.0 ^ host
end

return C
