"""EC2 networking resource types against moto (with cairn's EC2 test double,
tests/lib/emulator/ec2.py, where moto drops what AWS keeps), every
result checked with boto3, never with cairn's own reader alone:

  AWS::EC2::VPC, Subnet, InternetGateway, VPCGatewayAttachment, RouteTable,
  Route, SubnetRouteTableAssociation, NetworkAcl, NetworkAclEntry,
  SubnetNetworkAclAssociation (TestEc2Network); SecurityGroup, SecurityGroupIngress, SecurityGroupEgress
  (TestEc2SecurityGroups).

Per type: create, then the live configuration matches; a second plan is a
no-op; each updatable property changed in place (the physical id stays); a
create-only property change replaces (new id, the old one gone); a change
made out of band with boto3 shows in the next plan and apply puts it right;
an interrupted create is adopted, not duplicated; destroy leaves nothing.
Also what EC2 makes by itself: a VPC's default security group (with its
default egress rule), default network ACL and main route table.

VPC endpoints and flow logs are in test_res_ec2_endpoint.py.
"""
import json
import os
import re

import cairntest

NETWORK = """\
Parameters:
  Hostnames: {Type: String, Default: "true"}
  Team: {Type: String, Default: ml}
  SubnetCidr: {Type: String, Default: 10.40.1.0/24}
  PublicIp: {Type: String, Default: "false"}
  HostnameType: {Type: String, Default: ip-name}
  Gateway: {Type: String, Default: a, AllowedValues: [a, b]}
  PeerCidr: {Type: String, Default: 192.168.0.0/16}
  Table: {Type: String, Default: main, AllowedValues: [main, alt]}
  RuleAction: {Type: String, Default: allow}
  RuleNumber: {Type: Number, Default: 100}
  ToPort: {Type: Number, Default: 443}
Conditions:
  UseA: !Equals [!Ref Gateway, a]
  UseMain: !Equals [!Ref Table, main]
Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties:
      CidrBlock: 10.40.0.0/16
      EnableDnsSupport: true
      EnableDnsHostnames: !Ref Hostnames
      InstanceTenancy: default
      Tags: [{Key: team, Value: !Ref Team}]
  Subnet:
    Type: AWS::EC2::Subnet
    Properties:
      VpcId: !Ref Vpc
      CidrBlock: !Ref SubnetCidr
      AvailabilityZone: us-east-1a
      MapPublicIpOnLaunch: !Ref PublicIp
      PrivateDnsNameOptionsOnLaunch:
        HostnameType: !Ref HostnameType
        EnableResourceNameDnsARecord: true
      Tags: [{Key: team, Value: !Ref Team}]
  IgwA:
    Type: AWS::EC2::InternetGateway
    Properties:
      Tags: [{Key: team, Value: !Ref Team}]
  IgwB:
    Type: AWS::EC2::InternetGateway
  Attach:
    Type: AWS::EC2::VPCGatewayAttachment
    Properties:
      VpcId: !Ref Vpc
      InternetGatewayId: !If [UseA, !Ref IgwA, !Ref IgwB]
  Rt:
    Type: AWS::EC2::RouteTable
    Properties:
      VpcId: !Ref Vpc
      Tags: [{Key: team, Value: !Ref Team}]
  AltRt:
    Type: AWS::EC2::RouteTable
    Properties: {VpcId: !Ref Vpc}
  Default:
    Type: AWS::EC2::Route
    DependsOn: Attach
    Properties:
      RouteTableId: !Ref Rt
      DestinationCidrBlock: 0.0.0.0/0
      GatewayId: !If [UseA, !Ref IgwA, !Ref IgwB]
  Peer:
    Type: AWS::EC2::Route
    DependsOn: Attach
    Properties:
      RouteTableId: !Ref Rt
      DestinationCidrBlock: !Ref PeerCidr
      GatewayId: !If [UseA, !Ref IgwA, !Ref IgwB]
  Assoc:
    Type: AWS::EC2::SubnetRouteTableAssociation
    Properties:
      RouteTableId: !If [UseMain, !Ref Rt, !Ref AltRt]
      SubnetId: !Ref Subnet
  Acl:
    Type: AWS::EC2::NetworkAcl
    Properties:
      VpcId: !Ref Vpc
      Tags: [{Key: team, Value: !Ref Team}]
  Https:
    Type: AWS::EC2::NetworkAclEntry
    Properties:
      NetworkAclId: !Ref Acl
      RuleNumber: !Ref RuleNumber
      Protocol: 6
      RuleAction: !Ref RuleAction
      CidrBlock: 10.0.0.0/8
      PortRange: {From: 443, To: !Ref ToPort}
  Out:
    Type: AWS::EC2::NetworkAclEntry
    Properties:
      NetworkAclId: !Ref Acl
      RuleNumber: 100
      Egress: true
      Protocol: -1
      RuleAction: allow
      CidrBlock: 0.0.0.0/0
  Ping:
    Type: AWS::EC2::NetworkAclEntry
    Properties:
      NetworkAclId: !Ref Acl
      RuleNumber: 110
      Protocol: 1
      RuleAction: deny
      CidrBlock: 0.0.0.0/0
      Icmp: {Type: 8, Code: -1}
Outputs:
  VpcId: {Value: !Ref Vpc}
  DefaultSG: {Value: !GetAtt Vpc.DefaultSecurityGroup}
  DefaultAcl: {Value: !GetAtt Vpc.DefaultNetworkAcl}
  CidrAssoc: {Value: !Select [0, !GetAtt Vpc.CidrBlockAssociations]}
  SubnetAcl: {Value: !GetAtt Subnet.NetworkAclAssociationId}
  Attach: {Value: !Ref Attach}
  AttachType: {Value: !GetAtt Attach.AttachmentType}
  Default: {Value: !Ref Default}
  DefaultCidr: {Value: !GetAtt Default.CidrBlock}
  Assoc: {Value: !GetAtt Assoc.Id}
  Https: {Value: !GetAtt Https.Id}
"""


def tags_of(tagset):
    return {t["Key"]: t["Value"] for t in tagset or []}


class Ec2Case(cairntest.CairnTestCase):
    """Moto with the EC2 test double; a fresh moto state per test."""

    @classmethod
    def setUpClass(cls):
        cls.moto = cairntest.Moto(server=cairntest.EMULATOR)

    def setUp(self):
        super().setUp()
        self.moto.reset()
        self.ec2 = self.boto("ec2")

    def state(self, stack):
        with open(os.path.join(self.tmp, ".cairn", "%s.state.json" % stack)) as f:
            return json.load(f)

    def ids(self, stack):
        return {k: v.get("id") for k, v in self.state(stack)["resources"].items()}

    def output(self, stack, name):
        return self.cairn_ok("output", "--stack-name", stack, name).stdout.strip()

    def plan(self, path, *params, code=None):
        args = ["plan", "-detailed-exitcode"]
        for p in params:
            args += ["--param", p]
        r = self.cairn(*args, path)
        if code is not None:
            self.assertEqual(r.returncode, code, r.stdout + r.stderr)
        return r

    def apply(self, path, *params):
        args = ["apply", "--auto-approve"]
        for p in params:
            args += ["--param", p]
        return self.cairn_ok(*args, path)

    def assert_change(self, out, path, before, after):
        """The plan shows `~ path = before -> after` (columns aligned)."""
        pat = r"~ %s\s+= %s -> %s" % (re.escape(path), re.escape(before), re.escape(after))
        self.assertRegex(out, pat)

    def assert_noop(self, path, *params):
        r = self.plan(path, *params)
        self.assertEqual(r.returncode, 0, "the plan right after apply is not a no-op:\n"
                         + r.stdout + r.stderr)

    def make_pending(self, stack):
        """Turns every record of the state into the pending record of an
        interrupted create: no id, no attributes, a token and a start long
        ago (as if cairn had been killed right after each create call)."""
        path = os.path.join(self.tmp, ".cairn", "%s.state.json" % stack)
        with open(path) as f:
            st = json.load(f)
        for i, rec in enumerate(st["resources"].values()):
            rec.pop("id", None)
            rec.pop("attributes", None)
            rec["status"] = "pending"
            rec["pending"] = {"token": "adopt-%d" % i, "started": "2020-01-01T00:00:00Z"}
        with open(path, "w") as f:
            json.dump(st, f)
        return len(st["resources"])

    def our_vpcs(self, stack):
        return self.ec2.describe_vpcs(Filters=[{"Name": "tag:cairn:stack", "Values": [stack]}])["Vpcs"]


class TestEc2Network(Ec2Case):

    def test_create_matches_then_noop_then_destroy(self):
        t = self.write("net.yaml", NETWORK)
        r = self.cairn_ok("plan", t)
        self.assertIn("Plan: 14 to add, 0 to change, 0 to replace, 0 to destroy.", r.stdout)
        r = self.apply(t)
        self.assertIn("14 added", r.stdout)
        ec2, ids = self.ec2, self.ids("net")

        vpc = ec2.describe_vpcs(VpcIds=[ids["Vpc"]])["Vpcs"][0]
        self.assertEqual(vpc["CidrBlock"], "10.40.0.0/16")
        self.assertEqual(vpc["InstanceTenancy"], "default")
        self.assertEqual(tags_of(vpc["Tags"]), {"team": "ml", "cairn:stack": "net",
                                                "cairn:logical-id": "Vpc"})
        self.assertTrue(ec2.describe_vpc_attribute(VpcId=ids["Vpc"], Attribute="enableDnsHostnames")
                        ["EnableDnsHostnames"]["Value"])
        self.assertTrue(ec2.describe_vpc_attribute(VpcId=ids["Vpc"], Attribute="enableDnsSupport")
                        ["EnableDnsSupport"]["Value"])
        self.assertEqual(self.output("net", "VpcId"), ids["Vpc"])
        self.assertEqual(self.output("net", "CidrAssoc"),
                         vpc["CidrBlockAssociationSet"][0]["AssociationId"])

        # what EC2 makes with a VPC: the default security group (with the
        # default egress rule), the default network ACL, the main route table
        sgs = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [ids["Vpc"]]}])
        default_sg = [g for g in sgs["SecurityGroups"] if g["GroupName"] == "default"]
        self.assertEqual(len(default_sg), 1)
        self.assertEqual(self.output("net", "DefaultSG"), default_sg[0]["GroupId"])
        egress = default_sg[0]["IpPermissionsEgress"]
        self.assertEqual([(p["IpProtocol"], [x["CidrIp"] for x in p["IpRanges"]]) for p in egress],
                         [("-1", ["0.0.0.0/0"])])
        acls = ec2.describe_network_acls(Filters=[{"Name": "vpc-id", "Values": [ids["Vpc"]]},
                                                  {"Name": "default", "Values": ["true"]}])
        self.assertEqual(len(acls["NetworkAcls"]), 1)
        default_acl = acls["NetworkAcls"][0]
        self.assertEqual(self.output("net", "DefaultAcl"), default_acl["NetworkAclId"])
        self.assertEqual(sorted((e["Egress"], e["RuleNumber"], e["RuleAction"])
                                for e in default_acl["Entries"]),
                         [(False, 100, "allow"), (False, 32767, "deny"),
                          (True, 100, "allow"), (True, 32767, "deny")])
        # the subnet is in the default ACL; the attribute names that association
        sub_assoc = [a for a in default_acl["Associations"] if a["SubnetId"] == ids["Subnet"]]
        self.assertEqual(len(sub_assoc), 1)
        self.assertEqual(self.output("net", "SubnetAcl"), sub_assoc[0]["NetworkAclAssociationId"])
        mains = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [ids["Vpc"]]},
                                                   {"Name": "association.main", "Values": ["true"]}])
        self.assertEqual(len(mains["RouteTables"]), 1)
        self.assertNotIn(mains["RouteTables"][0]["RouteTableId"], (ids["Rt"], ids["AltRt"]))

        subnet = ec2.describe_subnets(SubnetIds=[ids["Subnet"]])["Subnets"][0]
        self.assertEqual((subnet["VpcId"], subnet["CidrBlock"], subnet["AvailabilityZone"]),
                         (ids["Vpc"], "10.40.1.0/24", "us-east-1a"))
        self.assertFalse(subnet["MapPublicIpOnLaunch"])
        self.assertEqual(subnet["PrivateDnsNameOptionsOnLaunch"]["HostnameType"], "ip-name")
        self.assertTrue(subnet["PrivateDnsNameOptionsOnLaunch"]["EnableResourceNameDnsARecord"])
        self.assertEqual(tags_of(subnet["Tags"])["cairn:logical-id"], "Subnet")

        igw = ec2.describe_internet_gateways(InternetGatewayIds=[ids["IgwA"]])["InternetGateways"][0]
        self.assertEqual([a["VpcId"] for a in igw["Attachments"]], [ids["Vpc"]])
        self.assertEqual(tags_of(igw["Tags"])["team"], "ml")
        self.assertEqual(ids["Attach"], "IGW|" + ids["Vpc"])
        self.assertEqual(self.output("net", "AttachType"), "IGW")
        self.assertEqual(ec2.describe_internet_gateways(InternetGatewayIds=[ids["IgwB"]])
                         ["InternetGateways"][0].get("Attachments", []), [])

        rt = ec2.describe_route_tables(RouteTableIds=[ids["Rt"]])["RouteTables"][0]
        routes = {r["DestinationCidrBlock"]: r.get("GatewayId") for r in rt["Routes"]}
        self.assertEqual(routes, {"10.40.0.0/16": "local", "0.0.0.0/0": ids["IgwA"],
                                  "192.168.0.0/16": ids["IgwA"]})
        self.assertEqual(ids["Default"], ids["Rt"] + "|0.0.0.0/0")
        self.assertEqual(self.output("net", "DefaultCidr"), "0.0.0.0/0")
        assoc = [a for a in rt["Associations"] if a.get("SubnetId") == ids["Subnet"]]
        self.assertEqual([a["RouteTableAssociationId"] for a in assoc], [ids["Assoc"]])
        self.assertEqual(self.output("net", "Assoc"), ids["Assoc"])

        acl = ec2.describe_network_acls(NetworkAclIds=[ids["Acl"]])["NetworkAcls"][0]
        self.assertEqual(acl["VpcId"], ids["Vpc"])
        self.assertFalse(acl["IsDefault"])
        entries = {(e["Egress"], e["RuleNumber"]): e for e in acl["Entries"]}
        https = entries[(False, 100)]
        self.assertEqual((https["Protocol"], https["RuleAction"], https["CidrBlock"], https["PortRange"]),
                         ("6", "allow", "10.0.0.0/8", {"From": 443, "To": 443}))
        self.assertEqual(entries[(True, 100)]["Protocol"], "-1")
        self.assertEqual(entries[(False, 110)]["IcmpTypeCode"], {"Type": 8, "Code": -1})
        self.assertEqual(ids["Https"], ids["Acl"] + "|ingress|100")
        self.assertEqual(ids["Out"], ids["Acl"] + "|egress|100")

        self.assert_noop(t)

        r = self.cairn_ok("destroy", "--auto-approve", t)
        self.assertIn("Destroy complete! Resources: 14 destroyed.", r.stdout)
        self.assertEqual(self.our_vpcs("net"), [])
        with self.assertRaises(ec2.exceptions.ClientError):
            ec2.describe_vpcs(VpcIds=[ids["Vpc"]])
        gws = ec2.describe_internet_gateways(Filters=[{"Name": "tag:cairn:stack", "Values": ["net"]}])
        self.assertEqual(gws["InternetGateways"], [])
        self.assertEqual(self.state("net")["resources"], {})

    def test_updates_in_place_keep_the_physical_ids(self):
        t = self.write("net.yaml", NETWORK)
        self.apply(t)
        before = self.ids("net")
        params = ["Hostnames=false", "Team=data", "PublicIp=true", "HostnameType=resource-name",
                  "Gateway=b", "RuleAction=deny", "ToPort=444"]
        r = self.plan(t, *params, code=2)
        self.assert_change(r.stdout, "EnableDnsHostnames", "true", '"false"')
        self.assert_change(r.stdout, "MapPublicIpOnLaunch", "false", '"true"')
        self.assert_change(r.stdout, "PrivateDnsNameOptionsOnLaunch.HostnameType", '"ip-name"',
                           '"resource-name"')
        self.assert_change(r.stdout, "InternetGatewayId", '"%s"' % before["IgwA"],
                           '"%s"' % before["IgwB"])
        self.assert_change(r.stdout, "RuleAction", '"allow"', '"deny"')
        self.assert_change(r.stdout, "PortRange.To", "443", "444")
        # Vpc, Subnet, IgwA, Rt, Acl (tags); Attach, Default, Peer (gateway); Https
        self.assertIn("Plan: 0 to add, 9 to change, 0 to replace, 0 to destroy.", r.stdout)
        self.apply(t, *params)
        self.assertEqual(self.ids("net"), before)
        ids, ec2 = before, self.ec2

        self.assertFalse(ec2.describe_vpc_attribute(VpcId=ids["Vpc"], Attribute="enableDnsHostnames")
                         ["EnableDnsHostnames"]["Value"])
        vpc = ec2.describe_vpcs(VpcIds=[ids["Vpc"]])["Vpcs"][0]
        self.assertEqual(tags_of(vpc["Tags"])["team"], "data")
        self.assertEqual(tags_of(vpc["Tags"])["cairn:logical-id"], "Vpc")
        subnet = ec2.describe_subnets(SubnetIds=[ids["Subnet"]])["Subnets"][0]
        self.assertTrue(subnet["MapPublicIpOnLaunch"])
        self.assertEqual(subnet["PrivateDnsNameOptionsOnLaunch"]["HostnameType"], "resource-name")
        for rid in ("IgwA", "Rt", "Acl"):
            desc = ec2.describe_tags(Filters=[{"Name": "resource-id", "Values": [ids[rid]]},
                                              {"Name": "key", "Values": ["team"]}])["Tags"]
            self.assertEqual([x["Value"] for x in desc], ["data"], rid)
        # the gateway moved: A detached, B attached, both routes to B
        gws = {g["InternetGatewayId"]: g.get("Attachments", []) for g in ec2.describe_internet_gateways(
            InternetGatewayIds=[ids["IgwA"], ids["IgwB"]])["InternetGateways"]}
        self.assertEqual(gws[ids["IgwA"]], [])
        self.assertEqual([a["VpcId"] for a in gws[ids["IgwB"]]], [ids["Vpc"]])
        rt = ec2.describe_route_tables(RouteTableIds=[ids["Rt"]])["RouteTables"][0]
        routes = {r["DestinationCidrBlock"]: r.get("GatewayId") for r in rt["Routes"]}
        self.assertEqual(routes["0.0.0.0/0"], ids["IgwB"])
        self.assertEqual(routes["192.168.0.0/16"], ids["IgwB"])
        acl = ec2.describe_network_acls(NetworkAclIds=[ids["Acl"]])["NetworkAcls"][0]
        https = [e for e in acl["Entries"] if not e["Egress"] and e["RuleNumber"] == 100][0]
        self.assertEqual((https["RuleAction"], https["PortRange"]), ("deny", {"From": 443, "To": 444}))
        self.assert_noop(t, *params)

        # a property removed from the template goes back to EC2's default
        t2 = self.write("net.yaml", NETWORK.replace("      MapPublicIpOnLaunch: !Ref PublicIp\n", ""))
        r = self.plan(t2, *params, code=2)
        self.assertIn("- MapPublicIpOnLaunch", r.stdout)
        self.apply(t2, *params)
        self.assertFalse(ec2.describe_subnets(SubnetIds=[ids["Subnet"]])["Subnets"][0]
                         ["MapPublicIpOnLaunch"])
        self.assert_noop(t2, *params)

    def test_create_only_changes_replace(self):
        t = self.write("net.yaml", NETWORK)
        self.apply(t)
        old, ec2 = self.ids("net"), self.ec2
        params = ["SubnetCidr=10.40.2.0/24", "PeerCidr=172.16.0.0/12", "Table=alt", "RuleNumber=120"]
        r = self.plan(t, *params, code=2)
        self.assertIn("-/+ Subnet", r.stdout)
        self.assertIn("\"10.40.1.0/24\" -> \"10.40.2.0/24\" # forces replacement", r.stdout)
        self.assertIn("-/+ Peer", r.stdout)
        self.assertIn("-/+ Assoc", r.stdout)
        self.assertIn("-/+ Https", r.stdout)
        self.assertIn("Plan: 0 to add, 0 to change, 4 to replace, 0 to destroy.", r.stdout)
        self.apply(t, *params)
        new = self.ids("net")
        for rid in ("Subnet", "Peer", "Assoc", "Https"):
            self.assertNotEqual(new[rid], old[rid], rid)
        for rid in ("Vpc", "Rt", "AltRt", "Acl", "Default", "IgwA", "Attach"):
            self.assertEqual(new[rid], old[rid], rid)
        with self.assertRaises(ec2.exceptions.ClientError):
            ec2.describe_subnets(SubnetIds=[old["Subnet"]])
        self.assertEqual(ec2.describe_subnets(SubnetIds=[new["Subnet"]])["Subnets"][0]["CidrBlock"],
                         "10.40.2.0/24")
        rt = ec2.describe_route_tables(RouteTableIds=[old["Rt"]])["RouteTables"][0]
        self.assertEqual(sorted(r["DestinationCidrBlock"] for r in rt["Routes"]),
                         ["0.0.0.0/0", "10.40.0.0/16", "172.16.0.0/12"])
        self.assertEqual(new["Peer"], old["Rt"] + "|172.16.0.0/12")
        # the new subnet is associated with the other table, and only there
        assocs = ec2.describe_route_tables(Filters=[{"Name": "association.subnet-id",
                                                     "Values": [new["Subnet"]]}])["RouteTables"]
        self.assertEqual([t_["RouteTableId"] for t_ in assocs], [old["AltRt"]])
        self.assertEqual([a["RouteTableAssociationId"] for a in assocs[0]["Associations"]
                          if a.get("SubnetId") == new["Subnet"]], [new["Assoc"]])
        acl = ec2.describe_network_acls(NetworkAclIds=[old["Acl"]])["NetworkAcls"][0]
        self.assertEqual(sorted((e["Egress"], e["RuleNumber"]) for e in acl["Entries"]
                                if e["RuleNumber"] < 32767),
                         [(False, 110), (False, 120), (True, 100)])
        self.assertEqual(new["Https"], old["Acl"] + "|ingress|120")
        self.assertNotIn("deposed", json.dumps(self.state("net")))
        self.assert_noop(t, *params)

    def test_association_moves_to_another_table_in_one_step(self):
        # only the route table changes: the association is replaced by
        # moving the subnet (ReplaceRouteTableAssociation), since a subnet
        # cannot be in two tables while the old association still exists
        t = self.write("net.yaml", NETWORK)
        self.apply(t)
        old = self.ids("net")
        r = self.apply(t, "Table=alt")
        self.assertIn("1 replaced", r.stdout)
        new = self.ids("net")
        self.assertNotEqual(new["Assoc"], old["Assoc"])
        tables = self.ec2.describe_route_tables(Filters=[{"Name": "association.subnet-id",
                                                          "Values": [old["Subnet"]]}])["RouteTables"]
        self.assertEqual([x["RouteTableId"] for x in tables], [old["AltRt"]])
        self.assert_noop(t, "Table=alt")

    def test_vpc_and_attachment_replacements(self):
        t = self.write("two.yaml", """\
Parameters:
  Cidr: {Type: String, Default: 10.60.0.0/16}
  Which: {Type: String, Default: one}
Conditions:
  One: !Equals [!Ref Which, one]
Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties: {CidrBlock: !Ref Cidr}
  Subnet:
    Type: AWS::EC2::Subnet
    Properties: {VpcId: !Ref Vpc, CidrBlock: !Select [0, !Cidr [!Ref Cidr, 4, 8]]}
  Other:
    Type: AWS::EC2::VPC
    Properties: {CidrBlock: 10.70.0.0/16}
  Igw:
    Type: AWS::EC2::InternetGateway
  Attach:
    Type: AWS::EC2::VPCGatewayAttachment
    Properties:
      VpcId: !If [One, !Ref Vpc, !Ref Other]
      InternetGatewayId: !Ref Igw
""")
        self.apply(t)
        old, ec2 = self.ids("two"), self.ec2
        # the attachment's VPC: replaced, the gateway moved from one VPC to the other
        r = self.plan(t, "Which=other", code=2)
        self.assertIn("-/+ Attach", r.stdout)
        self.apply(t, "Which=other")
        new = self.ids("two")
        self.assertEqual(new["Attach"], "IGW|" + old["Other"])
        igw = ec2.describe_internet_gateways(InternetGatewayIds=[old["Igw"]])["InternetGateways"][0]
        self.assertEqual([a["VpcId"] for a in igw["Attachments"]], [old["Other"]])
        self.assert_noop(t, "Which=other")
        # the VPC's CIDR block: a new VPC, and with it a new subnet; the old ones gone
        r = self.plan(t, "Which=other", "Cidr=10.61.0.0/16", code=2)
        self.assertIn("-/+ Vpc", r.stdout)
        self.assertIn("-/+ Subnet", r.stdout)
        self.apply(t, "Which=other", "Cidr=10.61.0.0/16")
        newer = self.ids("two")
        self.assertNotEqual(newer["Vpc"], old["Vpc"])
        with self.assertRaises(ec2.exceptions.ClientError):
            ec2.describe_vpcs(VpcIds=[old["Vpc"]])
        self.assertEqual(ec2.describe_vpcs(VpcIds=[newer["Vpc"]])["Vpcs"][0]["CidrBlock"], "10.61.0.0/16")
        self.assertEqual(ec2.describe_subnets(SubnetIds=[newer["Subnet"]])["Subnets"][0]["VpcId"],
                         newer["Vpc"])
        self.assertEqual(len(self.our_vpcs("two")), 2)
        self.assert_noop(t, "Which=other", "Cidr=10.61.0.0/16")
        self.cairn_ok("destroy", "--auto-approve", "--param", "Which=other", t)
        self.assertEqual(self.our_vpcs("two"), [])

    def test_tenancy_and_dns_attributes(self):
        t = self.write("ten.yaml", """\
Parameters:
  Tenancy: {Type: String, Default: dedicated}
  Dns: {Type: String, Default: "true"}
Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties:
      CidrBlock: 10.65.0.0/16
      InstanceTenancy: !Ref Tenancy
      EnableDnsSupport: !Ref Dns
      EnableDnsHostnames: !Ref Dns
""")
        self.apply(t)
        vid, ec2 = self.ids("ten")["Vpc"], self.ec2

        def attr(name):
            key = name[0].upper() + name[1:]
            return ec2.describe_vpc_attribute(VpcId=vid, Attribute=name)[key]["Value"]

        self.assertEqual(ec2.describe_vpcs(VpcIds=[vid])["Vpcs"][0]["InstanceTenancy"], "dedicated")
        self.assertTrue(attr("enableDnsHostnames") and attr("enableDnsSupport"))
        # both off: hostnames first (EC2 refuses hostnames without DNS support)
        self.apply(t, "Dns=false")
        self.assertFalse(attr("enableDnsHostnames") or attr("enableDnsSupport"))
        self.apply(t, "Dns=true")
        self.assertTrue(attr("enableDnsHostnames") and attr("enableDnsSupport"))
        # dedicated -> default: in place (ModifyVpcTenancy), the same VPC
        r = self.plan(t, "Tenancy=default", code=2)
        self.assertIn("will be updated in place", r.stdout)
        self.apply(t, "Tenancy=default")
        self.assertEqual(self.ids("ten")["Vpc"], vid)
        self.assertEqual(ec2.describe_vpcs(VpcIds=[vid])["Vpcs"][0]["InstanceTenancy"], "default")
        self.assert_noop(t, "Tenancy=default")
        # default -> dedicated cannot be done in place: an error that says what to do
        r = self.cairn("apply", "--auto-approve", "--param", "Tenancy=dedicated", t)
        self.assertEqual(r.returncode, 1)
        self.assertIn("InstanceTenancy can change in place only from dedicated to default", r.stderr)
        self.assertIn("give it a new logical id", r.stderr)
        self.assertEqual(ec2.describe_vpcs(VpcIds=[vid])["Vpcs"][0]["InstanceTenancy"], "default")

    def test_out_of_band_changes_show_and_are_put_right(self):
        t = self.write("net.yaml", NETWORK)
        self.apply(t)
        ids, ec2 = self.ids("net"), self.ec2
        ec2.modify_vpc_attribute(VpcId=ids["Vpc"], EnableDnsHostnames={"Value": False})
        ec2.modify_subnet_attribute(SubnetId=ids["Subnet"], MapPublicIpOnLaunch={"Value": True})
        ec2.create_tags(Resources=[ids["Rt"]], Tags=[{"Key": "extra", "Value": "x"}])
        ec2.create_tags(Resources=[ids["IgwA"]], Tags=[{"Key": "team", "Value": "someone"}])
        ec2.delete_tags(Resources=[ids["Acl"]], Tags=[{"Key": "team"}])
        ec2.replace_network_acl_entry(NetworkAclId=ids["Acl"], RuleNumber=100, Protocol="6",
                                      RuleAction="deny", Egress=False, CidrBlock="10.0.0.0/8",
                                      PortRange={"From": 443, "To": 443})
        ec2.delete_route(RouteTableId=ids["Rt"], DestinationCidrBlock="192.168.0.0/16")
        ec2.disassociate_route_table(AssociationId=ids["Assoc"])
        ec2.detach_internet_gateway(InternetGatewayId=ids["IgwA"], VpcId=ids["Vpc"])

        r = self.plan(t, code=2)
        self.assert_change(r.stdout, "EnableDnsHostnames", "false", '"true"')
        self.assert_change(r.stdout, "MapPublicIpOnLaunch", "true", '"false"')
        self.assertIn("\"extra\"", r.stdout)
        self.assertIn("# IgwA (AWS::EC2::InternetGateway) will be updated in place", r.stdout)
        self.assertIn("{\"Key\":\"team\",\"Value\":\"someone\"}", r.stdout)
        self.assertIn("# Acl (AWS::EC2::NetworkAcl) will be updated in place", r.stdout)
        self.assert_change(r.stdout, "RuleAction", '"deny"', '"allow"')
        for rid in ("Peer", "Assoc", "Attach"):
            self.assertIn("# %s (AWS::EC2::%s) will be created (it was deleted outside cairn)"
                          % (rid, {"Peer": "Route", "Assoc": "SubnetRouteTableAssociation",
                                   "Attach": "VPCGatewayAttachment"}[rid]), r.stdout)
        self.apply(t)
        self.assertTrue(ec2.describe_vpc_attribute(VpcId=ids["Vpc"], Attribute="enableDnsHostnames")
                        ["EnableDnsHostnames"]["Value"])
        self.assertFalse(ec2.describe_subnets(SubnetIds=[ids["Subnet"]])["Subnets"][0]
                         ["MapPublicIpOnLaunch"])
        rt = ec2.describe_route_tables(RouteTableIds=[ids["Rt"]])["RouteTables"][0]
        self.assertNotIn("extra", tags_of(rt["Tags"]))
        for rid in ("IgwA", "Acl"):
            desc = ec2.describe_tags(Filters=[{"Name": "resource-id", "Values": [ids[rid]]}])["Tags"]
            self.assertEqual({x["Key"]: x["Value"] for x in desc},
                             {"team": "ml", "cairn:stack": "net", "cairn:logical-id": rid}, rid)
        self.assertIn("192.168.0.0/16", [r_.get("DestinationCidrBlock") for r_ in rt["Routes"]])
        self.assertIn(ids["Subnet"], [a.get("SubnetId") for a in rt["Associations"]])
        igw = ec2.describe_internet_gateways(InternetGatewayIds=[ids["IgwA"]])["InternetGateways"][0]
        self.assertEqual([a["VpcId"] for a in igw["Attachments"]], [ids["Vpc"]])
        acl = ec2.describe_network_acls(NetworkAclIds=[ids["Acl"]])["NetworkAcls"][0]
        self.assertEqual([e["RuleAction"] for e in acl["Entries"]
                          if not e["Egress"] and e["RuleNumber"] == 100], ["allow"])
        self.assert_noop(t)

    def test_an_interrupted_create_is_adopted_not_duplicated(self):
        t = self.write("net.yaml", NETWORK)
        self.apply(t)
        before = self.ids("net")
        n = self.make_pending("net")
        r = self.cairn_ok("plan", t)
        self.assertIn("%d resources created by an interrupted apply will be adopted." % n, r.stdout)
        self.assertIn("Plan: 0 to add, 0 to change, 0 to replace, 0 to destroy.", r.stdout)
        self.apply(t)
        self.assertEqual(self.ids("net"), before)
        self.assertEqual(len(self.our_vpcs("net")), 1)
        gws = self.ec2.describe_internet_gateways(Filters=[{"Name": "tag:cairn:stack", "Values": ["net"]}])
        self.assertEqual(len(gws["InternetGateways"]), 2)
        tables = self.ec2.describe_route_tables(Filters=[{"Name": "tag:cairn:stack", "Values": ["net"]}])
        self.assertEqual(len(tables["RouteTables"]), 2)
        self.assert_noop(t)

    def test_subnet_network_acl_association(self):
        acl_tpl = """\
Parameters:
  Which: {Type: String, Default: a}
Conditions:
  A: !Equals [!Ref Which, a]
Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties: {CidrBlock: 10.95.0.0/16}
  Subnet:
    Type: AWS::EC2::Subnet
    Properties: {VpcId: !Ref Vpc, CidrBlock: 10.95.1.0/24}
  Other:
    Type: AWS::EC2::Subnet
    Properties: {VpcId: !Ref Vpc, CidrBlock: 10.95.2.0/24}
  AclA:
    Type: AWS::EC2::NetworkAcl
    Properties: {VpcId: !Ref Vpc}
  AclB:
    Type: AWS::EC2::NetworkAcl
    Properties: {VpcId: !Ref Vpc}
%s
Outputs:
  Default: {Value: !GetAtt Vpc.DefaultNetworkAcl}
"""
        assoc = """\
  InAcl:
    Type: AWS::EC2::SubnetNetworkAclAssociation
    Properties:
      SubnetId: !Ref Subnet
      NetworkAclId: !If [A, !Ref AclA, !Ref AclB]
"""
        t = self.write("acl.yaml", acl_tpl % assoc)
        ec2 = self.ec2

        def acl_of(subnet):
            acls = ec2.describe_network_acls(Filters=[{"Name": "association.subnet-id",
                                                       "Values": [subnet]}])["NetworkAcls"]
            return [(a["NetworkAclId"], x["NetworkAclAssociationId"]) for a in acls
                    for x in a["Associations"] if x["SubnetId"] == subnet]

        self.apply(t)
        ids = self.ids("acl")
        self.assertEqual(acl_of(ids["Subnet"]), [(ids["AclA"], ids["InAcl"])])
        self.assertTrue(ids["InAcl"].startswith("aclassoc-"))
        self.assert_noop(t)
        # replaced: the subnet moves from A to B in one step
        r = self.plan(t, "Which=b", code=2)
        self.assertIn("-/+ InAcl", r.stdout)
        self.apply(t, "Which=b")
        new = self.ids("acl")["InAcl"]
        self.assertNotEqual(new, ids["InAcl"])
        self.assertEqual(acl_of(ids["Subnet"]), [(ids["AclB"], new)])
        self.assert_noop(t, "Which=b")
        # moved back to the default ACL out of band: made again
        default = self.output("acl", "Default")
        ec2.replace_network_acl_association(AssociationId=new, NetworkAclId=default)
        r = self.plan(t, "Which=b", code=2)
        self.assertIn("# InAcl (AWS::EC2::SubnetNetworkAclAssociation) will be created "
                      "(it was deleted outside cairn)", r.stdout)
        self.apply(t, "Which=b")
        self.assertEqual(acl_of(ids["Subnet"])[0][0], ids["AclB"])
        # adopted after an interrupted create
        before = self.ids("acl")
        self.make_pending("acl")
        self.apply(t, "Which=b")
        self.assertEqual(self.ids("acl"), before)
        # a subnet someone else put in a custom ACL is not taken over
        theirs = ec2.describe_network_acls(Filters=[{"Name": "association.subnet-id",
                                                     "Values": [ids["Other"]]}])["NetworkAcls"][0]
        other_assoc = [x for x in theirs["Associations"] if x["SubnetId"] == ids["Other"]][0]
        ec2.replace_network_acl_association(AssociationId=other_assoc["NetworkAclAssociationId"],
                                            NetworkAclId=ids["AclA"])
        t2 = self.write("acl.yaml", acl_tpl % (assoc + """\
  OtherInB:
    Type: AWS::EC2::SubnetNetworkAclAssociation
    Properties: {SubnetId: !Ref Other, NetworkAclId: !Ref AclB}
"""))
        r = self.cairn("apply", "--auto-approve", "--param", "Which=b", t2)
        self.assertEqual(r.returncode, 1)
        self.assertIn("subnet %s is in network ACL %s" % (ids["Other"], ids["AclA"]), r.stderr)
        self.assertIn("which this resource did not put it in", r.stderr)
        self.assertEqual(acl_of(ids["Other"])[0][0], ids["AclA"])
        # removed from the template: the subnet goes back to the default ACL
        t3 = self.write("acl.yaml", acl_tpl % "")
        self.apply(t3, "Which=b")
        self.assertEqual(acl_of(ids["Subnet"])[0][0], default)
        self.assertEqual(acl_of(ids["Other"])[0][0], ids["AclA"])

    def test_a_delete_blocked_by_dependents_says_what_they_are(self):
        t = self.write("dep.yaml", """\
Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties:
      CidrBlock: 10.85.0.0/16
      Tags: [{Key: team, Value: !Ref Team}]
Parameters:
  Team: {Type: String, Default: ml}
""")
        self.apply(t)
        vid = self.ids("dep")["Vpc"]
        # a VPC whose template says nothing of tenancy or DNS updates in place
        self.apply(t, "Team=data")
        self.assertEqual(self.ids("dep")["Vpc"], vid)
        self.assertEqual(tags_of(self.ec2.describe_vpcs(VpcIds=[vid])["Vpcs"][0]["Tags"])["team"], "data")
        theirs = self.ec2.create_subnet(VpcId=vid, CidrBlock="10.85.1.0/24")["Subnet"]["SubnetId"]
        r = self.cairn("destroy", "--auto-approve", "--param", "Team=data", t,
                       env={"CAIRN_EC2_DEPENDENCY_TIMEOUT": "2"})
        self.assertEqual(r.returncode, 1)
        self.assertIn("Error: Vpc (AWS::EC2::VPC): delete failed", r.stderr)
        self.assertIn("DeleteVpc (ec2): DependencyViolation", r.stderr)
        self.assertIn("VPC %s still has dependents after 2s (subnet %s)" % (vid, theirs), r.stderr)
        self.assertIn("then run the command again", r.stderr)
        self.assertEqual(self.ids("dep")["Vpc"], vid)
        self.ec2.delete_subnet(SubnetId=theirs)
        self.cairn_ok("destroy", "--auto-approve", "--param", "Team=data", t)
        self.assertEqual(self.our_vpcs("dep"), [])

    def test_errors_name_what_to_do(self):
        t = self.write("bad.yaml", """\
Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties: {CidrBlock: 10.80.0.0/16}
  Rt:
    Type: AWS::EC2::RouteTable
    Properties: {VpcId: !Ref Vpc}
  NoTarget:
    Type: AWS::EC2::Route
    Properties: {RouteTableId: !Ref Rt, DestinationCidrBlock: 0.0.0.0/0}
""")
        r = self.cairn("apply", "--auto-approve", t)
        self.assertEqual(r.returncode, 1)
        self.assertIn("Error: NoTarget (AWS::EC2::Route): create failed", r.stderr)
        self.assertIn("AWS::EC2::Route needs a target: one of GatewayId, NatGatewayId", r.stderr)
        t = self.write("nocidr.yaml", """\
Resources:
  NoCidr:
    Type: AWS::EC2::VPC
""")
        r = self.cairn("apply", "--auto-approve", t)
        self.assertEqual(r.returncode, 1)
        self.assertIn("Error: NoCidr (AWS::EC2::VPC): create failed", r.stderr)
        self.assertIn("AWS::EC2::VPC needs CidrBlock", r.stderr)
        self.assertEqual(self.our_vpcs("nocidr"), [])
        # unsupported properties are validation errors naming them
        t = self.write("unsupported.yaml", """\
Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties: {CidrBlock: 10.80.0.0/16, Ipv4IpamPoolId: ipam-pool-1}
""")
        r = self.cairn("validate", t)
        self.assertEqual(r.returncode, 1)
        self.assertIn("unsupported.yaml:4:", r.stdout + r.stderr)
        self.assertIn("Ipv4IpamPoolId", r.stdout + r.stderr)


SECURITY = """\
Parameters:
  Port: {Type: Number, Default: 443}
  Desc: {Type: String, Default: https}
  WithEgress: {Type: String, Default: "yes"}
  Description: {Type: String, Default: web tier}
  AppPort: {Type: Number, Default: 8080}
  AppDesc: {Type: String, Default: from web}
  Team: {Type: String, Default: ml}
Conditions:
  Egress: !Equals [!Ref WithEgress, "yes"]
Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties: {CidrBlock: 10.50.0.0/16}
  Web:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: !Ref Description
      VpcId: !Ref Vpc
      SecurityGroupIngress:
        - {IpProtocol: "6", FromPort: !Ref Port, ToPort: !Ref Port, CidrIp: 10.0.0.0/8, Description: !Ref Desc}
        - {IpProtocol: -1, SourceSecurityGroupId: !GetAtt App.GroupId}
        - {IpProtocol: icmp, FromPort: 8, ToPort: -1, CidrIp: 10.1.0.0/16}
      SecurityGroupEgress: !If
        - Egress
        - - {IpProtocol: tcp, FromPort: 443, ToPort: 443, CidrIp: 0.0.0.0/0}
          - {IpProtocol: tcp, FromPort: 5432, ToPort: 5432, DestinationSecurityGroupId: !Ref App}
        - !Ref AWS::NoValue
      Tags: [{Key: team, Value: !Ref Team}]
  App:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: app tier
      VpcId: !Ref Vpc
      SecurityGroupEgress: []
  AppIn:
    Type: AWS::EC2::SecurityGroupIngress
    Properties:
      GroupId: !Ref App
      IpProtocol: tcp
      FromPort: !Ref AppPort
      ToPort: !Ref AppPort
      SourceSecurityGroupId: !Ref Web
      Description: !Ref AppDesc
  AppOut:
    Type: AWS::EC2::SecurityGroupEgress
    Properties:
      GroupId: !Ref App
      IpProtocol: tcp
      FromPort: 5432
      ToPort: 5432
      CidrIp: 10.50.0.0/16
Outputs:
  Web: {Value: !Ref Web}
  WebId: {Value: !GetAtt Web.GroupId}
  AppIn: {Value: !Ref AppIn}
"""


class TestEc2SecurityGroups(Ec2Case):

    def rules(self, gid, egress):
        out = []
        for r in self.ec2.describe_security_group_rules(
                Filters=[{"Name": "group-id", "Values": [gid]}])["SecurityGroupRules"]:
            if r["IsEgress"] != egress:
                continue
            peer = (r.get("CidrIpv4") or r.get("CidrIpv6") or r.get("PrefixListId")
                    or r.get("ReferencedGroupInfo", {}).get("GroupId"))
            out.append((r["IpProtocol"], r.get("FromPort"), r.get("ToPort"), peer,
                        r.get("Description")))
        return sorted(out, key=str)

    def test_rules_defaults_updates_and_destroy(self):
        t = self.write("tier.yaml", SECURITY)
        self.apply(t)
        ids = self.ids("tier")
        web, app = ids["Web"], ids["App"]
        self.assertEqual(self.output("tier", "Web"), web)
        self.assertEqual(self.output("tier", "WebId"), web)
        self.assertEqual(self.output("tier", "AppIn"), ids["AppIn"])
        self.assertTrue(ids["AppIn"].startswith("sgr-") and ids["AppOut"].startswith("sgr-"))
        g = self.ec2.describe_security_groups(GroupIds=[web])["SecurityGroups"][0]
        self.assertEqual((g["Description"], g["VpcId"]), ("web tier", ids["Vpc"]))
        self.assertRegex(g["GroupName"], r"^tier-Web-[0-9a-f]{12}$")
        self.assertEqual(tags_of(g["Tags"]), {"team": "ml", "cairn:stack": "tier",
                                              "cairn:logical-id": "Web"})
        self.assertEqual(self.rules(web, False), sorted([
            ("tcp", 443, 443, "10.0.0.0/8", "https"),
            ("-1", -1, -1, app, None),
            ("icmp", 8, -1, "10.1.0.0/16", None)], key=str))
        # the template's egress rules replace EC2's default egress rule
        self.assertEqual(self.rules(web, True), sorted([
            ("tcp", 443, 443, "0.0.0.0/0", None),
            ("tcp", 5432, 5432, app, None)], key=str))
        # App: an empty egress list keeps the default (as in CloudFormation);
        # its standalone rules are there, and tagged as theirs
        self.assertEqual(self.rules(app, True), sorted([
            ("-1", -1, -1, "0.0.0.0/0", None),
            ("tcp", 5432, 5432, "10.50.0.0/16", None)], key=str))
        self.assertEqual(self.rules(app, False), [("tcp", 8080, 8080, web, "from web")])
        rule = self.ec2.describe_security_group_rules(SecurityGroupRuleIds=[ids["AppIn"]])
        self.assertEqual(tags_of(rule["SecurityGroupRules"][0]["Tags"]),
                         {"cairn:stack": "tier", "cairn:logical-id": "AppIn"})
        # standalone rules do not show up as differences of their group
        self.assert_noop(t)

        # in place: rules of the group, descriptions, tags; the default
        # egress rule back when the template gives no egress rules
        params = ["Port=8443", "Desc=alt", "WithEgress=no", "AppDesc=from the web tier", "Team=data"]
        r = self.plan(t, *params, code=2)
        self.assertIn("Plan: 0 to add, 2 to change, 0 to replace, 0 to destroy.", r.stdout)
        self.apply(t, *params)
        self.assertEqual(self.ids("tier"), ids)
        self.assertEqual(self.rules(web, False), sorted([
            ("tcp", 8443, 8443, "10.0.0.0/8", "alt"),
            ("-1", -1, -1, app, None),
            ("icmp", 8, -1, "10.1.0.0/16", None)], key=str))
        self.assertEqual(self.rules(web, True), [("-1", -1, -1, "0.0.0.0/0", None)])
        self.assertEqual(self.rules(app, False), [("tcp", 8080, 8080, web, "from the web tier")])
        g = self.ec2.describe_security_groups(GroupIds=[web])["SecurityGroups"][0]
        self.assertEqual(tags_of(g["Tags"])["team"], "data")
        self.assert_noop(t, *params)

        # create-only: the group's description replaces it (a new generated
        # name), and the rule that refers to it; the rule's port replaces it
        params2 = params + ["Description=web tier v2", "AppPort=8081"]
        r = self.plan(t, *params2, code=2)
        self.assertIn("-/+ Web", r.stdout)
        self.assertIn("-/+ AppIn", r.stdout)
        self.apply(t, *params2)
        new = self.ids("tier")
        self.assertNotEqual(new["Web"], web)
        self.assertNotEqual(new["AppIn"], ids["AppIn"])
        self.assertEqual(new["App"], app)
        with self.assertRaises(self.ec2.exceptions.ClientError):
            self.ec2.describe_security_groups(GroupIds=[web])
        with self.assertRaises(self.ec2.exceptions.ClientError):
            self.ec2.describe_security_group_rules(SecurityGroupRuleIds=[ids["AppIn"]])
        self.assertEqual(self.rules(app, False), [("tcp", 8081, 8081, new["Web"], "from the web tier")])
        self.assertEqual(self.ec2.describe_security_groups(GroupIds=[new["Web"]])["SecurityGroups"][0]
                         ["Description"], "web tier v2")
        self.assert_noop(t, *params2)

        self.cairn_ok("destroy", "--auto-approve", *sum((["--param", p] for p in params2), []), t)
        left = self.ec2.describe_security_groups(Filters=[{"Name": "tag:cairn:stack", "Values": ["tier"]}])
        self.assertEqual(left["SecurityGroups"], [])
        self.assertEqual(self.our_vpcs("tier"), [])

    def test_out_of_band_rules_show_and_are_put_right(self):
        t = self.write("tier.yaml", SECURITY)
        self.apply(t)
        ids = self.ids("tier")
        self.ec2.authorize_security_group_ingress(GroupId=ids["Web"], IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
        self.ec2.revoke_security_group_egress(GroupId=ids["App"], SecurityGroupRuleIds=[ids["AppOut"]])
        self.ec2.authorize_security_group_egress(GroupId=ids["Web"], IpPermissions=[
            {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
        r = self.plan(t, code=2)
        self.assertIn("~ SecurityGroupIngress", r.stdout)
        self.assertIn("\"FromPort\": 22", r.stdout)
        self.assertIn("~ SecurityGroupEgress", r.stdout)
        self.assertIn("# AppOut (AWS::EC2::SecurityGroupEgress) will be created "
                      "(it was deleted outside cairn)", r.stdout)
        self.apply(t)
        self.assertNotIn(22, [x[1] for x in self.rules(ids["Web"], False)])
        self.assertEqual(len(self.rules(ids["Web"], True)), 2)
        self.assertIn(("tcp", 5432, 5432, "10.50.0.0/16", None), self.rules(ids["App"], True))
        self.assert_noop(t)

    def test_an_interrupted_create_is_adopted_not_duplicated(self):
        t = self.write("tier.yaml", SECURITY)
        self.apply(t)
        before = self.ids("tier")
        n = self.make_pending("tier")
        r = self.cairn_ok("plan", t)
        self.assertIn("%d resources created by an interrupted apply will be adopted." % n, r.stdout)
        self.apply(t)
        self.assertEqual(self.ids("tier"), before)
        groups = self.ec2.describe_security_groups(Filters=[{"Name": "tag:cairn:stack", "Values": ["tier"]}])
        self.assertEqual(len(groups["SecurityGroups"]), 2)
        self.assertEqual(len(self.rules(before["App"], False)), 1)
        self.assert_noop(t)

    def test_bad_rules_are_errors_that_say_what_to_do(self):
        t = self.write("bad.yaml", """\
Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties: {CidrBlock: 10.90.0.0/16}
  Twice:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: twice
      VpcId: !Ref Vpc
      SecurityGroupIngress:
        - {IpProtocol: tcp, FromPort: 22, ToPort: 22, CidrIp: 10.0.0.0/8}
        - {IpProtocol: "6", FromPort: 22, ToPort: 22, CidrIp: 10.0.0.0/8, Description: again}
  NoPeer:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: no peer
      VpcId: !Ref Vpc
      SecurityGroupIngress:
        - {IpProtocol: tcp, FromPort: 22, ToPort: 22}
""")
        r = self.cairn("apply", "--auto-approve", t)
        self.assertEqual(r.returncode, 1)
        self.assertIn("Error: Twice (AWS::EC2::SecurityGroup): create failed", r.stderr)
        self.assertIn("SecurityGroupIngress lists the same rule twice (tcp 22-22 from 10.0.0.0/8): "
                      "remove one", r.stderr)
        self.assertIn("Error: NoPeer (AWS::EC2::SecurityGroup): create failed", r.stderr)
        self.assertIn("SecurityGroupIngress: a rule needs exactly one of CidrIp, CidrIpv6, "
                      "SourcePrefixListId, SourceSecurityGroupId, SourceSecurityGroupName", r.stderr)


if __name__ == "__main__":
    cairntest.main()
