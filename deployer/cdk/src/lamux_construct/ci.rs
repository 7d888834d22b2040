//! The roles a GitHub repository's workflows assume through OIDC (AWS-NOTES "GitHub OIDC"):
//! a preview role for `lamux-deploy preview`, which can never change a protected alias or the
//! function's configuration, and a release role for `preview promote` and `rollback`.
//!
//! The preview role's trust admits exactly the subjects the example workflow presents:
//! `repo:OWNER/REPO:environment:pr-*` (the publish and clean-up jobs, one GitHub environment
//! per pull request) and `repo:OWNER/REPO:ref:refs/heads/BRANCH` (the nightly prune). A
//! branch of the same repository runs its own copy of the workflow, so anyone who can push
//! can present those subjects: what stops them is the explicit `Deny`, not the workflow.
//! The release role admits only `repo:OWNER/REPO:environment:production`, which a repository
//! guards with required reviewers.

use bon::Builder;
use serde_json::{Value, json};

use crate::constructs::iam::{Role, RoleProps, Statement};
use crate::constructs::lambda::Function;
use crate::template::{Expr, RawProperties};
use crate::tree::{CfnResource, Error, Scope};

/// GitHub's OIDC issuer.
pub const GITHUB_OIDC_URL: &str = "https://token.actions.githubusercontent.com";
/// The audience `aws-actions/configure-aws-credentials` asks for.
pub const AUDIENCE: &str = "sts.amazonaws.com";

/// What the lamux stack makes for a GitHub repository's previews and releases.
#[derive(Debug, Clone, PartialEq, Eq, Builder)]
// One `on` per type: clippy reads the two `into`s as a duplicated attribute.
#[allow(clippy::duplicated_attributes)]
#[builder(on(String, into), on(Expr, into))]
pub struct GithubCi {
    /// `OWNER/REPO`.
    pub repo: String,
    /// An IAM OIDC provider for GitHub that exists already (one per account); `None` makes
    /// one in the stack.
    pub oidc_provider_arn: Option<String>,
    /// The functions whose aliases previews are (names): the roles act on these alone.
    pub preview_functions: Vec<String>,
    /// Aliases the preview role may never create, move or delete (globs, as IAM reads `*`).
    #[builder(default = vec!["live".to_owned()])]
    pub protect: Vec<String>,
    /// The only aliases the preview role may create, move or delete (globs): preview names.
    #[builder(default = vec!["pr*".to_owned(), "br*".to_owned()])]
    pub preview_aliases: Vec<String>,
    /// The branch the nightly prune runs on.
    #[builder(default = "main".to_owned())]
    pub branch: String,
    /// GitHub environments of pull requests start with this (`pr-42`).
    #[builder(default = "pr-".to_owned())]
    pub preview_environment_prefix: String,
    /// The GitHub environment of the release job.
    #[builder(default = "production".to_owned())]
    pub release_environment: String,
}

impl GithubCi {
    /// Refuse settings that would make a role broader than the workflow needs.
    pub fn check(&self) -> Result<(), String> {
        let valid = |part: &str| {
            !part.is_empty() && part.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        };
        match self.repo.split_once('/') {
            Some((owner, name)) if valid(owner) && valid(name) => {}
            _ => return Err(format!("github repo {:?} is not OWNER/REPO", self.repo)),
        }
        if self.preview_aliases.is_empty() || self.preview_aliases.iter().any(|a| a == "*" || a.is_empty()) {
            return Err("preview aliases must be narrower than every alias (e.g. pr*, br*)".to_owned());
        }
        if self.preview_functions.is_empty() {
            return Err("the preview role needs the functions previews run on (preview-function)".to_owned());
        }
        for function in &self.preview_functions {
            if function.contains('*') || function.contains(':') {
                return Err(format!("preview function {function:?}: a function name, without globs or ARNs"));
            }
        }
        for value in [&self.branch, &self.preview_environment_prefix, &self.release_environment] {
            if value.is_empty() || value.contains('*') || value.contains(':') {
                return Err(format!("{value:?}: a GitHub branch or environment name, without `*` or `:`"));
            }
        }
        Ok(())
    }

    /// The OIDC subjects the preview role admits.
    pub fn preview_subjects(&self) -> Vec<String> {
        vec![
            format!("repo:{}:environment:{}*", self.repo, self.preview_environment_prefix),
            format!("repo:{}:ref:refs/heads/{}", self.repo, self.branch),
        ]
    }

    /// The OIDC subject the release role admits.
    pub fn release_subject(&self) -> String {
        format!("repo:{}:environment:{}", self.repo, self.release_environment)
    }
}

/// The two roles, for the stack's outputs.
#[derive(Clone)]
pub struct CiRoles {
    /// The role pull requests assume: previews only.
    pub preview: Role,
    /// The role the release workflow assumes: it may move `live`.
    pub release: Role,
}

/// The actions `lamux-deploy preview up|list|down|prune|versions` call on a preview function,
/// but the alias changes ([`ALIAS_CHANGES`]), allowed on preview aliases alone.
pub const PREVIEW_ACTIONS: [&str; 10] = [
    "lambda:GetFunction",
    "lambda:GetFunctionConfiguration",
    "lambda:UpdateFunctionCode",
    "lambda:PublishVersion",
    "lambda:GetAlias",
    "lambda:ListAliases",
    "lambda:ListVersionsByFunction",
    "lambda:GetPolicy",
    "lambda:ListProvisionedConcurrencyConfigs",
    "lambda:ListFunctionEventInvokeConfigs",
];

/// What the preview role may never do to a protected alias.
pub const ALIAS_CHANGES: [&str; 3] = ["lambda:CreateAlias", "lambda:UpdateAlias", "lambda:DeleteAlias"];

/// Reading the lamux stack: its scope, its canary, its function's environment.
const STACK_READS: [&str; 3] =
    ["cloudformation:DescribeStacks", "cloudformation:GetTemplate", "cloudformation:DescribeStackResource"];

/// The roles for `ci`, in `scope`; `lamux` is lamux's own function (its canary is read, and
/// ended by a release).
pub fn roles(scope: &Scope, ci: &GithubCi, lamux: &Function) -> Result<CiRoles, Error> {
    ci.check().map_err(Error::Settings)?;
    let provider = match &ci.oidc_provider_arn {
        Some(arn) => Expr::str(arn),
        None => {
            let properties = json!({"Url": GITHUB_OIDC_URL, "ClientIdList": [AUDIENCE]});
            CfnResource::new(scope, "GithubOidcProvider", RawProperties::new("AWS::IAM::OIDCProvider", properties))?
                .reference()
        }
    };
    let trust = |subjects: Vec<String>| -> Value {
        json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Effect": "Allow",
                "Principal": {"Federated": provider},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {
                    "StringEquals": {"token.actions.githubusercontent.com:aud": AUDIENCE},
                    "StringLike": {"token.actions.githubusercontent.com:sub": subjects},
                }
            }]
        })
    };
    let function_arn = |name: &str, qualifier: Option<&str>| {
        let qualifier = qualifier.map(|q| format!(":{q}")).unwrap_or_default();
        Expr::sub(format!(
            "arn:${{AWS::Partition}}:lambda:${{AWS::Region}}:${{AWS::AccountId}}:function:{name}{qualifier}"
        ))
    };
    let functions: Vec<Expr> = ci
        .preview_functions
        .iter()
        .flat_map(|name| [function_arn(name, None), function_arn(name, Some("*"))])
        .collect();
    let versions: Vec<Expr> = ci.preview_functions.iter().map(|name| function_arn(name, Some("*"))).collect();
    let preview_aliases: Vec<Expr> = ci
        .preview_functions
        .iter()
        .flat_map(|name| ci.preview_aliases.iter().map(move |alias| function_arn(name, Some(alias))))
        .collect();
    let protected: Vec<Expr> = ci
        .preview_functions
        .iter()
        .flat_map(|name| ci.protect.iter().map(move |alias| function_arn(name, Some(alias))))
        .collect();
    let stack =
        Expr::sub("arn:${AWS::Partition}:cloudformation:${AWS::Region}:${AWS::AccountId}:stack/${AWS::StackName}/*");
    let lamux_function = Expr::from(lamux.arn());

    let preview = Role::new(
        scope,
        "PreviewRole",
        RoleProps::builder().assume_role_policy_document(trust(ci.preview_subjects())).build(),
    )?;
    let statements = [
        Statement::allow(PREVIEW_ACTIONS, functions.clone()).with_sid("Previews"),
        // Alias ARNs of preview names only. Should Lambda authorize an alias change against
        // the function's own ARN, this allows nothing, and live is still out of reach.
        Statement::allow(ALIAS_CHANGES, preview_aliases).with_sid("PreviewAliases"),
        // Versions only: the resource is qualified, so the function itself cannot go.
        Statement::allow(["lambda:DeleteFunction"], versions).with_sid("DeleteVersions"),
        Statement::allow(["lambda:ListEventSourceMappings", "lambda:ListFunctions"], [Expr::str("*")])
            .with_sid("ListAccount"),
        Statement::allow(STACK_READS, [stack.clone()]).with_sid("ReadLamuxStack"),
        Statement::allow(["lambda:GetFunctionConfiguration"], [lamux_function.clone()]).with_sid("ReadLamuxCanary"),
        Statement::deny(ALIAS_CHANGES, protected.clone()).with_sid("NeverProtectedAliases"),
        Statement::deny(["lambda:UpdateFunctionConfiguration"], functions.clone()).with_sid("NeverConfiguration"),
    ];
    for statement in statements {
        preview.add_to_named_policy("previews", statement)?;
    }

    let release = Role::new(
        scope,
        "ReleaseRole",
        RoleProps::builder().assume_role_policy_document(trust(vec![ci.release_subject()])).build(),
    )?;
    let release_reads =
        ["lambda:GetFunctionConfiguration", "lambda:GetAlias", "lambda:ListAliases", "lambda:ListVersionsByFunction"];
    let statements = [
        Statement::allow(release_reads, functions).with_sid("ReadReleases"),
        Statement::allow(["lambda:CreateAlias", "lambda:UpdateAlias"], protected).with_sid("MoveProtectedAliases"),
        Statement::allow(
            STACK_READS.into_iter().chain([
                "cloudformation:CreateChangeSet",
                "cloudformation:DescribeChangeSet",
                "cloudformation:ExecuteChangeSet",
                "cloudformation:DeleteChangeSet",
                "cloudformation:DescribeStackEvents",
            ]),
            [stack],
        )
        .with_sid("EndCanary"),
        Statement::allow(
            ["lambda:GetFunctionConfiguration", "lambda:GetFunction", "lambda:UpdateFunctionConfiguration"],
            [lamux_function],
        )
        .with_sid("LamuxCanarySetting"),
    ];
    for statement in statements {
        release.add_to_named_policy("releases", statement)?;
    }
    Ok(CiRoles { preview, release })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ci() -> GithubCi {
        GithubCi::builder().repo("acme/web").preview_functions(vec!["web".to_owned()]).build()
    }

    #[test]
    fn settings_broader_than_the_workflow_are_refused() {
        assert_eq!(ci().check(), Ok(()));
        let bad = [
            GithubCi { repo: "acme".into(), ..ci() },
            GithubCi { repo: "acme/*".into(), ..ci() },
            GithubCi { preview_functions: Vec::new(), ..ci() },
            GithubCi { preview_functions: vec!["web*".into()], ..ci() },
            GithubCi { preview_aliases: vec!["*".into()], ..ci() },
            GithubCi { branch: "*".into(), ..ci() },
            GithubCi { release_environment: "pr-1:x".into(), ..ci() },
        ];
        for settings in bad {
            assert!(settings.check().is_err(), "{settings:?}");
        }
    }

    #[test]
    fn the_subjects_are_the_workflows() {
        assert_eq!(ci().preview_subjects(), ["repo:acme/web:environment:pr-*", "repo:acme/web:ref:refs/heads/main"]);
        assert_eq!(ci().release_subject(), "repo:acme/web:environment:production");
    }
}
