"""AWS::EC2::VPCEndpoint (Gateway and Interface) and AWS::EC2::FlowLog (to S3
and to CloudWatch Logs; of a VPC, a subnet and a network interface) against
moto with cairn's EC2 test double (tests/lib/emulator/ec2.py: moto
ignores PrivateDnsEnabled and ResetPolicy in ModifyVpcEndpoint and does not
keep a flow log's DestinationOptions, all of which AWS does), every result
checked with boto3.

Create, then the live configuration matches; a second plan is a no-op;
route tables, subnets' security groups, the policy (set and reset), private
DNS and tags change in place (same ids); a new service or traffic type
replaces (new ids, the old endpoint deleted with its network interfaces, a
flow log that would duplicate the old one made after the old one goes);
changes made out of band show and are put right; an interrupted create is
adopted; destroy leaves nothing.
"""
import json
import os
import subprocess

import cairntest

TEMPLATE = """\
Parameters:
  PrivateDns: {Type: String, Default: "false"}
  Policy: {Type: String, Default: custom}
  Tables: {Type: String, Default: one}
  Groups: {Type: String, Default: a}
  Service: {Type: String, Default: sagemaker.api}
  Traffic: {Type: String, Default: ALL}
  FlowTag: {Type: String, Default: v1}
  LogGroup: {Type: String}
  LogRole: {Type: String}
Conditions:
  Custom: !Equals [!Ref Policy, custom]
  Two: !Equals [!Ref Tables, two]
  GroupA: !Equals [!Ref Groups, a]
Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties: {CidrBlock: 10.100.0.0/16, EnableDnsSupport: true, EnableDnsHostnames: true}
  SubnetA:
    Type: AWS::EC2::Subnet
    Properties: {VpcId: !Ref Vpc, CidrBlock: 10.100.1.0/24, AvailabilityZone: us-east-1a}
  SubnetB:
    Type: AWS::EC2::Subnet
    Properties: {VpcId: !Ref Vpc, CidrBlock: 10.100.2.0/24, AvailabilityZone: us-east-1b}
  RtA:
    Type: AWS::EC2::RouteTable
    Properties: {VpcId: !Ref Vpc}
  RtB:
    Type: AWS::EC2::RouteTable
    Properties: {VpcId: !Ref Vpc}
  SgA:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: endpoints a
      VpcId: !Ref Vpc
      SecurityGroupIngress: [{IpProtocol: tcp, FromPort: 443, ToPort: 443, CidrIp: 10.100.0.0/16}]
  SgB:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: endpoints b
      VpcId: !Ref Vpc
      SecurityGroupIngress: [{IpProtocol: tcp, FromPort: 443, ToPort: 443, CidrIp: 10.100.0.0/16}]
  Logs:
    Type: AWS::S3::Bucket
  S3Endpoint:
    Type: AWS::EC2::VPCEndpoint
    Properties:
      VpcId: !Ref Vpc
      ServiceName: !Sub com.amazonaws.${AWS::Region}.s3
      VpcEndpointType: Gateway
      RouteTableIds: !If [Two, [!Ref RtA, !Ref RtB], [!Ref RtA]]
      PolicyDocument: !If
        - Custom
        - Version: "2012-10-17"
          Statement:
            - Sid: ReadModels
              Effect: Allow
              Principal: "*"
              Action: ["s3:GetObject", "s3:ListBucket"]
              Resource: "*"
        - !Ref AWS::NoValue
      Tags: [{Key: purpose, Value: models}]
  ApiEndpoint:
    Type: AWS::EC2::VPCEndpoint
    Properties:
      VpcId: !Ref Vpc
      VpcEndpointType: Interface
      ServiceName: !Sub com.amazonaws.${AWS::Region}.${Service}
      SubnetIds: [!Ref SubnetA, !Ref SubnetB]
      SecurityGroupIds: !If [GroupA, [!Ref SgA], [!Ref SgB]]
      PrivateDnsEnabled: !Ref PrivateDns
  VpcFlow:
    Type: AWS::EC2::FlowLog
    Properties:
      ResourceType: VPC
      ResourceId: !Ref Vpc
      TrafficType: !Ref Traffic
      LogDestinationType: s3
      LogDestination: !GetAtt Logs.Arn
      MaxAggregationInterval: 60
      LogFormat: "${version} ${srcaddr} ${dstaddr} ${action}"
      DestinationOptions: {FileFormat: parquet, HiveCompatiblePartitions: true, PerHourPartition: true}
      Tags: [{Key: rev, Value: !Ref FlowTag}]
  SubnetFlow:
    Type: AWS::EC2::FlowLog
    Properties:
      ResourceType: Subnet
      ResourceId: !Ref SubnetA
      TrafficType: REJECT
      LogGroupName: !Ref LogGroup
      DeliverLogsPermissionArn: !Ref LogRole
  EniFlow:
    Type: AWS::EC2::FlowLog
    Properties:
      ResourceType: NetworkInterface
      ResourceId: !Select [0, !GetAtt ApiEndpoint.NetworkInterfaceIds]
      TrafficType: ACCEPT
      LogDestinationType: s3
      LogDestination: !GetAtt Logs.Arn
Outputs:
  ApiDns: {Value: !Select [0, !GetAtt ApiEndpoint.DnsEntries]}
  ApiCreated: {Value: !GetAtt ApiEndpoint.CreationTimestamp}
  ApiId: {Value: !GetAtt ApiEndpoint.Id}
  VpcFlow: {Value: !Ref VpcFlow}
"""

CUSTOM_POLICY = {"Version": "2012-10-17", "Statement": [{
    "Sid": "ReadModels", "Effect": "Allow", "Principal": "*",
    "Action": ["s3:GetObject", "s3:ListBucket"], "Resource": "*"}]}


def tags_of(tagset):
    return {t["Key"]: t["Value"] for t in tagset or []}


class TestEc2EndpointsAndFlowLogs(cairntest.CairnTestCase):

    @classmethod
    def setUpClass(cls):
        cls.moto = cairntest.Moto(server=cairntest.EMULATOR)

    def setUp(self):
        super().setUp()
        self.moto.reset()
        self.ec2 = self.boto("ec2")
        self.boto("logs").create_log_group(logGroupName="vpc-flow")
        role = self.boto("iam").create_role(RoleName="flow-logs", AssumeRolePolicyDocument=json.dumps({
            "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                    "Principal": {"Service": "vpc-flow-logs.amazonaws.com"}}]}))
        self.role = role["Role"]["Arn"]
        self.t = self.write("ep.yaml", TEMPLATE)
        self.base = ["LogGroup=vpc-flow", "LogRole=" + self.role]

    def run_cairn(self, verb, *params, code=0):
        args = [verb]
        if verb in ("apply", "destroy"):
            args.append("--auto-approve")
        if verb == "plan":
            args.append("-detailed-exitcode")
        for p in self.base + list(params):
            args += ["--param", p]
        r = self.cairn(*args, self.t)
        self.assertEqual(r.returncode, code, "cairn %s: exit %d\n%s%s" % (verb, r.returncode, r.stdout,
                                                                          r.stderr))
        return r

    def ids(self):
        with open(os.path.join(self.tmp, ".cairn", "ep.state.json")) as f:
            return {k: v.get("id") for k, v in json.load(f)["resources"].items()}

    def vpce(self, vid):
        return self.ec2.describe_vpc_endpoints(VpcEndpointIds=[vid])["VpcEndpoints"][0]

    def flow(self, fid):
        logs = self.ec2.describe_flow_logs(FlowLogIds=[fid])["FlowLogs"]
        return logs[0] if logs else None

    def live_endpoints(self):
        eps = self.ec2.describe_vpc_endpoints(
            Filters=[{"Name": "tag:cairn:stack", "Values": ["ep"]}])["VpcEndpoints"]
        return [e for e in eps if e["State"].lower() not in ("deleted", "deleting")]

    def our_flow_logs(self):
        return [f for f in self.ec2.describe_flow_logs()["FlowLogs"]
                if tags_of(f.get("Tags")).get("cairn:stack") == "ep"]

    def test_create_update_replace_destroy(self):
        self.run_cairn("apply")
        ids, ec2 = self.ids(), self.ec2

        gw = self.vpce(ids["S3Endpoint"])
        self.assertEqual((gw["VpcEndpointType"], gw["ServiceName"], gw["VpcId"]),
                         ("Gateway", "com.amazonaws.us-east-1.s3", ids["Vpc"]))
        self.assertEqual(gw["RouteTableIds"], [ids["RtA"]])
        self.assertEqual(json.loads(gw["PolicyDocument"]), CUSTOM_POLICY)
        self.assertEqual(tags_of(gw["Tags"]), {"purpose": "models", "cairn:stack": "ep",
                                               "cairn:logical-id": "S3Endpoint"})
        rta = ec2.describe_route_tables(RouteTableIds=[ids["RtA"]])["RouteTables"][0]
        self.assertIn(ids["S3Endpoint"], [r.get("GatewayId") for r in rta["Routes"]
                                          if r.get("DestinationPrefixListId")])

        api = self.vpce(ids["ApiEndpoint"])
        self.assertEqual((api["VpcEndpointType"], api["ServiceName"]),
                         ("Interface", "com.amazonaws.us-east-1.sagemaker.api"))
        self.assertEqual(sorted(api["SubnetIds"]), sorted([ids["SubnetA"], ids["SubnetB"]]))
        self.assertEqual([g["GroupId"] for g in api["Groups"]], [ids["SgA"]])
        self.assertFalse(api["PrivateDnsEnabled"])
        enis = api["NetworkInterfaceIds"]
        self.assertEqual(len(enis), 2)
        self.assertEqual(len(ec2.describe_network_interfaces(NetworkInterfaceIds=enis)
                             ["NetworkInterfaces"]), 2)
        dns = api["DnsEntries"][0]
        r = self.cairn_ok("output", "ApiDns")
        self.assertEqual(r.stdout.strip(), "%s:%s" % (dns["HostedZoneId"], dns["DnsName"]))
        self.assertEqual(self.cairn_ok("output", "ApiId").stdout.strip(), ids["ApiEndpoint"])
        self.assertNotEqual(self.cairn_ok("output", "ApiCreated").stdout.strip(), "")

        bucket = ids["Logs"]
        vf = self.flow(ids["VpcFlow"])
        self.assertEqual((vf["ResourceId"], vf["TrafficType"], vf["LogDestinationType"],
                          vf["LogDestination"], vf["MaxAggregationInterval"], vf["LogFormat"]),
                         (ids["Vpc"], "ALL", "s3", "arn:aws:s3:::" + bucket, 60,
                          "${version} ${srcaddr} ${dstaddr} ${action}"))
        self.assertEqual(vf["DestinationOptions"], {"FileFormat": "parquet",
                                                    "HiveCompatiblePartitions": True,
                                                    "PerHourPartition": True})
        self.assertEqual(tags_of(vf["Tags"]), {"rev": "v1", "cairn:stack": "ep",
                                               "cairn:logical-id": "VpcFlow"})
        sf = self.flow(ids["SubnetFlow"])
        self.assertEqual((sf["ResourceId"], sf["TrafficType"], sf["LogDestinationType"],
                          sf["LogGroupName"], sf["DeliverLogsPermissionArn"]),
                         (ids["SubnetA"], "REJECT", "cloud-watch-logs", "vpc-flow", self.role))
        ef = self.flow(ids["EniFlow"])
        self.assertEqual((ef["ResourceId"], ef["TrafficType"]), (enis[0], "ACCEPT"))
        self.run_cairn("plan")

        # in place: route tables, policy reset, security groups, private DNS, tags
        params = ["Tables=two", "Policy=none", "Groups=b", "PrivateDns=true", "FlowTag=v2"]
        r = self.run_cairn("plan", *params, code=2)
        self.assertIn("Plan: 0 to add, 3 to change, 0 to replace, 0 to destroy.", r.stdout)
        self.run_cairn("apply", *params)
        self.assertEqual(self.ids(), ids)
        gw = self.vpce(ids["S3Endpoint"])
        self.assertEqual(sorted(gw["RouteTableIds"]), sorted([ids["RtA"], ids["RtB"]]))
        self.assertEqual(json.loads(gw["PolicyDocument"])["Statement"],
                         [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}])
        api = self.vpce(ids["ApiEndpoint"])
        self.assertEqual([g["GroupId"] for g in api["Groups"]], [ids["SgB"]])
        self.assertTrue(api["PrivateDnsEnabled"])
        self.assertEqual(tags_of(self.flow(ids["VpcFlow"])["Tags"])["rev"], "v2")
        self.run_cairn("plan", *params)

        # create-only: another service replaces the endpoint (and the flow log
        # of its network interface); another traffic type replaces the flow log
        params2 = params + ["Service=sagemaker.runtime", "Traffic=REJECT"]
        r = self.run_cairn("plan", *params2, code=2)
        self.assertIn("-/+ ApiEndpoint", r.stdout)
        self.assertIn("-/+ VpcFlow", r.stdout)
        self.assertIn("-/+ EniFlow", r.stdout)
        r = self.run_cairn("apply", *params2)
        self.assertIn("3 replaced", r.stdout)
        new = self.ids()
        for rid in ("ApiEndpoint", "VpcFlow", "EniFlow"):
            self.assertNotEqual(new[rid], ids[rid], rid)
        self.assertEqual(new["S3Endpoint"], ids["S3Endpoint"])
        old_api = [e for e in ec2.describe_vpc_endpoints()["VpcEndpoints"]
                   if e["VpcEndpointId"] == ids["ApiEndpoint"]]
        self.assertTrue(all(e["State"].lower() == "deleted" for e in old_api), old_api)
        self.assertEqual(ec2.describe_network_interfaces(
            Filters=[{"Name": "network-interface-id", "Values": enis}])["NetworkInterfaces"], [])
        self.assertIsNone(self.flow(ids["VpcFlow"]))
        self.assertIsNone(self.flow(ids["EniFlow"]))
        self.assertEqual(self.vpce(new["ApiEndpoint"])["ServiceName"],
                         "com.amazonaws.us-east-1.sagemaker.runtime")
        self.assertEqual(self.flow(new["VpcFlow"])["TrafficType"], "REJECT")
        self.assertEqual(self.flow(new["EniFlow"])["ResourceId"],
                         self.vpce(new["ApiEndpoint"])["NetworkInterfaceIds"][0])
        self.assertEqual(len(self.live_endpoints()), 2)
        self.assertEqual(len(self.our_flow_logs()), 3)
        self.run_cairn("plan", *params2)

        r = self.run_cairn("destroy", *params2)
        self.assertIn("Destroy complete!", r.stdout)
        self.assertEqual(self.live_endpoints(), [])
        self.assertEqual(self.our_flow_logs(), [])
        self.assertEqual(ec2.describe_vpcs(Filters=[{"Name": "tag:cairn:stack", "Values": ["ep"]}])
                         ["Vpcs"], [])

    def test_out_of_band_changes_show_and_are_put_right(self):
        self.run_cairn("apply")
        ids = self.ids()
        self.ec2.delete_flow_logs(FlowLogIds=[ids["SubnetFlow"]])
        self.ec2.modify_vpc_endpoint(VpcEndpointId=ids["S3Endpoint"], RemoveRouteTableIds=[ids["RtA"]],
                                     AddRouteTableIds=[ids["RtB"]])
        self.ec2.modify_vpc_endpoint(VpcEndpointId=ids["ApiEndpoint"], AddSecurityGroupIds=[ids["SgB"]])
        self.ec2.delete_tags(Resources=[ids["VpcFlow"]], Tags=[{"Key": "rev"}])
        r = self.run_cairn("plan", code=2)
        self.assertIn("# SubnetFlow (AWS::EC2::FlowLog) will be created (it was deleted outside cairn)",
                      r.stdout)
        self.assertIn("~ RouteTableIds", r.stdout)
        self.assertIn("~ SecurityGroupIds", r.stdout)
        self.assertIn("~ Tags = [] -> [{\"Key\":\"rev\",\"Value\":\"v1\"}]", r.stdout)
        self.run_cairn("apply")
        self.assertEqual(self.vpce(ids["S3Endpoint"])["RouteTableIds"], [ids["RtA"]])
        self.assertEqual([g["GroupId"] for g in self.vpce(ids["ApiEndpoint"])["Groups"]],
                         [ids["SgA"]])
        self.assertEqual(tags_of(self.flow(ids["VpcFlow"])["Tags"])["rev"], "v1")
        subnet_flows = self.ec2.describe_flow_logs(
            Filter=[{"Name": "resource-id", "Values": [ids["SubnetA"]]}])["FlowLogs"]
        self.assertEqual(len(subnet_flows), 1)
        self.assertEqual(self.ids()["SubnetFlow"], subnet_flows[0]["FlowLogId"])
        self.run_cairn("plan")

    def test_an_interrupted_create_is_adopted_not_duplicated(self):
        self.run_cairn("apply")
        before = self.ids()
        path = os.path.join(self.tmp, ".cairn", "ep.state.json")
        with open(path) as f:
            st = json.load(f)
        for i, rec in enumerate(st["resources"].values()):
            rec.pop("id", None)
            rec.pop("attributes", None)
            rec["status"] = "pending"
            rec["pending"] = {"token": "adopt-%d" % i, "started": "2020-01-01T00:00:00Z"}
        with open(path, "w") as f:
            json.dump(st, f)
        r = self.run_cairn("plan", code=2)  # adopting is a change of the state
        self.assertIn("Plan: 0 to add, 0 to change, 0 to replace, 0 to destroy.", r.stdout)
        self.assertIn("%d resources created by an interrupted apply will be adopted."
                      % len(st["resources"]), r.stdout)
        self.run_cairn("apply")
        self.assertEqual(self.ids(), before)
        self.assertEqual(len(self.live_endpoints()), 2)
        self.assertEqual(len(self.our_flow_logs()), 3)
        self.run_cairn("plan")


# A private network for SageMaker as seed 001 needs it: two private subnets,
# no internet gateway, S3 through a gateway endpoint, the SageMaker API and
# runtime, CloudWatch Logs and KMS through interface endpoints reachable on
# 443 from the VPC only, and every flow of the VPC logged to S3. (The zones
# are a parameter: Fn::GetAZs is not resolved at apply yet, an engine matter.)
SECURE_VPC = """\
AWSTemplateFormatVersion: "2010-09-09"
Description: private network for SageMaker (cairn EC2 test)
Parameters:
  VpcCidr:
    Type: String
    Default: 10.20.0.0/16
  Zones:
    Type: List<AWS::EC2::AvailabilityZone::Name>
    Default: us-east-1a,us-east-1b
Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties:
      CidrBlock: !Ref VpcCidr
      EnableDnsSupport: true
      EnableDnsHostnames: true
  PrivateA:
    Type: AWS::EC2::Subnet
    Properties:
      VpcId: !Ref Vpc
      CidrBlock: !Select [0, !Cidr [!Ref VpcCidr, 4, 8]]
      AvailabilityZone: !Select [0, !Ref Zones]
  PrivateB:
    Type: AWS::EC2::Subnet
    Properties:
      VpcId: !Ref Vpc
      CidrBlock: !Select [1, !Cidr [!Ref VpcCidr, 4, 8]]
      AvailabilityZone: !Select [1, !Ref Zones]
  Private:
    Type: AWS::EC2::RouteTable
    Properties:
      VpcId: !Ref Vpc
  PrivateAInPrivate:
    Type: AWS::EC2::SubnetRouteTableAssociation
    Properties:
      SubnetId: !Ref PrivateA
      RouteTableId: !Ref Private
  PrivateBInPrivate:
    Type: AWS::EC2::SubnetRouteTableAssociation
    Properties:
      SubnetId: !Ref PrivateB
      RouteTableId: !Ref Private
  EndpointSg:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: HTTPS from the VPC to the interface endpoints
      VpcId: !Ref Vpc
      SecurityGroupIngress:
        - IpProtocol: tcp
          FromPort: 443
          ToPort: 443
          CidrIp: !Ref VpcCidr
      SecurityGroupEgress:
        - IpProtocol: tcp
          FromPort: 443
          ToPort: 443
          CidrIp: !Ref VpcCidr
  S3Endpoint:
    Type: AWS::EC2::VPCEndpoint
    Properties:
      VpcId: !Ref Vpc
      ServiceName: !Sub com.amazonaws.${AWS::Region}.s3
      RouteTableIds: [!Ref Private]
  SageMakerApi:
    Type: AWS::EC2::VPCEndpoint
    Properties:
      VpcId: !Ref Vpc
      VpcEndpointType: Interface
      ServiceName: !Sub com.amazonaws.${AWS::Region}.sagemaker.api
      SubnetIds: [!Ref PrivateA, !Ref PrivateB]
      SecurityGroupIds: [!Ref EndpointSg]
      PrivateDnsEnabled: true
  SageMakerRuntime:
    Type: AWS::EC2::VPCEndpoint
    Properties:
      VpcId: !Ref Vpc
      VpcEndpointType: Interface
      ServiceName: !Sub com.amazonaws.${AWS::Region}.sagemaker.runtime
      SubnetIds: [!Ref PrivateA, !Ref PrivateB]
      SecurityGroupIds: [!Ref EndpointSg]
      PrivateDnsEnabled: true
  Logs:
    Type: AWS::EC2::VPCEndpoint
    Properties:
      VpcId: !Ref Vpc
      VpcEndpointType: Interface
      ServiceName: !Sub com.amazonaws.${AWS::Region}.logs
      SubnetIds: [!Ref PrivateA, !Ref PrivateB]
      SecurityGroupIds: [!Ref EndpointSg]
      PrivateDnsEnabled: true
  Kms:
    Type: AWS::EC2::VPCEndpoint
    Properties:
      VpcId: !Ref Vpc
      VpcEndpointType: Interface
      ServiceName: !Sub com.amazonaws.${AWS::Region}.kms
      SubnetIds: [!Ref PrivateA, !Ref PrivateB]
      SecurityGroupIds: [!Ref EndpointSg]
      PrivateDnsEnabled: true
  FlowLogBucket:
    Type: AWS::S3::Bucket
    Properties:
      PublicAccessBlockConfiguration:
        BlockPublicAcls: true
        BlockPublicPolicy: true
        IgnorePublicAcls: true
        RestrictPublicBuckets: true
  FlowLogs:
    Type: AWS::EC2::FlowLog
    Properties:
      ResourceType: VPC
      ResourceId: !Ref Vpc
      TrafficType: ALL
      LogDestinationType: s3
      LogDestination: !GetAtt FlowLogBucket.Arn
Outputs:
  SubnetIds:
    Value: !Join [",", [!Ref PrivateA, !Ref PrivateB]]
  EndpointSecurityGroup:
    Value: !GetAtt EndpointSg.GroupId
"""


class TestEc2SecureVpc(cairntest.CairnTestCase):

    @classmethod
    def setUpClass(cls):
        cls.moto = cairntest.Moto(server=cairntest.EMULATOR)

    def test_a_private_network_for_sagemaker(self):
        t = self.write("mlvpc.yaml", SECURE_VPC)
        r = subprocess.run(["cfn-lint", t], capture_output=True, text=True, cwd="/")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.cairn_ok("apply", "--auto-approve", t)
        r = self.cairn("plan", "-detailed-exitcode", t)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        ec2 = self.boto("ec2")
        vpc = ec2.describe_vpcs(Filters=[{"Name": "tag:cairn:stack", "Values": ["mlvpc"]}])["Vpcs"]
        self.assertEqual(len(vpc), 1)
        vid = vpc[0]["VpcId"]
        self.assertEqual(ec2.describe_internet_gateways(
            Filters=[{"Name": "attachment.vpc-id", "Values": [vid]}])["InternetGateways"], [])
        subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vid]}])["Subnets"]
        self.assertEqual(len({s["AvailabilityZone"] for s in subnets}), 2)
        self.assertFalse(any(s["MapPublicIpOnLaunch"] for s in subnets))
        eps = [e for e in ec2.describe_vpc_endpoints(Filters=[{"Name": "vpc-id", "Values": [vid]}])
               ["VpcEndpoints"] if e["State"] == "available"]
        self.assertEqual(sorted(e["ServiceName"].rsplit(".", 1)[-1] if "sagemaker" not in e["ServiceName"]
                                else e["ServiceName"].split("us-east-1.")[1] for e in eps),
                         ["kms", "logs", "s3", "sagemaker.api", "sagemaker.runtime"])
        sg = self.cairn_ok("output", "EndpointSecurityGroup").stdout.strip()
        for e in eps:
            if e["VpcEndpointType"] == "Interface":
                self.assertEqual([g["GroupId"] for g in e["Groups"]], [sg])
                self.assertTrue(e["PrivateDnsEnabled"])
                self.assertEqual(len(e["NetworkInterfaceIds"]), 2)
        flows = ec2.describe_flow_logs(Filter=[{"Name": "resource-id", "Values": [vid]}])["FlowLogs"]
        self.assertEqual([(f["TrafficType"], f["LogDestinationType"]) for f in flows], [("ALL", "s3")])
        self.cairn_ok("destroy", "--auto-approve", t)
        self.assertEqual(ec2.describe_vpcs(Filters=[{"Name": "tag:cairn:stack", "Values": ["mlvpc"]}])
                         ["Vpcs"], [])
        self.assertEqual([e for e in ec2.describe_vpc_endpoints()["VpcEndpoints"]
                          if e["State"] not in ("deleted", "deleting")], [])


if __name__ == "__main__":
    cairntest.main()
