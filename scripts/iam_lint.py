#!/usr/bin/env python3
"""parliament on every IAM and resource policy of templates/ and of the snapshot variants.

Intrinsics are resolved to example values first (parliament reads an unresolved Fn::Sub
object as an invalid ARN); an Fn::ImportValue resolves to the example of the value its
exporting template exports under that name. A Lambda permission becomes the resource-policy statement
Lambda makes of it. Findings outside ALLOWED fail the run; each allowance says why.

Usage: scripts/iam_lint.py (run by scripts/test with parliament in its own venv).
"""

import glob
import json
import os
import re
import sys

from parliament import analyze_policy_string

ACCOUNT, REGION, PARTITION = "123456789012", "us-east-1", "aws"

# Export name -> (the exported value, the exporting template's resources), from every template
# read (main fills it before it lints).
EXPORTS = {}

# (issue, a substring of the place, a substring of the detail, why it is not a defect).
ALLOWED = [
    ("MALFORMED", ".AssumeRolePolicyDocument", "neither Resource nor NotResource",
     "a role's trust policy names a principal and has no Resource (IAM docs, 'Role trust "
     "policies'); parliament audits it as an identity policy"),
    ("UNKNOWN_FEDERATION_SOURCE", "Role.AssumeRolePolicyDocument", ":oidc-provider/token.actions.githubusercontent.com",
     "GitHub Actions federates through an IAM OIDC provider, named by its ARN (AWS-NOTES 'GitHub "
     "OIDC'); parliament knows only the web identity providers with a well-known name"),
    ("UNKNOWN_CONDITION_FOR_ACTION", "InvokeViaUrlPermission.", "lambda:InvokedViaFunctionUrl",
     "the condition key Lambda added in October 2025 for public Function URLs (AWS docs, "
     "'Control access to Lambda function URLs'); parliament's IAM database predates it"),
]


def resolve(value, resources):
    """The template value with intrinsics replaced by example values of the right shape."""
    if isinstance(value, list):
        return [resolve(v, resources) for v in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        (key, arg), = value.items()
        if key == "Fn::Sub":
            text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1])
            pseudo = {"AWS::Partition": PARTITION, "AWS::Region": REGION, "AWS::AccountId": ACCOUNT,
                      "AWS::StackName": "lamux", "AWS::URLSuffix": "amazonaws.com"}
            def sub(match):
                name = match.group(1)
                if name in variables:
                    return str(resolve(variables[name], resources))
                if name in pseudo:
                    return pseudo[name]
                return str(resolve({"Ref": name} if "." not in name else {"Fn::GetAtt": name.split(".", 1)}, resources))
            return re.sub(r"\$\{([^}]+)\}", sub, text)
        if key == "Ref":
            return example(arg, "Ref", resources)
        if key == "Fn::GetAtt":
            resource, attribute = arg if isinstance(arg, list) else arg.split(".", 1)
            return example(resource, attribute, resources)
        if key == "Fn::Join":
            return arg[0].join(str(resolve(part, resources)) for part in resolve(arg[1], resources))
        if key == "Fn::If":
            return resolve(arg[1], resources)
        if key == "Fn::ImportValue":
            name = resolve(arg, resources)
            if name in EXPORTS:
                exported, exporter = EXPORTS[name]
                return resolve(exported, exporter)
            return f"example-import-{name}"
    return {k: resolve(v, resources) for k, v in value.items()}


def example(logical_id, attribute, resources):
    """An example of what `Ref` or `GetAtt` gives for this resource (or parameter)."""
    kind = resources.get(logical_id, {}).get("Type", "")
    name = logical_id.lower()
    arns = {
        "AWS::Lambda::Function": f"arn:{PARTITION}:lambda:{REGION}:{ACCOUNT}:function:{name}",
        "AWS::Logs::LogGroup": f"arn:{PARTITION}:logs:{REGION}:{ACCOUNT}:log-group:/aws/lambda/{name}:*",
        "AWS::IAM::Role": f"arn:{PARTITION}:iam::{ACCOUNT}:role/{name}",
        "AWS::CloudFront::Distribution": f"arn:{PARTITION}:cloudfront::{ACCOUNT}:distribution/EDFDVBD6EXAMPLE",
        "AWS::S3::Bucket": f"arn:{PARTITION}:s3:::{name}",
        "AWS::Lambda::Version": f"arn:{PARTITION}:lambda:{REGION}:{ACCOUNT}:function:{name}:1",
        "AWS::Lambda::Alias": f"arn:{PARTITION}:lambda:{REGION}:{ACCOUNT}:function:{name}:live",
    }
    if attribute == "Arn" or (attribute == "Ref" and kind in ("AWS::Lambda::Version", "AWS::Lambda::Alias")):
        return arns.get(kind, f"arn:{PARTITION}:iam::{ACCOUNT}:policy/{name}")
    if attribute == "Ref" and kind == "AWS::Lambda::Function":
        return name
    if attribute == "Ref" and kind == "AWS::IAM::OIDCProvider":
        # A provider's Ref is its ARN, named for its URL's host.
        return f"arn:{PARTITION}:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"
    return f"example-{name}"


def policies(template):
    """(place, policy document) for every policy the template's resources carry."""
    resources = template.get("Resources", {})
    for logical_id, resource in resources.items():
        kind, properties = resource.get("Type"), resource.get("Properties", {})
        documents = []
        if kind in ("AWS::IAM::Role", "AWS::IAM::User", "AWS::IAM::Group"):
            documents += [(f"Policies.{p.get('PolicyName')}", p["PolicyDocument"]) for p in properties.get("Policies", [])]
            if "AssumeRolePolicyDocument" in properties:
                documents.append(("AssumeRolePolicyDocument", properties["AssumeRolePolicyDocument"]))
        elif kind in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::S3::BucketPolicy",
                      "AWS::SQS::QueuePolicy", "AWS::SNS::TopicPolicy"):
            documents.append(("PolicyDocument", properties["PolicyDocument"]))
        elif kind == "AWS::KMS::Key":
            documents.append(("KeyPolicy", properties["KeyPolicy"]))
        elif kind == "AWS::Lambda::Permission":
            principal = properties["Principal"]
            statement = {
                "Effect": "Allow",
                "Principal": "*" if principal == "*" else ({"Service": principal} if "." in str(principal) else {"AWS": principal}),
                "Action": properties["Action"],
                "Resource": {"Fn::GetAtt": [properties["FunctionName"].get("Ref", logical_id), "Arn"]}
                if isinstance(properties["FunctionName"], dict) else properties["FunctionName"],
            }
            condition = {}
            if "SourceArn" in properties:
                condition["ArnLike"] = {"AWS:SourceArn": properties["SourceArn"]}
            if "FunctionUrlAuthType" in properties:
                condition["StringEquals"] = {"lambda:FunctionUrlAuthType": properties["FunctionUrlAuthType"]}
            if properties.get("InvokedViaFunctionUrl"):
                condition["Bool"] = {"lambda:InvokedViaFunctionUrl": "true"}
            if condition:
                statement["Condition"] = condition
            documents.append(("resource policy", {"Version": "2012-10-17", "Statement": [statement]}))
        for place, document in documents:
            yield f"{logical_id}.{place}", resolve(document, resources)


def templates(root):
    """(name, template) for templates/*.json and every insta snapshot of a template."""
    for path in sorted(glob.glob(os.path.join(root, "templates", "*.json"))):
        with open(path) as f:
            yield os.path.relpath(path, root), json.load(f)
    for path in sorted(glob.glob(os.path.join(root, "**", "snapshots", "*.snap"), recursive=True)):
        with open(path) as f:
            text = f.read()
        body = text.split("---\n", 2)[-1]
        if body.lstrip().startswith("{"):
            template = json.loads(body)
            if "Resources" in template:
                yield os.path.relpath(path, root), template


def allowance(place, finding):
    """Why `finding` at `place` is not a defect, or None."""
    return next((why for issue, where, detail, why in ALLOWED
                 if finding.issue == issue and where in place and detail in str(finding.detail)), None)


def exports(template):
    """(export name, value) of each output the template exports."""
    resources = template.get("Resources", {})
    for output in template.get("Outputs", {}).values():
        if "Export" in output:
            yield resolve(output["Export"]["Name"], resources), output["Value"]


def main():
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    checked, failed, allowed = 0, 0, 0
    read = list(templates(root))
    for _, template in read:
        for name, value in exports(template):
            EXPORTS[name] = (value, template.get("Resources", {}))
    for name, template in read:
        for place, document in policies(template):
            checked += 1
            for finding in analyze_policy_string(json.dumps(document)).findings:
                if allowance(place, finding):
                    allowed += 1
                    continue
                failed += 1
                print(f"{name}: {place}: {finding.issue}: {finding.detail} {finding.location}")
    print(f"parliament: {checked} policies, {failed} findings, {allowed} allowed with a reason")
    return 1 if failed or not checked else 0


if __name__ == "__main__":
    sys.exit(main())
