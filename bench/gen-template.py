#!/usr/bin/env python3
"""Generates a cairn stack template of N resources with realistic
dependencies, for the validate and graph benchmarks.

    python3 bench/gen-template.py 10000 > big.yaml

The stack is built from groups of ten: a KMS key and nine S3 buckets
encrypted with it (Fn::GetAtt Key.Arn). Inside a group each bucket names
the previous one (Ref in a tag) and one earlier bucket of the stack
through Fn::Sub "${Bucket.Arn}" (so dependencies also cross groups, with
a bounded depth), every fifth bucket has a DependsOn, every seventh is
conditional, and names and versioning come from parameters, mappings and
pseudo parameters. Every template it writes validates (cairn validate
exits 0) and is a valid CloudFormation template apart from its size.
"""
import random
import sys


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    rnd = random.Random(int(sys.argv[2]) if len(sys.argv) > 2 else 42)
    out = sys.stdout
    w = out.write
    w('AWSTemplateFormatVersion: "2010-09-09"\n')
    w("Description: generated benchmark stack of %d resources\n" % n)
    w("Parameters:\n"
      "  Env:\n    Type: String\n    AllowedValues: [dev, prod]\n    Default: prod\n"
      "  Owner:\n    Type: String\n    Default: platform\n    AllowedPattern: '[a-z]+'\n")
    w("Mappings:\n  EnvMap:\n    dev: {Versioning: Suspended}\n    prod: {Versioning: Enabled}\n")
    w("Conditions:\n  IsProd: !Equals [!Ref Env, prod]\n")
    w("Resources:\n")
    buckets = []
    key = None
    for i in range(n):
        if i % 10 == 0:
            key = "Key%d" % i
            w("  %s:\n    Type: AWS::KMS::Key\n    Properties:\n"
              "      Description: !Sub \"key %d of ${AWS::StackName}\"\n"
              "      EnableKeyRotation: true\n"
              "      Tags:\n        - {Key: owner, Value: !Ref Owner}\n" % (key, i))
            prev = None
            continue
        b = "Bucket%d" % i
        w("  %s:\n    Type: AWS::S3::Bucket\n" % b)
        if i % 7 == 0:
            w("    Condition: IsProd\n")
        # conditional buckets are only named from conditional buckets
        pool = [x for x in buckets[-200:] if (int(x[6:]) % 7 == 0) <= (i % 7 == 0)]
        if i % 5 == 0 and pool:
            w("    DependsOn: [%s]\n" % rnd.choice(pool[-50:]))
        w("    Properties:\n"
          "      BucketName: !Sub \"${AWS::StackName}-b%d-${Env}\"\n"
          "      VersioningConfiguration:\n"
          "        Status: !FindInMap [EnvMap, !Ref Env, Versioning]\n"
          "      BucketEncryption:\n"
          "        ServerSideEncryptionConfiguration:\n"
          "          - ServerSideEncryptionByDefault:\n"
          "              SSEAlgorithm: aws:kms\n"
          "              KMSMasterKeyID: !GetAtt %s.Arn\n"
          "            BucketKeyEnabled: true\n"
          "      PublicAccessBlockConfiguration:\n"
          "        BlockPublicAcls: true\n        BlockPublicPolicy: true\n"
          "        IgnorePublicAcls: true\n        RestrictPublicBuckets: true\n"
          "      Tags:\n"
          "        - {Key: owner, Value: !Ref Owner}\n" % (i, key))
        if prev and ((int(prev[6:]) % 7 == 0) <= (i % 7 == 0)):
            w("        - {Key: previous, Value: !Ref %s}\n" % prev)
        if pool:
            w("        - {Key: logs, Value: !Sub \"${%s.Arn}/logs\"}\n" % rnd.choice(pool))
        buckets.append(b)
        prev = b
    w("Outputs:\n")
    for b in [x for x in buckets if int(x[6:]) % 7][-5:]:
        w("  %sArn:\n    Value: !GetAtt %s.Arn\n    Export: {Name: !Sub \"${AWS::StackName}-%s\"}\n"
          % (b, b, b))


if __name__ == "__main__":
    main()
