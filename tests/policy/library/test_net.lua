-- cairn.policy.cidr, arn and net.
local P = require "cairn.policy"
local cidr, arn, net = P.cidr, P.arn, P.net
local aws = P.aws
local stack = require("cairn.policy.stack").new()
local F = {}
local function eq(got, want, what)
  if got ~= want then
    F[#F + 1] = string.format("%s: got %s, want %s", what, tostring(got), tostring(want))
  end
end
eq(cidr.is_open("0.0.0.0/0"), true, "0.0.0.0/0")
eq(cidr.is_open("::/0"), true, "::/0")
eq(cidr.is_open("0::/0"), true, "0::/0")
eq(cidr.is_open("10.0.0.0/8"), false, "10/8")
eq(cidr.is_open("junk"), false, "junk")
eq(cidr.contains("10.0.0.0/8", "10.1.2.0/24"), true, "contains")
eq(cidr.contains("10.0.0.0/8", "11.0.0.0/24"), false, "does not contain")
eq(cidr.contains("10.1.2.0/24", "10.0.0.0/8"), false, "smaller cannot contain larger")
eq(cidr.contains("2001:db8::/32", "2001:db8:1::/48"), true, "IPv6 contains")
eq(cidr.contains("::ffff:0:0/96", "::ffff:10.0.0.1"), true, "IPv4-mapped")
eq(cidr.is_private("172.16.4.0/24"), true, "172.16/12 is private")
eq(cidr.is_private("172.32.0.0/16"), false, "172.32 is public")
eq(cidr.is_private("fd00::/8"), true, "ULA")
eq(cidr.is_private("0.0.0.0/0"), false, "everything is not private")
eq(cidr.size("10.0.0.0/24"), 256, "size")
eq(cidr.parse("10.0.0.0/33"), nil, "prefix too long")
eq(cidr.parse("1:2:3:4:5:6:7:8:9/64"), nil, "too many groups")

local a = arn.parse("arn:aws:iam::123456789012:role/path/Name")
eq(a.service, "iam", "service")
eq(a.account, "123456789012", "account")
eq(a.resource_type, "role", "resource type")
eq(a.resource_id, "path/Name", "resource id")
eq(arn.parse("nope"), nil, "not an ARN")
eq(arn.principal_account("arn:aws:iam::111122223333:root"), "111122223333", "principal account")
eq(arn.principal_account("111122223333"), "111122223333", "bare account id")
eq(arn.principal_account("sagemaker.amazonaws.com"), nil, "a service")
eq(arn.aws_managed_policy("arn:aws:iam::aws:policy/service-role/AmazonSageMakerFullAccess"), "AmazonSageMakerFullAccess", "managed policy name")

eq(net.protocol(-1), "all", "-1")
eq(net.protocol("6"), "tcp", "6")
eq(net.protocol("TCP"), "tcp", "TCP")
eq(net.covers({ IpProtocol = "tcp", FromPort = 0, ToPort = 1024 }, 22), true, "0-1024 covers 22")
eq(net.covers({ IpProtocol = "tcp", FromPort = 443, ToPort = 443 }, 22), false, "443")
eq(net.covers({ IpProtocol = "-1" }, 3389), true, "all protocols")
eq(net.covers({ IpProtocol = "icmp", FromPort = -1, ToPort = -1 }, 22), false, "icmp")
eq(net.covers({ IpProtocol = "udp", FromPort = "3389", ToPort = "3389" }, 3389), true, "ports as strings")
eq(net.entry_covers({ Protocol = 6, PortRange = { From = 22, To = 22 } }, 22), true, "NACL entry")
eq(net.entry_covers({ Protocol = -1 }, 3389), true, "NACL all")
eq(#net.admin_ports({ IpProtocol = "tcp", FromPort = 0, ToPort = 65535 }), 2, "both admin ports")

local trail = stack:resource("Trail")
eq(aws.trail_bucket(stack, trail), "ModelBucket", "trail bucket by name")
eq(aws.trail_logs_s3_objects(stack, trail, "ModelBucket", "write"), true, "write data events")
eq(aws.trail_logs_s3_objects(stack, trail, "ModelBucket", "read"), false, "no read data events")
eq(#aws.bucket_policies(stack, "ModelBucket"), 1, "bucket policies")
eq(#aws.vpc_flow_logs(stack, "Vpc"), 1, "flow logs")
return F
