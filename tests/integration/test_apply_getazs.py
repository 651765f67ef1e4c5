"""Fn::GetAZs at plan and apply: cairn asks EC2 for the region's zones
(only when the template uses it) and places resources in them."""
import json

import cairntest

TEMPLATE = """
Resources:
  Net:
    Type: AWS::EC2::VPC
    Properties:
      CidrBlock: 10.20.0.0/16
  First:
    Type: AWS::EC2::Subnet
    Properties:
      VpcId: !Ref Net
      CidrBlock: 10.20.1.0/24
      AvailabilityZone: !Select [0, !GetAZs ""]
  Second:
    Type: AWS::EC2::Subnet
    Properties:
      VpcId: !Ref Net
      CidrBlock: 10.20.2.0/24
      AvailabilityZone: !Select [1, !GetAZs {Ref: "AWS::Region"}]
  Guard:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: only the VPC itself
      VpcId: !GetAtt First.VpcId
      SecurityGroupIngress:
        - IpProtocol: tcp
          FromPort: 443
          ToPort: 443
          CidrIp: !GetAtt Net.CidrBlock
Outputs:
  Zones:
    Value: !Join [",", !GetAZs ""]
  FirstZone:
    Value: !GetAtt First.AvailabilityZone
  FirstCidr:
    Value: !GetAtt First.CidrBlock
  GuardVpc:
    Value: !GetAtt Guard.VpcId
"""


class TestGetAZs(cairntest.CairnTestCase):

    def test_subnets_land_in_the_regions_zones(self):
        t = self.write("azs.yaml", TEMPLATE)
        ec2 = self.boto("ec2")
        zones = sorted(z["ZoneName"] for z in ec2.describe_availability_zones(
            Filters=[{"Name": "zone-type", "Values": ["availability-zone"]},
                     {"Name": "state", "Values": ["available"]}])["AvailabilityZones"])
        self.assertGreaterEqual(len(zones), 2)
        r = self.cairn_ok("plan", t)
        az_lines = [l for l in r.stdout.splitlines() if "AvailabilityZone" in l]
        self.assertEqual(len(az_lines), 2, r.stdout)
        self.assertIn(zones[0], az_lines[0] + az_lines[1], r.stdout)
        self.assertIn(zones[1], az_lines[0] + az_lines[1], r.stdout)
        self.cairn_ok("apply", "--auto-approve", t)
        state = self.cairn_ok("state", "show", "--stack-name", "azs", "First").stdout
        self.assertIn(zones[0], state)
        subnets = {s["CidrBlock"]: s["AvailabilityZone"]
                   for s in ec2.describe_subnets(Filters=[{"Name": "cidr-block",
                                                          "Values": ["10.20.1.0/24", "10.20.2.0/24"]}])["Subnets"]}
        self.assertEqual(subnets, {"10.20.1.0/24": zones[0], "10.20.2.0/24": zones[1]})
        out = json.loads(self.cairn_ok("output", "--json", "--stack-name", "azs").stdout)
        vpc = ec2.describe_subnets(SubnetIds=[out["FirstCidr"] and json.loads(
            self.cairn_ok("state", "show", "--json", "--stack-name", "azs", "First").stdout)["id"]])["Subnets"][0]["VpcId"]
        self.assertEqual(out["Zones"], ",".join(zones))
        self.assertEqual(out["FirstZone"], zones[0])
        self.assertEqual(out["FirstCidr"], "10.20.1.0/24")
        self.assertEqual(out["GuardVpc"], vpc)
        group = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc]},
                                                      {"Name": "description", "Values": ["only the VPC itself"]}])["SecurityGroups"][0]
        self.assertEqual(group["IpPermissions"][0]["IpRanges"][0]["CidrIp"], "10.20.0.0/16")
        r = self.cairn("plan", "-detailed-exitcode", t)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.cairn_ok("destroy", "--auto-approve", t)

    def test_a_template_without_getazs_does_not_ask_ec2(self):
        t = self.write("plain.yaml", "Resources:\n  K:\n    Type: AWS::KMS::Key\n    Properties: {}\n")
        r = self.cairn_ok("plan", "--log-level", "debug", t)
        self.assertNotIn("DescribeAvailabilityZones", r.stderr)
        self.assertIn("GetCallerIdentity", r.stderr)


if __name__ == "__main__":
    cairntest.main()
