"""moto's server for lamux-deploy's tests, with what its CloudFormation lacks.

moto (AWS-NOTES: no AWS::Lambda::Url, no AWS::CloudFront::*, no Outputs for stacks created
through change sets) gets, before its server starts:
- AWS::Lambda::Url backed by moto's own Lambda backend, so `get_function_url_config` sees it;
- small stand-ins for the CloudFront function, distribution and origin access control,
  which only mint ids and answer the attributes the lamux template reads;
- Outputs computed when a change set is executed, as CloudFormation does.

Usage: python3 deployer/tests/moto/server.py PORT   (listens on 127.0.0.1 only)
"""

import sys
import uuid

from moto.awslambda.models import lambda_backends
from moto.cloudformation import models as cfn_models
from moto.cloudformation.parsing import OutputMap
from moto.core.common_models import CloudFormationModel

# moto files each model under the service its module names (`moto.SERVICE.models`).
MODULE = "lamux.standins"


class LambdaUrl(CloudFormationModel):
    """AWS::Lambda::Url through moto's Lambda backend (create/get/delete_function_url_config)."""

    __module__ = MODULE

    def __init__(self, account_id, region_name, target, config):
        self.account_id = account_id
        self.region_name = region_name
        self.target = target
        self.config = config

    @staticmethod
    def cloudformation_type():
        return "AWS::Lambda::Url"

    @staticmethod
    def cloudformation_name_type():
        return ""

    @property
    def physical_resource_id(self):
        return self.config.function.function_arn

    @classmethod
    def has_cfn_attr(cls, attr):
        return attr in ("FunctionArn", "FunctionUrl")

    def get_cfn_attribute(self, attribute_name):
        if attribute_name == "FunctionUrl":
            # Real Function URLs end with a slash.
            return self.config.url + "/"
        return self.config.function.function_arn

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        properties = cloudformation_json["Properties"]
        target = properties["TargetFunctionArn"]
        config = {"AuthType": properties["AuthType"], "InvokeMode": properties.get("InvokeMode", "BUFFERED")}
        url = lambda_backends[account_id][region_name].create_function_url_config(target, config)
        return cls(account_id, region_name, target, url)

    @classmethod
    def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):
        original_resource.delete(account_id, region_name)
        return cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id, region_name)

    @classmethod
    def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):
        lambda_backends[account_id][region_name].delete_function_url_config(cloudformation_json["Properties"]["TargetFunctionArn"])

    def delete(self, account_id, region_name):
        try:
            lambda_backends[account_id][region_name].delete_function_url_config(self.target)
        except Exception:  # the function may already be gone
            pass


class StandIn:
    """A resource moto cannot model: an id, and the attributes the lamux template reads.
    Mixed into direct subclasses of CloudFormationModel: moto lists only those."""

    TYPE = ""
    ATTRIBUTES = ()

    def __init__(self, account_id, name):
        self.account_id = account_id
        self.id = name

    @classmethod
    def cloudformation_type(cls):
        return cls.TYPE

    @staticmethod
    def cloudformation_name_type():
        return ""

    @property
    def physical_resource_id(self):
        return self.id

    @classmethod
    def has_cfn_attr(cls, attr):
        return attr in cls.ATTRIBUTES

    def get_cfn_attribute(self, attribute_name):
        return self.attribute(attribute_name)

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        return cls(account_id, "E" + uuid.uuid4().hex[:13].upper())

    @classmethod
    def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):
        return original_resource

    @classmethod
    def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):
        pass

    def delete(self, account_id, region_name):
        pass


class CloudFrontFunction(StandIn, CloudFormationModel):
    __module__ = MODULE
    TYPE = "AWS::CloudFront::Function"
    ATTRIBUTES = ("FunctionARN", "Stage")

    def attribute(self, name):
        return f"arn:aws:cloudfront::{self.account_id}:function/{self.id}" if name == "FunctionARN" else "LIVE"


class CloudFrontOriginAccessControl(StandIn, CloudFormationModel):
    __module__ = MODULE
    TYPE = "AWS::CloudFront::OriginAccessControl"
    ATTRIBUTES = ("Id",)

    def attribute(self, name):
        return self.id


class CloudFrontDistribution(StandIn, CloudFormationModel):
    __module__ = MODULE
    TYPE = "AWS::CloudFront::Distribution"
    ATTRIBUTES = ("DomainName", "Id")

    def attribute(self, name):
        return f"d{self.id.lower()}.cloudfront.net" if name == "DomainName" else self.id


_apply = cfn_models.ChangeSet.apply


def apply_with_outputs(change_set):
    """Executing a change set also sets the stack's Outputs, as in CloudFormation."""
    _apply(change_set)
    change_set.stack.output_map = OutputMap(change_set.stack.resource_map, change_set.template_dict, change_set.stack.stack_id)


cfn_models.ChangeSet.apply = apply_with_outputs


if __name__ == "__main__":
    from moto.server import main

    main(["-H", "127.0.0.1", "-p", sys.argv[1]])
