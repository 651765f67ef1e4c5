"""Fn::GetAZs at plan and apply: cairn asks EC2 for the region's zones
(only when the template uses it) and places resources in them."""
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
Outputs:
  Zones:
    Value: !Join [",", !GetAZs ""]
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
        out = self.cairn_ok("output", "--stack-name", "azs").stdout
        self.assertIn(",".join(zones), out)
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
