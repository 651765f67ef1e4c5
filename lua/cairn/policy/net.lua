-- cairn.policy.net: protocols and port ranges of security group and
-- network ACL rules.
--
--   local net = require "cairn.policy.net"      -- or P.net
--   net.protocol("-1")                  --> "all"
--   net.covers({ IpProtocol = "tcp", FromPort = 0, ToPort = 1024 }, 22) --> true

local P = require "cairn.policy"

local N = {}

-- Remote server administration ports (CIS AWS Foundations 5.1-5.3).
N.ADMIN_PORTS = { 22, 3389 }

local names = {
  ["-1"] = "all", all = "all", ["6"] = "tcp", tcp = "tcp", ["17"] = "udp", udp = "udp",
  ["1"] = "icmp", icmp = "icmp", ["58"] = "icmpv6", icmpv6 = "icmpv6",
}

-- The protocol of a rule value (IpProtocol of a security group rule,
-- Protocol of a network ACL entry): "all", "tcp", "udp", "icmp", "icmpv6"
-- or the number as a string. Raises undecided for an unknown.
function N.protocol(v)
  local s = P.str(v)
  if s == nil then return nil end
  s = s:lower()
  return names[s] or s
end

-- The port range a rule opens: lo, hi. A rule for all protocols (or one
-- without ports) opens 0-65535; -1 means all ports.
function N.range(proto, from, to)
  if proto == "all" then return 0, 65535 end
  if proto ~= "tcp" and proto ~= "udp" then return nil end
  local lo, hi = P.num(from), P.num(to)
  if lo == nil and hi == nil then return 0, 65535 end
  lo = lo or hi
  hi = hi or lo
  if lo == -1 or hi == -1 then return 0, 65535 end
  return lo, hi
end

-- True when a security group rule ({IpProtocol, FromPort, ToPort}) lets
-- traffic reach port (TCP or UDP).
function N.covers(rule, port)
  local proto = N.protocol(rule.IpProtocol)
  local lo, hi = N.range(proto, rule.FromPort, rule.ToPort)
  return lo ~= nil and lo <= port and port <= hi
end

-- The same for a network ACL entry ({Protocol, PortRange = {From, To}}).
function N.entry_covers(entry, port)
  local proto = N.protocol(entry.Protocol)
  local pr = entry.PortRange
  if pr ~= nil then P.known(pr, "PortRange") end
  local lo, hi = N.range(proto, pr and pr.From, pr and pr.To)
  return lo ~= nil and lo <= port and port <= hi
end

-- The administration ports (N.ADMIN_PORTS) a rule opens, as a list.
function N.admin_ports(rule, is_entry)
  local out = {}
  for _, port in ipairs(N.ADMIN_PORTS) do
    if (is_entry and N.entry_covers(rule, port)) or (not is_entry and N.covers(rule, port)) then
      out[#out + 1] = port
    end
  end
  return out
end

return N
