#!/usr/bin/env python3
"""Generates a stack of N resources for the policy benchmark.

    gen.py document N > stack.json   a stack document (what cairn_stack_document
                                     gives) mixing every type the packs judge
    gen.py template N > stack.yaml   a template of S3 buckets and KMS keys (the
                                     types the loader registers today)

Deterministic: the same N gives the same stack. About one resource in
ten violates something, so every format has findings to write."""
import json
import sys


def unk(e):
    return {"Cairn::Unknown": e}


def ref(x):
    return unk({"Ref": x})


def getatt(x, a):
    return unk({"Fn::GetAtt": [x, a]})


def sub(s):
    return unk({"Fn::Sub": s})


def document(n):
    res = {}
    trust = {"Statement": [{"Effect": "Allow", "Principal": {"Service": "sagemaker.amazonaws.com"},
                            "Action": "sts:AssumeRole"}]}
    i = 0
    # One "unit" is 20 resources; 500 units make 10,000.
    while len(res) < n:
        u = "U%05d" % i
        bad = i % 10 == 0
        key, bucket, logs = u + "Key", u + "Bucket", u + "Logs"
        res[key] = {"Type": "AWS::KMS::Key", "Properties": {
            "EnableKeyRotation": not bad,
            "KeyPolicy": {"Statement": [{"Effect": "Allow",
                                         "Principal": {"AWS": sub("arn:aws:iam::${AWS::AccountId}:root")},
                                         "Action": "kms:*", "Resource": "*"}]}}}
        for b in (bucket, logs):
            res[b] = {"Type": "AWS::S3::Bucket", "Properties": {
                "VersioningConfiguration": {"Status": "Enabled"},
                "BucketEncryption": {"ServerSideEncryptionConfiguration": [
                    {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms",
                                                       "KMSMasterKeyID": getatt(key, "Arn")}}]},
                "PublicAccessBlockConfiguration": {"BlockPublicAcls": True, "BlockPublicPolicy": True,
                                                   "IgnorePublicAcls": True,
                                                   "RestrictPublicBuckets": not bad},
                "LoggingConfiguration": {"DestinationBucketName": ref(logs)}}, "DependsOn": [key, logs] if b == bucket else [key]}
            res[b + "Policy"] = {"Type": "AWS::S3::BucketPolicy", "Properties": {
                "Bucket": ref(b),
                "PolicyDocument": {"Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:*",
                                                  "Resource": [getatt(b, "Arn"), sub("${%s.Arn}/*" % b)],
                                                  "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]}},
                "DependsOn": [b]}
        res[u + "Trail"] = {"Type": "AWS::CloudTrail::Trail", "Properties": {
            "S3BucketName": ref(logs), "IsLogging": True, "IsMultiRegionTrail": True,
            "EnableLogFileValidation": True, "KMSKeyId": getatt(key, "Arn"),
            "EventSelectors": [{"ReadWriteType": "All", "IncludeManagementEvents": True,
                                "DataResources": [{"Type": "AWS::S3::Object",
                                                   "Values": [sub("${%s.Arn}/" % bucket)]}]}]},
            "DependsOn": [bucket, key, logs]}
        role = u + "Role"
        res[role] = {"Type": "AWS::IAM::Role", "Properties": {
            "AssumeRolePolicyDocument": trust,
            "Policies": [{"PolicyName": "work", "PolicyDocument": {"Statement": [
                {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"],
                 "Resource": sub("${%s.Arn}/*" % bucket)},
                {"Effect": "Allow", "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
                 "Resource": getatt(key, "Arn")},
                {"Effect": "Allow", "Action": "s3:*" if bad else "s3:ListBucket",
                 "Resource": getatt(bucket, "Arn")}]}}]},
            "DependsOn": [bucket, key]}
        res[u + "Managed"] = {"Type": "AWS::IAM::ManagedPolicy", "Properties": {
            "Roles": [ref(role)],
            "PolicyDocument": {"Statement": [{"Effect": "Allow", "Action": ["sagemaker:Describe*", "sagemaker:List*"],
                                              "Resource": "*"}]}}, "DependsOn": [role]}
        vpc = u + "Vpc"
        res[vpc] = {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.%d.0.0/16" % (i % 250)}}
        res[u + "Subnet"] = {"Type": "AWS::EC2::Subnet", "Properties": {"VpcId": ref(vpc), "CidrBlock": "10.%d.1.0/24" % (i % 250)}, "DependsOn": [vpc]}
        res[u + "FlowLog"] = {"Type": "AWS::EC2::FlowLog", "Properties": {
            "ResourceId": ref(vpc), "ResourceType": "VPC", "TrafficType": "REJECT",
            "LogDestinationType": "s3", "LogDestination": getatt(logs, "Arn")}, "DependsOn": [vpc, logs]}
        sg = u + "Sg"
        res[sg] = {"Type": "AWS::EC2::SecurityGroup", "Properties": {
            "GroupDescription": "app", "VpcId": ref(vpc),
            "SecurityGroupIngress": [{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "CidrIp": "0.0.0.0/0"},
                                     {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
                                      "CidrIp": "0.0.0.0/0" if bad else "10.0.0.0/8"}]}, "DependsOn": [vpc]}
        res[u + "Acl"] = {"Type": "AWS::EC2::NetworkAclEntry", "Properties": {
            "NetworkAclId": "acl-1", "RuleNumber": 100, "Protocol": 6, "RuleAction": "allow",
            "CidrBlock": "0.0.0.0/0", "PortRange": {"From": 443, "To": 443}}}
        model = u + "Model"
        res[model] = {"Type": "AWS::SageMaker::Model", "Properties": {
            "ExecutionRoleArn": getatt(role, "Arn"), "EnableNetworkIsolation": True,
            "PrimaryContainer": {"Image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/m:1"},
            "VpcConfig": {"Subnets": [ref(u + "Subnet")], "SecurityGroupIds": [ref(sg)]}},
            "DependsOn": [role, u + "Subnet", sg]}
        res[u + "Config"] = {"Type": "AWS::SageMaker::EndpointConfig", "Properties": {
            "KmsKeyId": ref(key),
            "ProductionVariants": [{"VariantName": "main", "ModelName": getatt(model, "ModelName"),
                                    "InitialInstanceCount": 1, "InstanceType": "ml.m5.large"}],
            "DataCaptureConfig": {"InitialSamplingPercentage": 20, "DestinationS3Uri": sub("s3://${%s}/c" % bucket),
                                  "CaptureOptions": [{"CaptureMode": "Input"}]}}, "DependsOn": [key, model, bucket]}
        res[u + "Notebook"] = {"Type": "AWS::SageMaker::NotebookInstance", "Properties": {
            "InstanceType": "ml.t3.medium", "RoleArn": getatt(role, "Arn"), "KmsKeyId": ref(key),
            "DirectInternetAccess": "Enabled" if bad else "Disabled", "RootAccess": "Disabled",
            "SubnetId": ref(u + "Subnet"), "SecurityGroupIds": [ref(sg)]}, "DependsOn": [role, key, u + "Subnet", sg]}
        i += 1
    keys = list(res)[:n]
    return {"stack": "bench", "file": "bench.yaml", "region": None, "account": None, "partition": "aws",
            "parameters": {}, "resources": {k: res[k] for k in keys}, "outputs": {}}


def template(n):
    out = ["AWSTemplateFormatVersion: \"2010-09-09\"", "Resources:"]
    for i in range(n // 2):
        bad = i % 10 == 0
        out += ["  Key%05d:" % i, "    Type: AWS::KMS::Key", "    Properties:",
                "      EnableKeyRotation: %s" % ("false" if bad else "true"),
                "  Bucket%05d:" % i, "    Type: AWS::S3::Bucket", "    Properties:",
                "      VersioningConfiguration:", "        Status: Enabled",
                "      BucketEncryption:", "        ServerSideEncryptionConfiguration:",
                "          - ServerSideEncryptionByDefault:", "              SSEAlgorithm: aws:kms",
                "              KMSMasterKeyID: !GetAtt Key%05d.Arn" % i,
                "      PublicAccessBlockConfiguration:", "        BlockPublicAcls: true",
                "        BlockPublicPolicy: true", "        IgnorePublicAcls: true",
                "        RestrictPublicBuckets: %s" % ("false" if bad else "true")]
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    kind, n = sys.argv[1], int(sys.argv[2])
    if kind == "document":
        json.dump(document(n), sys.stdout)
    else:
        sys.stdout.write(template(n))
