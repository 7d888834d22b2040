//! [`Lamux`]: lamux's function, its Function URL and permissions, a scoped role, the
//! X-Forwarded-Host CloudFront Function, the distribution, and optionally the `*.SUFFIX`
//! records, as one construct. `lamux-deploy`'s own stack is this construct and five outputs.

pub mod ci;
mod props;
mod settings;

use crate::constructs::iam::{Role, RoleProps, Statement};
use crate::constructs::lambda::{
    Code, Function, FunctionEnvironment, FunctionProps, FunctionUrl, LoggingConfig, PermissionProps, UrlAuthType,
    UrlProps,
};
use crate::constructs::logs::{LogGroup, LogGroupProps, RetentionDays};
use crate::constructs::secret::RotatingSecret;
use crate::constructs::{cloudfront, lambda, route53};
use crate::template::{Expr, RemovalPolicy};
use crate::tree::{Asset, Construct, Error, Parameter, Scope};
pub use props::{AliasOverride, InvokeScope, LamuxProps, OriginAuth};
pub use settings::{ORIGIN_READ_DEFAULT_LIMIT, lamux_invoke_mode, origin_read_timeout, url_invoke_mode, whole_seconds};
use settings::{Settings, bare_function_name, environment};

/// The viewer-request function's source, taken from `cloudfront/` at build time.
pub const VIEWER_REQUEST_JS: &str = include_str!("viewer-request.js");

/// The header lamux checks; CloudFront sends it on every origin request.
pub const ORIGIN_SECRET_HEADER: &str = lamux::origin::SECRET_HEADER;

/// Seconds CloudFront keeps an idle connection to the Function URL for the next request:
/// long enough that a steady trickle of requests skips the TLS handshake, at most the 60
/// CloudFront allows without a quota increase.
pub const ORIGIN_KEEPALIVE_SECS: u32 = 30;

/// The inline policy of lamux's role, and its statement that lists what lamux may invoke.
const POLICY: &str = "lamux";
const INVOKE_SID: &str = "InvokeAliases";

/// lamux in front of the functions of a stack.
///
/// ```
/// use lamux_cdk::constructs::lambda::{Code, Function, FunctionProps};
/// use lamux_cdk::template::Expr;
/// use lamux_cdk::tree::{Asset, AssetSource, Stack};
/// use lamux_cdk::{Lamux, LamuxProps};
///
/// # // `cargo lambda build` writes target/lambda/NAME/bootstrap; synth checks that the file is there.
/// # let dir = tempfile::tempdir()?;
/// # let build = dir.path();
/// # for app in ["app", "lamux"] { std::fs::create_dir_all(build.join(app))?; std::fs::write(build.join(app).join("bootstrap"), b"")?; }
/// let stack = Stack::new("lamux and an app");
/// let code = Asset::new(&stack, "AppCode", "app", AssetSource::Bootstrap(build.join("app/bootstrap")))?;
/// let props = FunctionProps::builder().code(Code::from_asset(&code)).function_name(Expr::str("app")).build();
/// let app = Function::new(&stack, "App", props)?;
/// let lamux = Lamux::new(&stack, "Lamux", LamuxProps::builder()
///     .domain_suffix("example.com")
///     .code(AssetSource::Bootstrap(build.join("lamux/bootstrap")))
///     .build())?;
/// lamux.serve(&app)?;
/// let template = stack.synth()?.template;
/// let variables = &template.properties("LamuxFunction").expect("lamux")["Environment"]["Variables"];
/// assert_eq!(variables["LAMUX_ALLOW_FUNCTION"], serde_json::json!({"Fn::Join": [",", [{"Ref": "App"}]]}));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Lamux {
    scope: Scope,
    function: Function,
    role: Role,
    url: FunctionUrl,
    distribution: cloudfront::Distribution,
    origin_secret: Option<RotatingSecret>,
    /// lamux's allow-list (`LAMUX_ALLOW_FUNCTION`): the given globs, then served functions.
    allowed: std::rc::Rc<std::cell::RefCell<Vec<Expr>>>,
    qualifiers: Vec<String>,
    /// The suffix of `ALIAS-FUNCTION.SUFFIX` hosts, when the host names the function.
    routes_under: Option<String>,
    ci: Option<ci::CiRoles>,
}

impl Construct for Lamux {
    fn scope(&self) -> &Scope {
        &self.scope
    }
}

impl Lamux {
    /// lamux as the child `id` of `scope`: its function, URL, role, log group and CloudFront distribution (the example is on [`Lamux`]).
    pub fn new(scope: &impl Construct, id: &str, props: LamuxProps) -> Result<Self, Error> {
        let settings = Settings::check(&props).map_err(|err| Error::Settings(format!("{err:#}")))?;
        let scope = scope.scope().child(id)?;
        let suffix = &settings.domain_suffix;
        // Names unique per stack (the log group) or per account (CloudFront's): a second
        // Lamux in the stack gets its own; see names::tag.
        let tag = crate::names::tag(scope.path());
        let origin_secret = match props.origin_auth {
            OriginAuth::Secret => Some(RotatingSecret::new(
                &scope,
                "OriginSecret",
                format!("Secret CloudFront sends as {ORIGIN_SECRET_HEADER}; lamux refuses requests without it"),
            )?),
            OriginAuth::None | OriginAuth::Oac => None,
        };
        let source = props.code.clone().for_architecture(props.arch);
        let code = Asset::described(&scope, "Code", "bootstrap", "the lamux bootstrap zip", source)?;
        let log_group = LogGroup::new(
            &scope,
            "LogGroup",
            LogGroupProps::builder()
                .log_group_name(Expr::sub(format!("/aws/lambda/${{AWS::StackName}}{tag}")))
                .maybe_retention_in_days(RetentionDays::from_days(props.log_retention_days))
                .build(),
        )?;
        // Its name is fixed (/aws/lambda/STACK), so a group kept after the stack is deleted
        // would make the next create fail: it goes with the stack, said explicitly.
        log_group.resource().set_policy(RemovalPolicy::Delete);
        let role = Role::new(&scope, "Role", RoleProps::for_lambda())?;
        role.add_to_named_policy(
            POLICY,
            Statement::allow(["logs:CreateLogStream", "logs:PutLogEvents"], [log_group.arn()]).with_sid("WriteLogs"),
        )?;
        let qualifiers =
            if props.allow_aliases.is_empty() { vec!["*".to_owned()] } else { props.allow_aliases.clone() };
        let invoke: Vec<Expr> = match props.scope() {
            InvokeScope::Nothing => Vec::new(),
            InvokeScope::Functions(names) => {
                names.iter().flat_map(|name| qualifiers.iter().map(move |q| invoke_arn(name, q))).collect()
            }
            InvokeScope::All => vec![invoke_arn("*", "*")],
        };
        if !invoke.is_empty() {
            role.add_to_named_policy(POLICY, Statement::allow(["lambda:InvokeFunction"], invoke).with_sid(INVOKE_SID))?;
        }
        let canary = Parameter::kept(
            &scope,
            "Canary",
            "Sticky canaries of lamux, ALIAS=TARGET:PERCENT comma-separated (LAMUX_CANARY); set by \
             `lamux-deploy preview canary`, kept by `up` unless its canary setting is given",
            props.canary.as_ref().map(|entries| entries.join(",")),
        )?;
        let mut variables = environment(&props, &settings, origin_secret.as_ref());
        variables.insert("LAMUX_CANARY".to_owned(), canary.value());
        let function = Function::new(
            &scope,
            "Function",
            FunctionProps::builder()
                .description(format!("lamux for *.{suffix}"))
                .architectures(vec![props.arch])
                .code(Code::from_asset(&code))
                .role(role.arn())
                .memory_size(props.memory_size)
                .timeout(std::time::Duration::from_secs(settings.timeout_secs.into()))
                .environment(FunctionEnvironment { variables })
                .logging_config(LoggingConfig { log_group: log_group.name(), log_format: lambda::LogFormat::Json })
                .build(),
        )?;
        let oac = props.origin_auth == OriginAuth::Oac;
        let auth_type = if oac { UrlAuthType::AwsIam } else { UrlAuthType::None };
        let url = FunctionUrl::new(
            &scope,
            "FunctionUrl",
            UrlProps::builder()
                .target_function_arn(function.arn())
                .auth_type(auth_type)
                .invoke_mode(settings::url_invoke_mode(props.invoke_mode))
                .build(),
        )?;
        let viewer_function = cloudfront::Function::new(
            &scope,
            "ForwardedHostFunction",
            cloudfront::FunctionProps::builder()
                // Unique per account, not per region: the region is part of the name.
                .name(Expr::sub(format!("${{AWS::StackName}}-${{AWS::Region}}{tag}-fwd-host")))
                .function_code(VIEWER_REQUEST_JS)
                .function_config(cloudfront::FunctionConfig {
                    comment: "Copies the viewer's Host into X-Forwarded-Host for lamux".to_owned(),
                    runtime: cloudfront::FunctionRuntime::Js2,
                })
                .build(),
        )?;
        let access_control = if oac {
            Some(cloudfront::OriginAccessControl::new(
                &scope,
                "OriginAccessControl",
                cloudfront::OriginAccessControlProps {
                    origin_access_control_config: cloudfront::OriginAccessControlConfig {
                        name: Expr::sub(format!("${{AWS::StackName}}-${{AWS::Region}}{tag}-lambda")),
                        description: "CloudFront signs requests to lamux's Function URL".to_owned(),
                        origin_access_control_origin_type: "lambda".to_owned(),
                        signing_behavior: "always".to_owned(),
                        signing_protocol: "sigv4".to_owned(),
                    },
                },
            )?)
        } else {
            None
        };
        let origin = cloudfront::Origin {
            id: "lamux".to_owned(),
            domain_name: url.host(),
            custom_origin_config: cloudfront::CustomOriginConfig {
                origin_protocol_policy: cloudfront::OriginProtocolPolicy::HttpsOnly,
                origin_ssl_protocols: vec!["TLSv1.2".to_owned()],
                // Long enough for lamux's own answer, a 504 included (options.rs).
                origin_read_timeout: settings.origin_read_timeout_secs,
                origin_keepalive_timeout: ORIGIN_KEEPALIVE_SECS,
            },
            origin_custom_headers: origin_secret
                .iter()
                .map(|secret| cloudfront::OriginCustomHeader {
                    header_name: ORIGIN_SECRET_HEADER.to_owned(),
                    header_value: secret.current(),
                })
                .collect(),
            origin_access_control_id: access_control.as_ref().map(cloudfront::OriginAccessControl::id),
        };
        let (aliases, viewer_certificate) = match &props.certificate_arn {
            Some(arn) => (vec![Expr::str(format!("*.{suffix}"))], cloudfront::ViewerCertificate::acm(arn.clone())),
            None => (Vec::new(), cloudfront::ViewerCertificate::default_certificate()),
        };
        let strings = |items: &[&str]| items.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        let distribution = cloudfront::Distribution::new(
            &scope,
            "Distribution",
            cloudfront::DistributionConfig::builder()
                .comment(format!("lamux for *.{suffix}"))
                .aliases(aliases)
                .viewer_certificate(viewer_certificate)
                .origins(vec![origin])
                .default_cache_behavior(cloudfront::CacheBehavior {
                    target_origin_id: "lamux".to_owned(),
                    viewer_protocol_policy: cloudfront::ViewerProtocolPolicy::RedirectToHttps,
                    allowed_methods: strings(&["GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"]),
                    cached_methods: strings(&["GET", "HEAD"]),
                    cache_policy_id: cloudfront::CACHING_DISABLED.to_owned(),
                    origin_request_policy_id: cloudfront::ALL_VIEWER_EXCEPT_HOST_HEADER.to_owned(),
                    compress: true,
                    function_associations: vec![cloudfront::FunctionAssociation {
                        event_type: cloudfront::EventType::ViewerRequest,
                        function_arn: viewer_function.arn(),
                    }],
                })
                .build(),
        )?;
        url_permissions(&scope, &function, oac.then(|| distribution.arn()))?;
        if let Some(zone) = &props.hosted_zone_id {
            for (kind, id) in
                [(route53::RecordType::A, "WildcardRecordA"), (route53::RecordType::Aaaa, "WildcardRecordAAAA")]
            {
                let name = format!("*.{suffix}.");
                route53::RecordSet::alias_to(&scope, id, zone.clone(), &name, kind, &distribution)?;
            }
        }
        let allowed = props.allow_functions.iter().map(|f| Expr::str(bare_function_name(f))).collect();
        let ci = props.github.as_ref().map(|github| ci::roles(&scope, github, &function)).transpose()?;
        Ok(Self {
            scope,
            function,
            role,
            url,
            distribution,
            origin_secret,
            allowed: std::rc::Rc::new(std::cell::RefCell::new(allowed)),
            qualifiers,
            // With a fixed function the host names only the alias.
            routes_under: (props.function_name == "*").then(|| settings.domain_suffix.clone()),
            ci,
        })
    }

    /// Let lamux invoke `function` (at the allowed aliases): the role's policy, and lamux's
    /// allow-list, which then names only the allowed and served functions. The function may
    /// be in another stack of the same [`App`](crate::app::App): its ARN and name are then
    /// imported.
    ///
    /// When hosts name the function (`function_name` `*`), a function lamux could not route
    /// is refused: one without a lower-case `function_name` (CloudFormation would make up a
    /// mixed-case one), or whose name and aliases do not fit one DNS label. Aliases added
    /// later are checked by [`Function::add_alias`].
    pub fn serve(&self, function: &Function) -> Result<(), Error> {
        if let Some(suffix) = &self.routes_under {
            function.route_under(suffix)?;
        }
        let arn = Expr::from(function.arn());
        let resources = self.qualifiers.iter().map(|q| Expr::join("", vec![arn.clone(), Expr::str(format!(":{q}"))]));
        self.role
            .add_to_named_policy(POLICY, Statement::allow(["lambda:InvokeFunction"], resources).with_sid(INVOKE_SID))?;
        let mut allowed = self.allowed.borrow_mut();
        allowed.push(function.name().into());
        self.function.add_environment("LAMUX_ALLOW_FUNCTION", Expr::join(",", allowed.clone()))?;
        Ok(())
    }

    /// The GitHub workflows' preview and release roles, when `github` was given.
    pub fn ci_roles(&self) -> Option<&ci::CiRoles> {
        self.ci.as_ref()
    }

    /// lamux's own function.
    pub fn function(&self) -> &Function {
        &self.function
    }

    /// lamux's role: what it may invoke.
    pub fn role(&self) -> &Role {
        &self.role
    }

    /// lamux's Function URL, CloudFront's origin.
    pub fn url(&self) -> &FunctionUrl {
        &self.url
    }

    /// The CloudFront distribution in front of lamux.
    pub fn distribution(&self) -> &cloudfront::Distribution {
        &self.distribution
    }

    /// The origin secret (`OriginAuth::Secret`): two NoEcho slots the engine rotates.
    pub fn origin_secret(&self) -> Option<&RotatingSecret> {
        self.origin_secret.as_ref()
    }
}

/// Since October 2025 a Function URL needs both permissions (AWS docs, "Control access to
/// Lambda function URLs"): InvokeFunctionUrl, and InvokeFunction via the URL. With an origin
/// access control only the distribution gets them.
fn url_permissions(scope: &Scope, function: &Function, distribution: Option<Expr>) -> Result<(), Error> {
    let principal = match distribution {
        Some(_) => lambda::Principal::Service("cloudfront.amazonaws.com".into()),
        None => lambda::Principal::Anyone,
    };
    let auth_type = if distribution.is_some() { UrlAuthType::AwsIam } else { UrlAuthType::None };
    lambda::Permission::new(
        scope,
        "FunctionUrlPermission",
        PermissionProps::builder()
            .action(lambda::PermissionAction::InvokeFunctionUrl)
            .function_name(function.name())
            .principal(principal.clone())
            .maybe_source_arn(distribution.clone())
            .function_url_auth_type(auth_type)
            .build(),
    )?;
    lambda::Permission::new(
        scope,
        "InvokeViaUrlPermission",
        PermissionProps::builder()
            .action(lambda::PermissionAction::InvokeFunction)
            .function_name(function.name())
            .principal(principal)
            .maybe_source_arn(distribution)
            .invoked_via_function_url(true)
            .build(),
    )?;
    Ok(())
}

/// The ARN IAM checks when lamux invokes `function` (a name, a glob, an ARN or a partial
/// ARN) at a qualifier matching `qualifier`: lamux always invokes with a qualifier, so
/// `NAME:QUALIFIER` is what the policy must allow.
fn invoke_arn(function: &str, qualifier: &str) -> Expr {
    if function == "*" && qualifier == "*" {
        // Every function, qualified or not: `allow_all_functions`.
        Expr::sub("arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:*")
    } else if function.starts_with("arn:") {
        Expr::str(format!("{function}:{qualifier}"))
    } else if function.contains(":function:") {
        // ACCOUNT:function:NAME
        Expr::sub(format!("arn:${{AWS::Partition}}:lambda:${{AWS::Region}}:{function}:{qualifier}"))
    } else {
        Expr::sub(format!(
            "arn:${{AWS::Partition}}:lambda:${{AWS::Region}}:${{AWS::AccountId}}:function:{function}:{qualifier}"
        ))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use std::time::Duration;

    use crate::constructs::iam::RoleProps;
    use crate::tree::AssetSource;
    use crate::tree::Stack;

    fn props(suffix: &str) -> LamuxProps {
        LamuxProps::builder().domain_suffix(suffix).code(AssetSource::placeholder()).build()
    }

    fn app(stack: &Stack, id: &str) -> Function {
        let code = Asset::new(stack, &format!("{id}Code"), id, AssetSource::placeholder()).expect("asset");
        let props = FunctionProps::builder()
            .code(Code::from_asset(&code))
            .function_name(Expr::str(id.to_ascii_lowercase()))
            .build();
        Function::new(stack, id, props).expect("function")
    }

    /// Issue 20: serve() accepted a CloudFormation-generated mixed-case name, an alias
    /// `pr-7` and `allow_aliases(["pr-*"])`, all without a word.
    #[test]
    fn what_lamux_cannot_route_is_refused() {
        let stack = Stack::new("test");
        let lamux = Lamux::new(&stack, "Lamux", props("x.com")).expect("lamux");
        let code = Asset::new(&stack, "Code", "code", AssetSource::placeholder()).expect("asset");
        let unnamed = Function::new(&stack, "Unnamed", FunctionProps::builder().code(Code::from_asset(&code)).build())
            .expect("function");
        let said = lamux.serve(&unnamed).expect_err("no function_name").to_string();
        assert!(said.contains("no function_name"), "{said}");
        let named = |id: &str, name: Expr| {
            let props = FunctionProps::builder().code(Code::from_asset(&code)).function_name(name).build();
            Function::new(&stack, id, props).expect("function")
        };
        assert!(lamux.serve(&named("Mixed", Expr::str("MyFunc"))).is_err(), "upper case");
        assert!(lamux.serve(&named("Long", Expr::str("f".repeat(62)))).is_err(), "no room for an alias");
        assert!(lamux.serve(&named("Subbed", Expr::sub("${AWS::StackName}-Web"))).is_err(), "a literal W");
        lamux.serve(&named("Stacked", Expr::sub("${AWS::StackName}-web"))).expect("lower-case literal parts");

        let web = named("Web", Expr::str("web"));
        let version = web.add_version("V1").expect("version");
        web.add_alias("pr-7", &version).expect("an alias lamux does not serve yet");
        let said = lamux.serve(&web).expect_err("pr-7").to_string();
        assert!(said.contains("\"pr-7\""), "{said}");
        let api = named("Api", Expr::str("api"));
        lamux.serve(&api).expect("served");
        let version = api.add_version("V1").expect("version");
        api.add_alias("live", &version).expect("routable");
        assert!(api.add_alias("Live", &version).is_err(), "refused once served");

        for pattern in ["pr-*", "Live", ""] {
            let refused = LamuxProps { allow_aliases: vec![pattern.to_owned()], ..props("x.com") };
            let said = format!("{:#}", refused.check().expect_err(pattern));
            assert!(said.contains("allow_aliases entry"), "{pattern}: {said}");
        }
    }

    /// Issue 20: the library checks what the CLI checks, naming the property.
    #[test]
    fn the_library_checks_what_the_cli_checks() {
        let cases = [
            (LamuxProps { memory_size: 64, ..props("x.com") }, "memory_size"),
            (LamuxProps { log_retention_days: 10, ..props("x.com") }, "log_retention_days"),
            (
                LamuxProps {
                    certificate_arn: Some(Expr::str("arn:aws:acm:eu-west-1:1:certificate/x")),
                    ..props("x.com")
                },
                "certificate_arn",
            ),
            (LamuxProps { timeout: Some(Duration::from_secs(901)), ..props("x.com") }, "900"),
            (LamuxProps { timeout: Some(Duration::from_millis(35_500)), ..props("x.com") }, "whole seconds"),
            (LamuxProps { allow_functions: vec!["a b".into()], ..props("x.com") }, "allow_functions"),
        ];
        for (bad, property) in cases {
            let said = format!("{:#}", bad.check().expect_err(property));
            assert!(said.contains(property) && !said.contains("--"), "{property}: {said}");
        }
        // An ARN in allow_functions: the role gets the ARN, lamux's allow-list the name.
        let stack = Stack::new("test");
        let arn = "arn:aws:lambda:us-east-1:123456789012:function:billing";
        Lamux::new(&stack, "Lamux", LamuxProps { allow_functions: vec![arn.into()], ..props("x.com") }).expect("lamux");
        let template = stack.synth().expect("synth").template;
        let variables = &template.properties("LamuxFunction").expect("lamux")["Environment"]["Variables"];
        assert_eq!(variables["LAMUX_ALLOW_FUNCTION"], "billing");
        assert!(template.to_json().contains(&format!("{arn}:*")), "the policy keeps the ARN");
    }

    #[test]
    fn serve_grants_the_function_at_the_allowed_aliases_and_names_it_in_lamux_allow_list() {
        let stack = Stack::new("test");
        let (web, api) = (app(&stack, "Web"), app(&stack, "Api"));
        let lamux = Lamux::new(
            &stack,
            "Lamux",
            LamuxProps { allow_aliases: vec!["live".into()], allow_functions: vec!["legacy".into()], ..props("x.com") },
        )
        .expect("lamux");
        lamux.serve(&web).expect("served");
        lamux.serve(&api).expect("served");
        let template = stack.synth().expect("synth").template;
        let statement =
            &template.properties("LamuxRole").expect("role")["Policies"][0]["PolicyDocument"]["Statement"][1];
        assert_eq!(statement["Sid"], INVOKE_SID);
        assert_eq!(
            statement["Resource"],
            json!([
                {"Fn::Sub": "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:legacy:live"},
                {"Fn::Join": ["", [{"Fn::GetAtt": ["Web", "Arn"]}, ":live"]]},
                {"Fn::Join": ["", [{"Fn::GetAtt": ["Api", "Arn"]}, ":live"]]}
            ])
        );
        let variables = &template.properties("LamuxFunction").expect("lamux")["Environment"]["Variables"];
        assert_eq!(
            variables["LAMUX_ALLOW_FUNCTION"],
            json!({"Fn::Join": [",", ["legacy", {"Ref": "Web"}, {"Ref": "Api"}]]})
        );
    }

    #[test]
    fn a_function_of_a_stack_outside_the_app_is_refused_at_synth() {
        let (ours, theirs) = (Stack::new("ours"), Stack::new("theirs"));
        let lamux = Lamux::new(&ours, "Lamux", props("x.com")).expect("lamux");
        lamux.serve(&app(&theirs, "Web")).expect("served: an App would import its ARN and name");
        let error = ours.synth().expect_err("two stacks outside one App cannot export and import");
        assert!(matches!(error, Error::CrossStack { .. }), "{error}");
        let role = Role::new(&theirs, "Role", RoleProps::for_lambda()).expect("role");
        lamux.function().grant_invoke(&role).expect("granted: an App would import lamux's ARN");
        assert!(matches!(theirs.synth(), Err(Error::CrossStack { .. })));
    }

    #[test]
    fn serve_takes_an_imported_function_and_checks_the_name_it_was_given() {
        let stack = Stack::new("test");
        let lamux = Lamux::new(&stack, "Lamux", props("x.com")).expect("lamux");
        let billing = Function::from_name(&stack, "Billing", "billing").expect("imported");
        lamux.serve(&billing).expect("served");
        let version = billing.add_version("V7").expect("a version of the imported function");
        billing.add_alias("live", &version).expect("an alias of it");
        let by_arn =
            Function::from_arn(&stack, "Reports", "arn:aws:lambda:us-east-1:123456789012:function:reports:live")
                .expect("imported");
        lamux.serve(&by_arn).expect("served");
        let mixed = Function::from_name(&stack, "Mixed", "Mixed_Case").expect("a valid Lambda name");
        assert!(lamux.serve(&mixed).is_err(), "lamux cannot route a mixed-case name");
        assert!(Function::from_arn(&stack, "Bad", "arn:aws:iam::1:role/x").is_err());
        assert!(mixed.add_environment("A", "b").is_err(), "an imported function's settings are not the stack's");

        let template = stack.synth().expect("synth").template;
        let variables = &template.properties("LamuxFunction").expect("lamux")["Environment"]["Variables"];
        assert_eq!(variables["LAMUX_ALLOW_FUNCTION"], json!({"Fn::Join": [",", ["billing", "reports"]]}));
        assert_eq!(template.properties("BillingAliaslive").expect("alias")["FunctionName"], "billing");
        let statement =
            &template.properties("LamuxRole").expect("role")["Policies"][0]["PolicyDocument"]["Statement"][1];
        assert_eq!(
            statement["Resource"][0],
            json!({"Fn::Join": ["", [
                {"Fn::Sub": "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:billing"},
                ":*"
            ]]})
        );
    }

    #[test]
    fn two_lamuxes_in_one_stack_get_their_own_ids_and_bad_props_are_refused() {
        let stack = Stack::new("test");
        Lamux::new(&stack, "Public", props("a.com")).expect("one");
        Lamux::new(&stack, "Internal", props("b.com")).expect("two");
        let template = stack.synth().expect("synth").template;
        for id in ["PublicFunction", "InternalFunction", "PublicOriginSecret", "InternalCodeS3Key"] {
            assert!(template.resource(id).is_some() || template.parameter(id).is_some(), "{id}");
        }
        assert!(Lamux::new(&stack, "Public", props("c.com")).is_err(), "a duplicate path");
        let bad = Lamux::new(&stack, "Bad", props("bad_suffix.com")).err().expect("refused");
        assert!(format!("{bad:#}").contains("domain suffix"), "{bad:#}");
        let slow = LamuxProps { upstream_timeout: Duration::from_secs(120), ..props("x.com") };
        assert!(Lamux::new(&stack, "Slow", slow).is_err(), "CloudFront would not wait for lamux");
    }

    /// Issue 20: the log group, the CloudFront Function and the OAC had names fixed per
    /// stack, so a second Lamux collided with the first.
    #[test]
    fn two_lamuxes_get_physical_names_of_their_own_that_fit() {
        let stack = Stack::new("test");
        let oac = |suffix: &str| LamuxProps { origin_auth: OriginAuth::Oac, ..props(suffix) };
        Lamux::new(&stack, "Lamux", oac("a.com")).expect("the CLI's path");
        Lamux::new(&stack, "Internal", oac("b.com")).expect("a second");
        let nested = stack.scope().child("Environments").and_then(|s| s.child("Production")).expect("scopes");
        Lamux::new(&nested, "Edge", oac("c.com")).expect("a long path");
        let template: serde_json::Value =
            serde_json::from_str(&stack.synth().expect("synth").template.to_json()).expect("JSON");
        let mut names = std::collections::BTreeSet::new();
        for (id, resource) in template["Resources"].as_object().expect("resources") {
            let properties = &resource["Properties"];
            for name in
                [&properties["LogGroupName"], &properties["Name"], &properties["OriginAccessControlConfig"]["Name"]]
            {
                if let Some(name) = name.get("Fn::Sub").and_then(serde_json::Value::as_str) {
                    assert!(names.insert(name.to_owned()), "{id}: {name} is taken");
                }
            }
        }
        assert_eq!(names.len(), 9, "a log group, a CloudFront Function and an OAC each: {names:?}");
        assert!(names.contains("${AWS::StackName}-${AWS::Region}-fwd-host"), "the CLI's names are as deployed");
        // Within CloudFront's 64 characters for a 30-character stack in the longest region.
        crate::names::check_physical(&template, &"s".repeat(30), "ap-southeast-7").expect("every name fits");
    }

    #[test]
    fn lamux_passes_the_log_retention_check_and_takes_the_stack_tags() {
        use crate::constructs::logs::RequireLogRetention;
        use crate::tree::{Aspects, Tags};
        let stack = Stack::new("test");
        Aspects::of(&stack).add(RequireLogRetention);
        Tags::of(&stack).add("team", "edge");
        let lamux = Lamux::new(&stack, "Lamux", props("x.com")).expect("lamux");
        Tags::of(lamux.function()).add("team", "lamux");
        let template = stack.synth().expect("lamux's function has a log group with retention").template;
        let tagged: Vec<(&str, &str)> = template
            .resources()
            .filter(|(id, _)| template.properties(id).is_some_and(|p| p.get("Tags").is_some()))
            .collect();
        assert_eq!(
            tagged,
            [
                ("LamuxDistribution", "AWS::CloudFront::Distribution"),
                ("LamuxFunction", "AWS::Lambda::Function"),
                ("LamuxLogGroup", "AWS::Logs::LogGroup"),
                ("LamuxRole", "AWS::IAM::Role"),
            ]
        );
        let function_tags = &template.properties("LamuxFunction").expect("function")["Tags"];
        assert_eq!(function_tags, &json!([{"Key": "team", "Value": "lamux"}]), "the nearer scope wins");

        let unlogged = Stack::new("test");
        Aspects::of(&unlogged).add(RequireLogRetention);
        app(&unlogged, "Web");
        let error = unlogged.synth().expect_err("Web's logs would be kept forever");
        assert!(matches!(&error, Error::Aspects { findings, .. } if findings[0].path == "Web"), "{error}");
    }

    #[test]
    fn a_certificate_and_zone_may_be_references_and_only_a_literal_is_checked() {
        use crate::template;
        use crate::tree::Parameter;
        let stack = Stack::new("test");
        let certificate = Parameter::new(&stack, "Certificate", template::Parameter::string("ACM ARN")).expect("p");
        let zone = Parameter::new(&stack, "Zone", template::Parameter::string("zone")).expect("p");
        let props = LamuxProps {
            certificate_arn: Some(certificate.value()),
            hosted_zone_id: Some(zone.value()),
            ..props("x.com")
        };
        Lamux::new(&stack, "Lamux", props).expect("a reference is taken as it is");
        let template = stack.synth().expect("synth").template;
        let config = &template.properties("LamuxDistribution").expect("distribution")["DistributionConfig"];
        assert_eq!(config["ViewerCertificate"]["AcmCertificateArn"], json!({"Ref": "Certificate"}));
        assert_eq!(config["Aliases"], json!(["*.x.com"]));
        assert_eq!(
            template.properties("LamuxWildcardRecordA").expect("record")["HostedZoneId"],
            json!({"Ref": "Zone"})
        );
    }
}
