"""scripts/iam_lint.py: intrinsics resolve to ARNs parliament can read, a real finding fails,
and an allowance covers only what it names."""

import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import iam_lint  # noqa: E402


def template(action, principal_policy=False):
    statement = {"Effect": "Allow", "Action": action,
                 "Resource": {"Fn::Sub": "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:app:*"}}
    return {"Resources": {
        "Fn": {"Type": "AWS::Lambda::Function", "Properties": {}},
        "Role": {"Type": "AWS::IAM::Role", "Properties": {
            "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                                                        "Action": "sts:AssumeRole"}]},
            "Policies": [{"PolicyName": "p", "PolicyDocument": {"Version": "2012-10-17", "Statement": [statement]}}]}},
    }}


class IamLint(unittest.TestCase):
    def test_intrinsics_resolve_to_example_arns(self):
        resources = template("lambda:InvokeFunction")["Resources"]
        self.assertEqual(
            iam_lint.resolve({"Fn::Sub": "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:x"}, resources),
            "arn:aws:logs:us-east-1:123456789012:x")
        self.assertEqual(iam_lint.resolve({"Fn::GetAtt": ["Fn", "Arn"]}, resources),
                         "arn:aws:lambda:us-east-1:123456789012:function:fn")
        self.assertEqual(iam_lint.resolve({"Fn::Join": ["", [{"Fn::GetAtt": ["Fn", "Arn"]}, ":live"]]}, resources),
                         "arn:aws:lambda:us-east-1:123456789012:function:fn:live")

    def test_an_import_resolves_to_the_value_its_exporting_template_exports(self):
        exporter = {"Resources": {"Echo": {"Type": "AWS::Lambda::Function", "Properties": {}}},
                    "Outputs": {"ExportEchoArn": {"Value": {"Fn::GetAtt": ["Echo", "Arn"]},
                                                  "Export": {"Name": "app:Echo-Arn"}}}}
        self.assertEqual(list(iam_lint.exports(exporter)), [("app:Echo-Arn", {"Fn::GetAtt": ["Echo", "Arn"]})])
        iam_lint.EXPORTS["app:Echo-Arn"] = ({"Fn::GetAtt": ["Echo", "Arn"]}, exporter["Resources"])
        try:
            self.assertEqual(
                iam_lint.resolve({"Fn::Join": ["", [{"Fn::ImportValue": "app:Echo-Arn"}, ":live"]]}, {}),
                "arn:aws:lambda:us-east-1:123456789012:function:echo:live")
        finally:
            iam_lint.EXPORTS.clear()

    def findings(self, action):
        found = []
        for place, document in iam_lint.policies(template(action)):
            for finding in iam_lint.analyze_policy_string(json.dumps(document)).findings:
                if not iam_lint.allowance(place, finding):
                    found.append(finding.issue)
        return found

    def test_a_clean_policy_has_only_allowed_findings(self):
        self.assertEqual(self.findings("lambda:InvokeFunction"), [])

    def test_an_unknown_action_is_a_finding(self):
        self.assertIn("UNKNOWN_ACTION", self.findings("lambda:InvokeFunctionn"))


if __name__ == "__main__":
    unittest.main()
