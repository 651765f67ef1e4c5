"""emulator.ec2: a TEST DOUBLE: moto's EC2 completed where it falls short of what AWS
documents, for cairn's EC2 provider tests (tests/integration/test_res_ec2*.py).

moto 5 emulates EC2 well enough to run cairn's EC2 providers, but it drops a
few parameters that AWS honours, so a test could not see with boto3 that an
in-place update really happened. install() patches moto's EC2 backend,
before the server starts, so that it keeps them as AWS does:

  ModifyVpcEndpoint      PrivateDnsEnabled (AWS: sets private DNS on an
                         Interface endpoint) and ResetPolicy (AWS: puts back
                         the default full-access policy), which moto ignores;
                         and, as AWS does, the prefix-list route of a Gateway
                         endpoint added to (removed from) each route table
                         added (removed), and a network interface made
                         (deleted) for each subnet added to (removed from) an
                         Interface endpoint. moto only edits its lists, and
                         its DeleteVpcEndpoints then fails on the route it
                         never made.
  ModifySubnetAttribute  PrivateDnsHostnameTypeOnLaunch and
                         EnableResourceNameDnsAAAARecordOnLaunch; moto keeps
                         only MapPublicIpOnLaunch, AssignIpv6AddressOnCreation
                         and EnableResourceNameDnsARecordOnLaunch.
  DescribeSecurityGroupRules
                         the Description of a rule whose peer is a security
                         group or a prefix list; moto reports descriptions of
                         CIDR rules only.
  CreateFlowLogs         DestinationOptions and DeliverCrossAccountRole,
                         which moto does not store (so DescribeFlowLogs never
                         returns them).
  CreateNetworkAclEntry, ReplaceNetworkAclEntry
                         IcmpTypeCode (the ICMP type and code of an entry):
                         moto looks for it under its wire name "Icmp" after
                         parsing the request into model names, so it never
                         finds it and DescribeNetworkAcls never returns it.

Nothing else changes: every other request is moto's own. The patches are
applied to moto's classes in this process only (the moto_server started by
the wrapper beside this file); the real moto_server on PATH is untouched.
Where these behaviours are tested, the report says it is against this
double, not against moto alone.
"""

import json


def _patch_vpc_endpoints():
    from moto.ec2.models.vpcs import VPCEndPoint
    from moto.ec2.responses.vpcs import VPCs

    from moto.ec2.utils import random_private_ip

    original = VPCs.modify_vpc_endpoint

    def modify_vpc_endpoint(self):
        backend = self.ec2_backend
        endpoint = backend.describe_vpc_endpoints(
            vpc_end_point_ids=[self._get_param("VpcEndpointId")])[0]
        tables_before = list(endpoint.route_table_ids or [])
        subnets_before = list(endpoint.subnet_ids or [])
        result = original(self)
        prefix = endpoint.destination_prefix_list_id
        if prefix:
            for rt in endpoint.route_table_ids or []:
                if rt not in tables_before:
                    backend.create_route(rt, None, gateway_id=endpoint.id,
                                         destination_prefix_list_id=prefix)
            for rt in tables_before:
                if rt not in (endpoint.route_table_ids or []):
                    backend.delete_route(rt, None, destination_prefix_list_id=prefix)
        if (endpoint.vpc_endpoint_type or "").lower() == "interface":
            for subnet in endpoint.subnet_ids or []:
                if subnet not in subnets_before:
                    eni = backend.create_network_interface(backend.get_subnet(subnet),
                                                           random_private_ip())
                    endpoint.network_interface_ids.append(eni.id)
            for subnet in subnets_before:
                if subnet not in (endpoint.subnet_ids or []):
                    for eni_id in list(endpoint.network_interface_ids):
                        eni = backend.enis.get(eni_id)
                        if eni is not None and eni.subnet.id == subnet:
                            backend.enis.pop(eni_id, None)
                            endpoint.network_interface_ids.remove(eni_id)
        dns = self._get_param("PrivateDnsEnabled")
        if dns is not None:
            endpoint.private_dns_enabled = str(dns).lower() == "true"
        if str(self._get_param("ResetPolicy")).lower() == "true":
            endpoint.policy_document = json.dumps(VPCEndPoint.DEFAULT_POLICY)
        return result

    VPCs.modify_vpc_endpoint = modify_vpc_endpoint


def _patch_subnets():
    from moto.ec2.responses.subnets import Subnets

    original = Subnets.modify_subnet_attribute

    def modify_subnet_attribute(self):
        result = original(self)
        subnet = self.ec2_backend.get_subnet(self._get_param("SubnetId"))
        opts = subnet.private_dns_name_options_on_launch
        hostname = self._get_param("PrivateDnsHostnameTypeOnLaunch")
        if hostname is not None:
            opts["HostnameType"] = hostname
        aaaa = self._get_param("EnableResourceNameDnsAAAARecordOnLaunch.Value")
        if aaaa is not None:
            opts["EnableResourceNameDnsAAAARecord"] = str(aaaa).lower() == "true"
        a = self._get_param("EnableResourceNameDnsARecordOnLaunch.Value")
        if a is not None:
            opts["EnableResourceNameDnsARecord"] = str(a).lower() == "true"
        return result

    Subnets.modify_subnet_attribute = modify_subnet_attribute


def _patch_security_group_rules():
    from moto.ec2.models.security_groups import SecurityGroupRule

    original_init = SecurityGroupRule.__init__

    def __init__(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        prefix = kwargs.get("prefix_list_id")
        if prefix is None and len(args) >= 8:
            prefix = args[7]
        self._prefix_description = prefix.get("Description") if isinstance(prefix, dict) else None

    def description(self):
        return (self.ip_range.get("Description")
                or (self.source_group or {}).get("Description")
                or getattr(self, "_prefix_description", None))

    SecurityGroupRule.__init__ = __init__
    SecurityGroupRule.description = property(description)


def _patch_flow_logs():
    from moto.ec2.responses.flow_logs import FlowLogs

    original = FlowLogs.create_flow_logs

    def create_flow_logs(self):
        result = original(self)
        options = self._get_param("DestinationOptions")
        role = self._get_param("DeliverCrossAccountRole")
        for fl_id in result.result.get("FlowLogIds", []):
            fl = self.ec2_backend.flow_logs[fl_id]
            if options:
                fl.destination_options = {
                    "FileFormat": options.get("FileFormat"),
                    "HiveCompatiblePartitions":
                        str(options.get("HiveCompatiblePartitions")).lower() == "true",
                    "PerHourPartition": str(options.get("PerHourPartition")).lower() == "true",
                }
            if role:
                fl.deliver_cross_account_role = role
        return result

    FlowLogs.create_flow_logs = create_flow_logs


def _patch_network_acl_entries():
    from moto.ec2.responses.network_acls import NetworkACLs

    def with_icmp(original):
        def handler(self):
            result = original(self)
            icmp = self._get_param("IcmpTypeCode")
            if icmp:
                acl = self.ec2_backend.get_network_acl(self._get_param("NetworkAclId"))
                number = str(self._get_param("RuleNumber"))
                egress = str(self._get_param("Egress")).lower() == "true"
                for e in acl.network_acl_entries:
                    if str(e.rule_number) == number and (str(e.egress).lower() == "true") == egress:
                        e.icmp_code = int(icmp["Code"]) if "Code" in icmp else None
                        e.icmp_type = int(icmp["Type"]) if "Type" in icmp else None
            return result
        return handler

    NetworkACLs.create_network_acl_entry = with_icmp(NetworkACLs.create_network_acl_entry)
    NetworkACLs.replace_network_acl_entry = with_icmp(NetworkACLs.replace_network_acl_entry)


def install():
    _patch_vpc_endpoints()
    _patch_subnets()
    _patch_security_group_rules()
    _patch_flow_logs()
    _patch_network_acl_entries()


install()
