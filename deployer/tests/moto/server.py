"""moto's server for lamux-deploy's tests, with what its CloudFormation lacks.

moto (AWS-NOTES: no AWS::Lambda::Url, no AWS::CloudFront::*, no Outputs for stacks created
through change sets) gets, before its server starts:
- AWS::Lambda::Url backed by moto's own Lambda backend, so `get_function_url_config` sees it;
- AWS::Lambda::Version and AWS::Lambda::Alias through the same backend (moto's own Version
  has no physical id, no `Version` attribute and no delete; it has no Alias at all);
- AWS::IAM::OIDCProvider through moto's IAM backend (its CloudFormation has none, and a
  stack holding one could not describe its resources);
- small stand-ins for the CloudFront function, distribution and origin access control,
  which only mint ids and answer the attributes the lamux template reads;
- Outputs computed when a change set is executed, as CloudFormation does, and the stack's
  exports registered then (moto registers them only in CreateStack), with Fn::ImportValue
  resolved against them in stacks made by change sets;
- a failed create (ROLLBACK_COMPLETE) for stacks named lamux-failed-create*;
- a failed first delete (DELETE_FAILED) for stacks named lamux-delete-failed*;
- UpdateTerminationProtection;
- ListImports, read from the live stacks' templates;
- a second CREATE change set for a stack in REVIEW_IN_PROGRESS goes to that stack;
- a resource is updated when a condition it uses changes value;
- bucket policies whose TLS-only statement is evaluated as for an HTTPS request.

and, for `lamux-deploy preview`, what its Lambda lacks (AWS-NOTES "Versions, aliases and
previews"):
- an update through UpdateFunctionCode is in progress for UPDATE_SECONDS: $LATEST reports
  LastUpdateStatus InProgress and the version it published State Pending, and another
  UpdateFunctionCode or PublishVersion gets ResourceConflictException, as on AWS;
- DeleteAlias of a missing alias, and DeleteFunction of a missing version, get
  ResourceNotFoundException (moto answers success);
- DeleteFunction of a version an alias references gets ResourceConflictException (moto
  deletes it);
- Put/List/DeleteProvisionedConcurrencyConfig(s), which moto does not implement, kept in memory;
- a resource policy per qualifier (AddPermission, GetPolicy and RemovePermission with
  `Qualifier`): moto keeps one policy per function, so every version seemed to have the
  statement that one version was given;
- event-invoke configs per qualifier (Put/List/DeleteFunctionEventInvokeConfig(s)): moto
  drops the qualifier and lists one unqualified config;
- pages of at most 50 (`MaxItems`' default) with `NextMarker` for ListAliases and
  ListVersionsByFunction: moto answers everything at once, so pagination went untested;
- version numbers that are never reused (moto numbers a new version one past the count, so a
  version published after a delete takes a deleted one's number);
- a fault for functions named *-interleaved*: their first UpdateFunctionCode with Publish
  publishes $LATEST as it was before the update, as when another publish comes in between.

Usage: python3 deployer/tests/moto/server.py PORT   (listens on 127.0.0.1 only)
"""

import json
import sys
import uuid

from moto.awslambda.models import lambda_backends
from moto.cloudformation import exceptions as cfn_exceptions
from moto.cloudformation import models as cfn_models
from moto.cloudformation import parsing as cfn_parsing
from moto.cloudformation.parsing import OutputMap
from moto.cloudformation import responses as cfn_responses
from moto.core.common_models import CloudFormationModel
from moto.core.responses import ActionResult
from moto.s3 import models as s3_models

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


class LambdaVersion(CloudFormationModel):
    """AWS::Lambda::Version: publish_version; Ref is the version's ARN, GetAtt Version its number."""

    __module__ = MODULE

    def __init__(self, version_arn, version):
        self.version_arn = version_arn
        self.version = str(version)

    @staticmethod
    def cloudformation_type():
        return "AWS::Lambda::Version"

    @staticmethod
    def cloudformation_name_type():
        return ""

    @property
    def physical_resource_id(self):
        return self.version_arn

    @classmethod
    def has_cfn_attr(cls, attr):
        return attr in ("Version", "FunctionArn")

    def get_cfn_attribute(self, attribute_name):
        return self.version if attribute_name == "Version" else self.version_arn.rsplit(":", 1)[0]

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        published = lambda_backends[account_id][region_name].publish_version(cloudformation_json["Properties"]["FunctionName"])
        # The published copy's ARN carries the version: `…:function:NAME:3`.
        return cls(published.function_arn, published.version)

    @classmethod
    def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):
        # Every property of a version is immutable: CloudFormation replaces it.
        return cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id, region_name)

    @classmethod
    def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):
        pass

    def delete(self, account_id, region_name):
        pass  # a version goes with its function


class LambdaAlias(CloudFormationModel):
    """AWS::Lambda::Alias: create/update/delete_alias; Ref is the alias's ARN."""

    __module__ = MODULE

    def __init__(self, function_name, alias):
        self.function_name = function_name
        self.alias = alias

    @staticmethod
    def cloudformation_type():
        return "AWS::Lambda::Alias"

    @staticmethod
    def cloudformation_name_type():
        return ""

    @property
    def physical_resource_id(self):
        return self.alias.arn

    @classmethod
    def has_cfn_attr(cls, attr):
        return attr == "AliasArn"

    def get_cfn_attribute(self, attribute_name):
        return self.alias.arn

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        p = cloudformation_json["Properties"]
        backend = lambda_backends[account_id][region_name]
        alias = backend.create_alias(p["Name"], p["FunctionName"], str(p["FunctionVersion"]), p.get("Description", ""), None)
        return cls(p["FunctionName"], alias)

    @classmethod
    def update_from_cloudformation_json(cls, original_resource, new_resource_name, cloudformation_json, account_id, region_name):
        p = cloudformation_json["Properties"]
        if p["Name"] != original_resource.alias.name or p["FunctionName"] != original_resource.function_name:
            original_resource.delete(account_id, region_name)
            return cls.create_from_cloudformation_json(new_resource_name, cloudformation_json, account_id, region_name)
        backend = lambda_backends[account_id][region_name]
        alias = backend.update_alias(p["Name"], p["FunctionName"], str(p["FunctionVersion"]), p.get("Description", ""), None)
        return cls(p["FunctionName"], alias)

    @classmethod
    def delete_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name):
        p = cloudformation_json["Properties"]
        lambda_backends[account_id][region_name].delete_alias(p["Name"], p["FunctionName"])

    def delete(self, account_id, region_name):
        try:
            lambda_backends[account_id][region_name].delete_alias(self.alias.name, self.function_name)
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


class OidcProvider(StandIn, CloudFormationModel):
    """AWS::IAM::OIDCProvider through moto's IAM backend; its Ref is its ARN."""

    __module__ = MODULE
    TYPE = "AWS::IAM::OIDCProvider"
    ATTRIBUTES = ("Arn",)

    def attribute(self, name):
        return self.id

    @classmethod
    def create_from_cloudformation_json(cls, resource_name, cloudformation_json, account_id, region_name, **kwargs):
        from moto.iam.models import iam_backends

        properties = cloudformation_json["Properties"]
        provider = iam_backends[account_id]["global"].create_open_id_connect_provider(
            properties["Url"], properties.get("ThumbprintList", []), properties.get("ClientIdList", []), []
        )
        return cls(account_id, provider.arn)

    def delete(self, account_id, region_name):
        from moto.iam.models import iam_backends

        iam_backends[account_id]["global"].delete_open_id_connect_provider(self.id)


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


# moto never rolls a stack back. A stack whose name starts with this ends its first create
# in ROLLBACK_COMPLETE, as a failed create does, so that the tests can see how the
# read-only commands treat it.
FAILED_CREATE_PREFIX = "lamux-failed-create"


def apply_with_outputs(change_set):
    """Executing a change set also sets the stack's Outputs, as in CloudFormation."""
    _apply(change_set)
    change_set.stack.output_map = OutputMap(change_set.stack.resource_map, change_set.template_dict, change_set.stack.stack_id)


_execute = cfn_models.CloudFormationBackend.execute_change_set


def execute_failing_creates(self, change_set_name, stack_name=None):
    _execute(self, change_set_name, stack_name)
    # The stack's exports are the region's from now on, as after CreateStack.
    for stack in self.stacks.values():
        if stack.status in ("CREATE_COMPLETE", "UPDATE_COMPLETE"):
            for export in stack.exports:
                self.exports[export.name] = export
    for stack in self.stacks.values():
        if stack.name.startswith(FAILED_CREATE_PREFIX) and stack.status == "CREATE_COMPLETE":
            stack._add_stack_event("ROLLBACK_COMPLETE")
            stack.status = "ROLLBACK_COMPLETE"


cfn_models.CloudFormationBackend.execute_change_set = execute_failing_creates


cfn_models.ChangeSet.apply = apply_with_outputs


# A CREATE change set for a stack left in REVIEW_IN_PROGRESS (its first change set never
# ran) goes to that same empty stack in CloudFormation; moto makes a second stack of the same
# name, executes the change set on it, and describes the first. The empty one is dropped.
_create_change_set = cfn_models.CloudFormationBackend.create_change_set


def create_change_set_on_the_empty_stack(self, stack_name, change_set_name, template, parameters, description,
                                         change_set_type, *args, **kwargs):
    if change_set_type != "UPDATE":
        for stack_id, stack in list(self.stacks.items()):
            if stack.name == stack_name and stack.status == "REVIEW_IN_PROGRESS":
                del self.stacks[stack_id]
    made = _create_change_set(self, stack_name, change_set_name, template, parameters, description,
                              change_set_type, *args, **kwargs)
    # Fn::ImportValue reads the region's exports, as in CreateStack.
    for stack in self.stacks.values():
        if stack.name == stack_name:
            stack.cross_stack_resources = self.exports
            stack.resource_map.cross_stack_resources = self.exports
    return made


cfn_models.CloudFormationBackend.create_change_set = create_change_set_on_the_empty_stack


# CloudFormation updates a resource when a condition it uses changes value; moto only looks
# for parameters the resource references directly, so a parameter read through a condition
# (`Fn::If`, as the rotating origin secret's) left the resource as it was.
_build_resource_diff = cfn_parsing.ResourceMap.build_resource_diff


def build_resource_diff_with_conditions(self, other_template, parameters=None):
    diff = _build_resource_diff(self, other_template, parameters)
    if not parameters:
        return diff
    changed = {p for p in parameters if self.input_parameters.get(p) != parameters[p]}
    conditions = other_template.get("Conditions", {})
    moved = {
        name for name, test in conditions.items()
        if changed & set(cfn_parsing.get_references_from_template(test))
    }
    for name, resource in other_template["Resources"].items():
        text = json.dumps(resource)
        if name in self._resource_json_map and name not in diff["Modify"] and any(f'"{c}"' in text for c in moved):
            diff["Modify"].append(name)
    return diff


cfn_parsing.ResourceMap.build_resource_diff = build_resource_diff_with_conditions


# moto's deletes always succeed. A stack whose name starts with this fails its first delete,
# as CloudFormation does when a resource cannot be deleted (a bucket that is not empty), so
# that the tests can see `up` stop at a DELETE_FAILED stack instead of deleting it.
DELETE_FAILED_PREFIX = "lamux-delete-failed"
_delete_stack = cfn_models.CloudFormationBackend.delete_stack
_failed_deletes = set()


def delete_stack_failing_once(self, name_or_stack_id):
    for stack in list(self.stacks.values()):
        if name_or_stack_id in (stack.name, stack.stack_id) and stack.name.startswith(DELETE_FAILED_PREFIX) \
                and stack.stack_id not in _failed_deletes:
            _failed_deletes.add(stack.stack_id)
            stack._add_stack_event("DELETE_FAILED", resource_status_reason="The following resource(s) failed to delete")
            stack.status = "DELETE_FAILED"
            return
    _delete_stack(self, name_or_stack_id)


cfn_models.CloudFormationBackend.delete_stack = delete_stack_failing_once


def update_termination_protection(self):
    """UpdateTerminationProtection, which moto's CloudFormation lacks."""
    stack = self.cloudformation_backend.get_stack(self._get_param("StackName"))
    stack.enable_termination_protection = self._get_bool_param("EnableTerminationProtection", False)
    return ActionResult({"StackId": stack.stack_id})


cfn_responses.CloudFormationResponse.update_termination_protection = update_termination_protection


def _imports(template, export_name):
    """Whether a template holds `Fn::ImportValue` of `export_name`, anywhere."""
    if isinstance(template, dict):
        if template.get("Fn::ImportValue") == export_name:
            return True
        return any(_imports(value, export_name) for value in template.values())
    if isinstance(template, list):
        return any(_imports(value, export_name) for value in template)
    return False


def _template(stack):
    """The stack's current template: `template_dict` stays the first one for a stack made by
    change sets, `template` follows each executed one (GetTemplate reads it)."""
    try:
        return json.loads(stack.template) if isinstance(stack.template, str) else stack.template
    except ValueError:
        return stack.template_dict


def list_imports(self):
    """ListImports, which moto's CloudFormation lacks: the live stacks whose template imports
    the export, and AWS's ValidationError when none does."""
    name = self._get_param("ExportName")
    importers = sorted(
        stack.name for stack in self.cloudformation_backend.stacks.values()
        if stack.status not in ("DELETE_COMPLETE", "REVIEW_IN_PROGRESS") and _imports(_template(stack), name)
    )
    if not importers:
        raise cfn_exceptions.ValidationError(message=f"Export '{name}' is not imported by any stack.")
    return ActionResult({"Imports": importers})


cfn_responses.CloudFormationResponse.list_imports = list_imports


# moto evaluates bucket policies without their conditions, so the asset bucket's TLS-only
# statement (Deny when aws:SecureTransport is false) would refuse every request. The tests
# reach moto over plain HTTP on loopback where clients reach S3 over HTTPS: the condition is
# evaluated as for a TLS request, that is, the statement does not apply.
_get_permission = s3_models.FakeBucket.get_permission


def get_permission_over_tls(bucket, action, resource):
    policy = bucket.policy
    if policy is None:
        return _get_permission(bucket, action, resource)
    document = json.loads(policy.decode())
    document["Statement"] = [
        statement
        for statement in document.get("Statement", [])
        if statement.get("Condition", {}).get("Bool", {}).get("aws:SecureTransport") != "false"
    ]
    bucket.policy = json.dumps(document).encode()
    try:
        return _get_permission(bucket, action, resource)
    finally:
        bucket.policy = policy


s3_models.FakeBucket.get_permission = get_permission_over_tls


# --- Lambda: what `lamux-deploy preview` needs that moto lacks --------------------------------

import copy
import threading
import time
from urllib.parse import unquote

from moto.awslambda import models as lambda_models
from moto.awslambda import urls as lambda_urls
from moto.awslambda.exceptions import LambdaClientError
from moto.awslambda.responses import LambdaResponse

UPDATE_SECONDS = 0.3


class Conflict(LambdaClientError):
    code = 409

    def __init__(self, message):
        super().__init__("ResourceConflictException", message)


class NotFound(LambdaClientError):
    code = 404

    def __init__(self, message):
        super().__init__("ResourceNotFoundException", message)


_updates = threading.Lock()
_busy = {}  # (account, region, function) -> (monotonic deadline, version published by the update)
_interleaved = set()
_provisioned = {}  # (account, region, function) -> {qualifier: requested concurrency}


def _key(response, function_name):
    return (response.current_account, response.region, function_name.split(":function:")[-1].split(":")[0])


def _in_progress(response, function_name):
    deadline, version = _busy.get(_key(response, function_name), (0, None))
    return (deadline > time.monotonic()), version


_highest = {}  # (account, region, function) -> highest version number ever published


def publish_version_once(storage, name_or_arn, description=""):
    function = storage.get_function_by_name_or_arn_forbid_qualifier(name_or_arn)
    name = function.function_name
    published = storage._functions[name]["versions"]
    if published and not function.code_or_config_updated:
        return published[-1]  # nothing changed since: the last version, as AWS answers
    function.code_or_config_updated = False
    key = (storage.account_id, storage.region_name, name)
    number = max([_highest.get(key, 0)] + [int(v.version) for v in published]) + 1
    _highest[key] = number
    version = copy.copy(function)
    version.set_version(number)
    if description:
        version.description = description
    published.append(version)
    storage._arns[version.function_arn] = version
    return version


lambda_models.LambdaStorage.publish_version = publish_version_once


_update_function_code = LambdaResponse.update_function_code


def update_function_code(self):
    name = unquote(self.path.rsplit("/", 2)[-2])
    body = self.json_body
    with _updates:
        busy, _ = _in_progress(self, name)
        if busy:
            raise Conflict(f"An update is in progress for resource: {name}")
        key = _key(self, name)
        if "-interleaved" in key[2] and body.get("Publish") and key not in _interleaved:
            _interleaved.add(key)
            latest = self.backend.get_function(name)
            latest.code_or_config_updated = True
            stale = self.backend.publish_version(name)
            self.backend.update_function_code(name, None, dict(body, Publish=False))
            status, headers, text = 200, {}, json.dumps(stale.get_configuration())
        else:
            status, headers, text = _update_function_code(self)
        config = json.loads(text)
        published = config.get("Version") if body.get("Publish") else None
        _busy[key] = (time.monotonic() + UPDATE_SECONDS, published)
        config["LastUpdateStatus"] = "InProgress"
        return status, headers, json.dumps(config)


_publish_version = LambdaResponse.publish_version


def publish_version(self):
    name = unquote(self.path.split("/")[-2])
    with _updates:
        if _in_progress(self, name)[0]:
            raise Conflict(f"An update is in progress for resource: {name}")
        return _publish_version(self)


_get_function_configuration = LambdaResponse.get_function_configuration


def get_function_configuration(self):
    name = unquote(self.path.rsplit("/", 2)[-2])
    qualifier = self._get_param("Qualifier", None)
    config = json.loads(_get_function_configuration(self))
    busy, version = _in_progress(self, name)
    if busy and qualifier in (None, "$LATEST"):
        config["LastUpdateStatus"] = "InProgress"
    if busy and qualifier is not None and qualifier == version:
        config["State"] = "Pending"
    return json.dumps(config)


_delete_alias = LambdaResponse.delete_alias


def delete_alias(self):
    function_name = unquote(self.path.rsplit("/")[-3])
    alias_name = unquote(self.path.rsplit("/", 2)[-1])
    self.backend.get_alias(name=alias_name, function_name=function_name)  # ResourceNotFoundException
    return _delete_alias(self)


_delete_function = LambdaResponse.delete_function


def delete_function(self):
    name = unquote(self.path.rsplit("/", 1)[-1])
    qualifier = self._get_param("Qualifier", None)
    if qualifier is not None:
        self.backend.get_function(name, qualifier)  # ResourceNotFoundException
        for alias in self.backend.list_aliases(name):
            weights = (alias.routing_config or {}).get("AdditionalVersionWeights", {})
            if alias.function_version == qualifier or qualifier in weights:
                raise Conflict(f"Unable to delete version {qualifier}: alias {alias.name} references it")
    return _delete_function(self)


def put_provisioned_concurrency_config(self):
    name = unquote(self.path.rsplit("/", 2)[-2])
    qualifier = self._get_param("Qualifier")
    self.backend.get_function(name, qualifier)
    requested = self._get_param("ProvisionedConcurrentExecutions")
    _provisioned.setdefault(_key(self, name), {})[qualifier] = requested
    return 202, {"status": 202}, json.dumps({"RequestedProvisionedConcurrentExecutions": requested, "Status": "READY"})


def list_provisioned_concurrency_configs(self):
    name = unquote(self.path.rsplit("/", 2)[-2])
    function = self.backend.get_function(name)
    configs = [
        {"FunctionArn": f"{function.function_arn}:{qualifier}", "RequestedProvisionedConcurrentExecutions": n, "Status": "READY"}
        for qualifier, n in _provisioned.get(_key(self, name), {}).items()
    ]
    return 200, {}, json.dumps({"ProvisionedConcurrencyConfigs": configs})


def get_provisioned_concurrency_config(self):
    # GET .../provisioned-concurrency is Get with ?Qualifier= and List with ?List=ALL; moto's
    # router picks Get for both.
    if self.querystring.get("List"):
        return list_provisioned_concurrency_configs(self)
    name = unquote(self.path.rsplit("/", 2)[-2])
    requested = _provisioned.get(_key(self, name), {}).get(self._get_param("Qualifier"))
    if requested is None:
        raise NotFound(f"No Provisioned Concurrency Config found for function: {name}")
    return 200, {}, json.dumps({"RequestedProvisionedConcurrentExecutions": requested, "Status": "READY"})


def delete_provisioned_concurrency_config(self):
    name = unquote(self.path.rsplit("/", 2)[-2])
    if _provisioned.get(_key(self, name), {}).pop(self._get_param("Qualifier"), None) is None:
        raise NotFound(f"No Provisioned Concurrency Config found for function: {name}")
    return 204, {"status": 204}, ""


_policies = {}  # (account, region, function, qualifier) -> [statement]


def _qualifier(response):
    return response.querystring.get("Qualifier", [None])[0]


def _policy_key(response, function_name):
    return _key(response, function_name) + (_qualifier(response) or "$LATEST",)


def add_permission(self):
    name = unquote(self.path.split("/")[-2])
    function = self.backend.get_function(name, _qualifier(self))  # ResourceNotFoundException
    body = self.json_body
    resource = function.function_arn
    statement = {
        "Sid": body["StatementId"],
        "Effect": "Allow",
        "Principal": {"Service": body["Principal"]} if "." in body["Principal"] else {"AWS": body["Principal"]},
        "Action": body["Action"],
        "Resource": resource,
    }
    if body.get("SourceArn"):
        statement["Condition"] = {"ArnLike": {"AWS:SourceArn": body["SourceArn"]}}
    _policies.setdefault(_policy_key(self, name), []).append(statement)
    return 201, {"status": 201}, json.dumps({"Statement": json.dumps(statement)})


def get_policy(self):
    name = unquote(self.path.split("/")[-2])
    self.backend.get_function(name, _qualifier(self))
    statements = _policies.get(_policy_key(self, name))
    if not statements:
        raise NotFound("The resource you requested does not exist.")
    policy = {"Version": "2012-10-17", "Id": "default", "Statement": statements}
    return 200, {}, json.dumps({"Policy": json.dumps(policy), "RevisionId": str(uuid.uuid4())})


def remove_permission(self):
    name = unquote(self.path.split("/")[-3])
    sid = self.path.split("/")[-1].split("?")[0]
    statements = _policies.get(_policy_key(self, name), [])
    kept = [s for s in statements if s["Sid"] != sid]
    if len(kept) == len(statements):
        raise NotFound(f"Statement {sid} is not found in resource policy.")
    _policies[_policy_key(self, name)] = kept
    return 204, {"status": 204}, ""


_event_invoke = {}  # (account, region, function) -> {qualifier: config}


def put_function_event_invoke_config(self):
    name = unquote(self.path.rsplit("/", 2)[1])
    qualifier = _qualifier(self) or "$LATEST"
    function = self.backend.get_function(name, qualifier)
    base = function.function_arn.split(":function:")[0] + ":function:" + function.function_name
    config = dict(self.json_body, FunctionArn=f"{base}:{qualifier}")
    config["LastModified"] = time.time()
    _event_invoke.setdefault(_key(self, name), {})[qualifier] = config
    return 200, {}, json.dumps(config)


def list_function_event_invoke_configs(self):
    name = unquote(self.path.rsplit("/", 3)[1])
    self.backend.get_function(name)
    configs = list(_event_invoke.get(_key(self, name), {}).values())
    return 200, {"content-type": "application/json"}, json.dumps({"FunctionEventInvokeConfigs": configs})


def delete_function_event_invoke_config(self):
    name = unquote(self.path.rsplit("/", 2)[1])
    if _event_invoke.get(_key(self, name), {}).pop(_qualifier(self) or "$LATEST", None) is None:
        raise NotFound(f"The function {name} doesn't have an EventInvokeConfig")
    return 204, {"status": 204}, ""


PAGE = 50


def _paged(self, items_key, listed):
    status, headers, text = listed if isinstance(listed, tuple) else (200, {}, listed)
    body = json.loads(text)
    items = body.get(items_key, [])
    start = int(self.querystring.get("Marker", ["0"])[0] or 0)
    limit = int(self.querystring.get("MaxItems", [str(PAGE)])[0] or PAGE)
    body[items_key] = items[start : start + limit]
    if start + limit < len(items):
        body["NextMarker"] = str(start + limit)
    return status, headers, json.dumps(body)


_list_aliases = LambdaResponse.list_aliases
_list_versions_by_function = LambdaResponse.list_versions_by_function


def list_aliases(self):
    return _paged(self, "Aliases", _list_aliases(self))


def list_versions_by_function(self):
    return _paged(self, "Versions", _list_versions_by_function(self))


for _name, _method in list(globals().items()):
    if _name in (
        "update_function_code",
        "publish_version",
        "get_function_configuration",
        "delete_alias",
        "delete_function",
        "put_provisioned_concurrency_config",
        "list_provisioned_concurrency_configs",
        "get_provisioned_concurrency_config",
        "delete_provisioned_concurrency_config",
        "add_permission",
        "get_policy",
        "remove_permission",
        "put_function_event_invoke_config",
        "list_function_event_invoke_configs",
        "delete_function_event_invoke_config",
        "list_aliases",
        "list_versions_by_function",
    ):
        setattr(LambdaResponse, _name, _method)

lambda_urls.url_paths[r"{0}/(?P<api_version>[^/]+)/functions/(?P<function_name>[\w_:%-]+)/provisioned-concurrency/?$"] = (
    LambdaResponse.dispatch
)


if __name__ == "__main__":
    from moto.server import main

    main(["-H", "127.0.0.1", "-p", sys.argv[1]])
