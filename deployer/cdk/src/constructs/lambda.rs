//! Lambda: [`Function`], its [`Version`]s and [`Alias`]es, its [`FunctionUrl`], and
//! [`Permission`]s (resource-based policy statements). Property names are those of the
//! CloudFormation resource reference (`AWS::Lambda::*`).

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;
use std::time::Duration;

use bon::Builder;
use serde::Serialize;

use super::iam::{Role, RoleProps, Statement};
pub use crate::architecture::Architecture;
use crate::bundling::CargoLambda;
use crate::template::{Expr, RemovalPolicy, Resource};
use crate::tree::{
    Asset, AssetSource, BucketName, CfnResource, Construct, Error, FunctionArn, FunctionName, FunctionUrlAddress,
    LogGroupName, ObjectKey, QualifiedArn, Ref, RoleArn, Scope, VersionNumber,
};

/// A Lambda runtime (`Runtime`). `Other` names one this list does not have yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Runtime {
    /// `provided.al2023`: an executable `bootstrap`, as a Rust function is.
    ProvidedAl2023,
    /// `provided.al2`
    ProvidedAl2,
    /// `nodejs22.x`
    Nodejs22,
    /// `nodejs20.x`
    Nodejs20,
    /// `python3.13`
    Python313,
    /// `python3.12`
    Python312,
    /// `java21`
    Java21,
    /// `dotnet8`
    Dotnet8,
    /// `ruby3.4`
    Ruby34,
    /// A runtime by the name Lambda gives it.
    Other(String),
}

impl Runtime {
    /// The name Lambda uses (`provided.al2023`).
    pub fn name(&self) -> &str {
        match self {
            Self::ProvidedAl2023 => "provided.al2023",
            Self::ProvidedAl2 => "provided.al2",
            Self::Nodejs22 => "nodejs22.x",
            Self::Nodejs20 => "nodejs20.x",
            Self::Python313 => "python3.13",
            Self::Python312 => "python3.12",
            Self::Java21 => "java21",
            Self::Dotnet8 => "dotnet8",
            Self::Ruby34 => "ruby3.4",
            Self::Other(name) => name,
        }
    }
}

impl Serialize for Runtime {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

/// `LoggingConfig.LogFormat`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum LogFormat {
    /// `Text`
    Text,
    /// `JSON`
    #[serde(rename = "JSON")]
    Json,
}

/// A Function URL's `InvokeMode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum InvokeMode {
    /// The whole response at once, up to 6 MB (Lambda's default).
    Buffered,
    /// The response as the function writes it.
    ResponseStream,
}

/// What an `AWS::Lambda::Permission` allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PermissionAction {
    /// `lambda:InvokeFunction`
    InvokeFunction,
    /// `lambda:InvokeFunctionUrl`
    InvokeFunctionUrl,
    /// Any other `lambda:` action, named in full.
    Other(String),
}

impl Serialize for PermissionAction {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(match self {
            Self::InvokeFunction => "lambda:InvokeFunction",
            Self::InvokeFunctionUrl => "lambda:InvokeFunctionUrl",
            Self::Other(action) => action,
        })
    }
}

/// Who an `AWS::Lambda::Permission` is for.
#[derive(Debug, Clone, PartialEq)]
pub enum Principal {
    /// A service, such as `cloudfront.amazonaws.com`.
    Service(String),
    /// An account ID, or an IAM ARN (a literal or a reference).
    Account(Expr),
    /// Everyone: `*`, usually narrowed by a source ARN or the URL's auth type.
    Anyone,
}

impl Serialize for Principal {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Service(service) => serializer.serialize_str(service),
            Self::Account(account) => account.serialize(serializer),
            Self::Anyone => serializer.serialize_str("*"),
        }
    }
}

/// A function's timeout as the template writes it: whole seconds, from 1 to 900.
fn whole_seconds<S: serde::Serializer>(timeout: &Option<Duration>, serializer: S) -> Result<S::Ok, S::Error> {
    match timeout {
        Some(timeout) if timeout.subsec_nanos() == 0 && (1..=900).contains(&timeout.as_secs()) => {
            serializer.serialize_u64(timeout.as_secs())
        }
        Some(timeout) => Err(serde::ser::Error::custom(format!(
            "Timeout {timeout:?} is not whole seconds from 1 to 900 (15 minutes)"
        ))),
        None => serializer.serialize_none(),
    }
}

/// `AWS::Lambda::Function` properties.
#[derive(Debug, Clone, Serialize, Builder)]
#[serde(rename_all = "PascalCase")]
// One `on` per type: clippy reads the two `into`s as a duplicated attribute.
#[allow(clippy::duplicated_attributes)]
#[builder(on(String, into), on(Expr, into))]
pub struct FunctionProps {
    /// `Description`
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `Runtime`: `provided.al2023` unless given, the runtime of a Rust `bootstrap`.
    #[builder(default = Runtime::ProvidedAl2023)]
    pub runtime: Runtime,
    /// `Handler`
    #[builder(default = "bootstrap".to_owned())]
    pub handler: String,
    /// `Architectures`: one of them.
    #[builder(default = vec![Architecture::X86_64])]
    pub architectures: Vec<Architecture>,
    /// `Code`
    pub code: Code,
    /// `Role`: the execution role. Without one, [`Function::new`] adds a role with
    /// `AWSLambdaBasicExecutionRole` as the child `ServiceRole`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[builder(into)]
    pub role: Option<Ref<RoleArn>>,
    /// `MemorySize` in MB (128 to 10,240); Lambda's default is 128.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory_size: Option<u32>,
    /// `Timeout`: whole seconds, at most 15 minutes; Lambda's default is 3 seconds. Another
    /// value fails the synth.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "whole_seconds")]
    pub timeout: Option<Duration>,
    /// `Environment`
    #[serde(skip_serializing_if = "Option::is_none")]
    pub environment: Option<FunctionEnvironment>,
    /// `LoggingConfig`
    #[serde(skip_serializing_if = "Option::is_none")]
    pub logging_config: Option<LoggingConfig>,
    /// `FunctionName`: CloudFormation makes one from the stack and logical ID when unset,
    /// which lets the stack be deployed twice in one region.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub function_name: Option<Expr>,
}

/// `Code`: a zip in S3, or code that [`Function::new`] makes its child asset `Code`: a file,
/// or a package it builds with cargo-lambda for the function's architecture.
///
/// ```
/// use lamux_cdk::constructs::lambda::{Architecture, Code, Function, FunctionProps};
/// use lamux_cdk::tree::{AssetSource, Stack};
///
/// let stack = Stack::new("bundled");
/// let props = FunctionProps::builder().code(Code::cargo_lambda("echo")).architectures(vec![Architecture::Arm64]);
/// Function::new(&stack, "Echo", props.build())?;
/// let asset = &stack.assets()[0];
/// assert_eq!(asset.path, "Echo/Code");
/// let AssetSource::CargoLambda(build) = &asset.source else { panic!("built at synth") };
/// assert_eq!(build.name(), "echo");
/// # Ok::<(), lamux_cdk::tree::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Code(CodeKind);

#[derive(Debug, Clone)]
enum CodeKind {
    S3 {
        bucket: Ref<BucketName>,
        key: Ref<ObjectKey>,
        source: Option<AssetSource>,
    },
    /// Placed under the function as its asset by [`Function::new`].
    Place(AssetSource),
}

impl Code {
    /// The zip of an [`Asset`], uploaded by the deploy engine.
    pub fn from_asset(asset: &Asset) -> Self {
        Self(CodeKind::S3 { bucket: asset.bucket(), key: asset.key(), source: Some(asset.source().clone()) })
    }

    /// A zip already in S3 (CDK's `Code.fromBucket`): [`Function::current_version`] hashes
    /// the function's properties alone, the key included.
    pub fn from_bucket(bucket: impl Into<Ref<BucketName>>, key: impl Into<Ref<ObjectKey>>) -> Self {
        Self(CodeKind::S3 { bucket: bucket.into(), key: key.into(), source: None })
    }

    /// The package `package` of the program's workspace, built with cargo-lambda in the
    /// release profile at synth, for the function's architecture; the child `Code` of the
    /// function is its asset.
    pub fn cargo_lambda(package: impl Into<String>) -> Self {
        Self::from_source(AssetSource::CargoLambda(CargoLambda::package(package)))
    }

    /// Code from `source` (CDK's `Code.fromAsset`): a cargo-lambda build with settings of
    /// its own, a bootstrap or a zip file. [`Function::new`] adds it as the child asset `Code`.
    pub fn from_source(source: AssetSource) -> Self {
        Self(CodeKind::Place(source))
    }

    /// Where the zip comes from, when the stack uploads it.
    pub fn source(&self) -> Option<&AssetSource> {
        match &self.0 {
            CodeKind::S3 { source, .. } => source.as_ref(),
            CodeKind::Place(_) => None,
        }
    }
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct as _;
        match &self.0 {
            CodeKind::S3 { bucket, key, .. } => {
                let mut code = serializer.serialize_struct("Code", 2)?;
                code.serialize_field("S3Bucket", bucket)?;
                code.serialize_field("S3Key", key)?;
                code.end()
            }
            CodeKind::Place(_) => {
                Err(serde::ser::Error::custom("code from a source is placed by Function::new, not rendered as it is"))
            }
        }
    }
}

/// `Environment`: the function's environment variables (named apart from the App's
/// [`Environment`](crate::app::Environment), an account and region).
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct FunctionEnvironment {
    /// `Variables`
    pub variables: BTreeMap<String, Expr>,
}

/// `LoggingConfig`
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct LoggingConfig {
    /// `LogGroup`
    pub log_group: Ref<LogGroupName>,
    /// `LogFormat`
    pub log_format: LogFormat,
}

impl Resource for FunctionProps {
    const TYPE: &'static str = "AWS::Lambda::Function";
}

/// A Lambda function.
///
/// ```
/// use lamux_cdk::constructs::lambda::{Code, Function, FunctionProps};
/// use lamux_cdk::tree::{Asset, AssetSource, Construct as _, Stack};
///
/// # // `cargo lambda build` writes target/lambda/NAME/bootstrap; synth checks that the file is there.
/// # let dir = tempfile::tempdir()?;
/// # let build = dir.path();
/// # for app in ["echo"] { std::fs::create_dir_all(build.join(app))?; std::fs::write(build.join(app).join("bootstrap"), b"")?; }
/// let stack = Stack::new("demo");
/// let asset = Asset::new(&stack, "EchoCode", "echo", AssetSource::Bootstrap(build.join("echo/bootstrap")))?;
/// let echo = Function::new(&stack, "Echo", FunctionProps::builder().code(Code::from_asset(&asset)).build())?;
/// let live = echo.add_alias("live", &echo.add_version("V1")?)?;
/// assert_eq!(echo.path(), "Echo");
/// let template = stack.synth()?.template;
/// assert_eq!(template.resource("EchoAliaslive").map(|r| r.kind.as_str()), Some("AWS::Lambda::Alias"));
/// assert!(template.resource("EchoServiceRole").is_some(), "a role is made when none is given");
/// # let _ = live;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Function {
    body: Body,
    role: Option<Role>,
    /// The aliases [`Function::add_alias`] made, and the suffix lamux routes the function
    /// under once a `Lamux` serves it: shared by every clone.
    aliases: Rc<RefCell<Vec<String>>>,
    routed_under: Rc<RefCell<Option<String>>>,
    /// What [`Function::current_version`] made, the same for every call.
    current: Rc<RefCell<Option<Version>>>,
}

/// A function of the stack, or one the stack only refers to.
#[derive(Clone)]
enum Body {
    Defined(CfnResource<FunctionProps>),
    Imported(Imported),
}

#[derive(Clone)]
struct Imported {
    scope: Scope,
    arn: Expr,
    name: Expr,
    /// The name, when the import gives it as text: what lamux's routing checks.
    literal_name: Option<String>,
}

impl Construct for Function {
    fn scope(&self) -> &Scope {
        match &self.body {
            Body::Defined(resource) => resource.scope(),
            Body::Imported(imported) => &imported.scope,
        }
    }
}

impl Function {
    /// An `AWS::Lambda::Function` as the child `id` of `scope`: with a role of its own (`ServiceRole`) unless `props` names one, and code from a source placed as its child asset `Code` (see [`Code`]). The example is on [`Function`].
    pub fn new(scope: &impl Construct, id: &str, mut props: FunctionProps) -> Result<Self, Error> {
        let scope = scope.scope().child(id)?;
        let role = match &props.role {
            Some(_) => None,
            None => {
                let role = Role::new(&scope, "ServiceRole", RoleProps::for_lambda())?;
                role.add_managed_policy(Expr::sub(
                    "arn:${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
                ))?;
                props.role = Some(role.arn());
                Some(role)
            }
        };
        if let CodeKind::Place(source) = &props.code.0 {
            let architecture = props.architectures.first().copied().unwrap_or(Architecture::X86_64);
            let source = source.clone().for_architecture(architecture);
            let asset = Asset::new(&scope, "Code", &source.name(id), source)?;
            props.code = Code::from_asset(&asset);
        }
        let body = Body::Defined(CfnResource::at(scope, props)?);
        Ok(Self { body, role, aliases: Rc::default(), routed_under: Rc::default(), current: Rc::default() })
    }

    /// A function outside the stack, by its ARN (a literal, or any expression such as a
    /// parameter's value): what [`Lamux::serve`](crate::Lamux::serve), [`Function::grant_invoke`],
    /// [`Function::add_version`] and [`Function::add_alias`] take like a function of the
    /// stack. `id` names it in the tree; it adds no resource.
    ///
    /// ```
    /// # use lamux_cdk::constructs::iam::Role;
    /// # use lamux_cdk::constructs::lambda::Function;
    /// # use lamux_cdk::tree::Stack;
    /// # use serde_json::json;
    /// let stack = Stack::new("imports");
    /// let billing = Function::from_arn(&stack, "Billing", "arn:aws:lambda:eu-west-1:123456789012:function:billing")?;
    /// let ci = Role::from_arn(&stack, "Ci", "arn:aws:iam::123456789012:role/deploy/ci")?;
    /// billing.grant_invoke(&ci)?;
    /// let template = stack.synth()?.template;
    /// // An imported role gets its statements through an AWS::IAM::Policy attached by name.
    /// let policy = template.properties("CiPolicy").expect("a policy for the imported role");
    /// assert_eq!(policy["Roles"], json!(["ci"]));
    /// // Named for this stack: another stack's grant on the same role gets a name of its own.
    /// assert_eq!(policy["PolicyName"], json!({"Fn::Sub": "${AWS::StackName}-CiPolicy"}));
    /// assert_eq!(policy["PolicyDocument"]["Statement"][0]["Resource"][0], "arn:aws:lambda:eu-west-1:123456789012:function:billing");
    /// # Ok::<(), lamux_cdk::tree::Error>(())
    /// ```
    pub fn from_arn(scope: &impl Construct, id: &str, arn: impl Into<Expr>) -> Result<Self, Error> {
        let scope = scope.scope().child(id)?;
        let arn = arn.into();
        let (name, literal_name) = match arn.as_literal() {
            Some(text) => {
                let name = arn_function_name(text).ok_or_else(|| Error::Invalid {
                    path: scope.path().to_owned(),
                    why: format!("{text:?} is not a function ARN (arn:PARTITION:lambda:REGION:ACCOUNT:function:NAME)"),
                })?;
                (Expr::str(name), Some(name.to_owned()))
            }
            // arn:partition:lambda:region:account:function:NAME: the seventh part.
            None => (Expr::select(6, Expr::split(":", arn.clone())), None),
        };
        Ok(Self::imported(Imported { scope, arn, name, literal_name }))
    }

    /// A function outside the stack, by its name, in the stack's account and region.
    pub fn from_name(scope: &impl Construct, id: &str, name: &str) -> Result<Self, Error> {
        let scope = scope.scope().child(id)?;
        if name.is_empty() || name.len() > 64 || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_".contains(&b))
        {
            return Err(Error::Invalid {
                path: scope.path().to_owned(),
                why: format!("{name:?} is not a function name (1-64 letters, digits, '-' and '_')"),
            });
        }
        let arn =
            Expr::sub(format!("arn:${{AWS::Partition}}:lambda:${{AWS::Region}}:${{AWS::AccountId}}:function:{name}"));
        Ok(Self::imported(Imported { scope, arn, name: Expr::str(name), literal_name: Some(name.to_owned()) }))
    }

    fn imported(imported: Imported) -> Self {
        Self {
            body: Body::Imported(imported),
            role: None,
            aliases: Rc::default(),
            routed_under: Rc::default(),
            current: Rc::default(),
        }
    }

    /// `Fn::GetAtt Arn`, or the imported ARN.
    pub fn arn(&self) -> Ref<FunctionArn> {
        match &self.body {
            Body::Defined(resource) => Ref::unchecked(resource.get_att("Arn")),
            Body::Imported(imported) => Ref::unchecked(imported.arn.clone()),
        }
    }

    /// `Ref`: the function's name, or the imported name.
    pub fn name(&self) -> Ref<FunctionName> {
        match &self.body {
            Body::Defined(resource) => Ref::unchecked(resource.reference()),
            Body::Imported(imported) => Ref::unchecked(imported.name.clone()),
        }
    }

    /// The role [`Function::new`] made, when the props named none.
    pub fn role(&self) -> Option<&Role> {
        self.role.as_ref()
    }

    /// The `AWS::Lambda::Function` itself, for properties this construct does not cover;
    /// `None` for an imported function.
    pub fn resource(&self) -> Option<&CfnResource<FunctionProps>> {
        match &self.body {
            Body::Defined(resource) => Some(resource),
            Body::Imported(_) => None,
        }
    }

    /// The function's resource, or an error that names what needed it.
    fn defined(&self, what: &str) -> Result<&CfnResource<FunctionProps>, Error> {
        self.resource().ok_or_else(|| Error::Invalid {
            path: self.path().to_owned(),
            why: format!("{what} needs a function of the stack, and this one is imported"),
        })
    }

    /// Set an environment variable.
    pub fn add_environment(&self, name: &str, value: impl Into<Expr>) -> Result<(), Error> {
        let value = value.into();
        self.defined("an environment variable")?.update(|props| {
            props.environment.get_or_insert_with(FunctionEnvironment::default).variables.insert(name.to_owned(), value);
        });
        Ok(())
    }

    /// The version of the function as it is synthesized: a child whose logical ID is
    /// `{FUNCTION}Version{HASH}`, where `HASH` is the SHA-256 of the code's bytes and of the
    /// function's final properties (after tags, aspects and property overrides; its tags
    /// left out, which a version does not hold). An alias pointed at it moves when either
    /// changes, and nothing is renamed by hand (CDK's `currentVersion`). The hash is taken at
    /// synth, so a change made after this call counts too; every call gives the same version.
    ///
    /// The version is retained when a new one replaces it (`DeletionPolicy` and
    /// `UpdateReplacePolicy` `Retain`; CDK's default is to delete it). An alias can only be
    /// rolled back to a version that still exists, and a leftover version costs nothing:
    /// `lamux-deploy preview prune` deletes the ones nothing uses. For CDK's behaviour,
    /// `version.resource().set_policy(RemovalPolicy::Delete)`. Cross-stack, the export's name is
    /// the version's placeholder, `{FUNCTION}CurrentVersion`, which does not change.
    ///
    /// ```
    /// # use lamux_cdk::constructs::lambda::{Code, Function, FunctionProps};
    /// # use lamux_cdk::archive::Archive;
    /// # use lamux_cdk::tree::{Asset, AssetSource, Stack};
    /// let version_for = |code: &[u8], tracing: bool| -> Result<String, lamux_cdk::tree::Error> {
    ///     let stack = Stack::new("versions");
    ///     let asset = Asset::new(&stack, "Code", "api", AssetSource::Archive(Archive::new(code.to_vec())))?;
    ///     let api = Function::new(&stack, "Api", FunctionProps::builder().code(Code::from_asset(&asset)).build())?;
    ///     let version = api.current_version()?;
    ///     api.add_alias("live", &version)?;
    ///     if tracing {
    ///         api.resource().expect("defined here").add_property_override("TracingConfig.Mode", "Active");
    ///     }
    ///     let template = stack.synth()?.template;
    ///     let (id, _) = template.resources().find(|(_, kind)| *kind == "AWS::Lambda::Version").expect("a version");
    ///     Ok(id.to_owned())
    /// };
    /// assert!(version_for(b"one", false)?.starts_with("ApiVersion"));
    /// assert_eq!(version_for(b"one", false)?, version_for(b"one", false)?);
    /// assert_ne!(version_for(b"one", false)?, version_for(b"two", false)?, "new code, new version");
    /// assert_ne!(version_for(b"one", false)?, version_for(b"one", true)?, "an override counts");
    /// # Ok::<(), lamux_cdk::tree::Error>(())
    /// ```
    pub fn current_version(&self) -> Result<Version, Error> {
        if let Some(version) = self.current.borrow().as_ref() {
            return Ok(version.clone());
        }
        let resource = self.defined("current_version")?;
        let version = self.add_version("CurrentVersion")?;
        version.resource().set_policy(RemovalPolicy::Retain);
        let code = resource.reader(|props| props.code.source().cloned());
        let content: crate::tree::hashed::Content = Rc::new(move || match code() {
            Some(source) => source.content_sha256().map_err(|err| format!("cannot hash the code: {err:#}")),
            None => Ok(String::new()),
        });
        let of = resource.logical_id().to_owned();
        version.resource().hash_logical_id(format!("{of}Version"), &of, content);
        *self.current.borrow_mut() = Some(version.clone());
        Ok(version)
    }

    /// Publish a version of the function's current code and configuration (the child `id`).
    /// CloudFormation publishes a version when the resource is created; change `id` to
    /// publish another.
    pub fn add_version(&self, id: &str) -> Result<Version, Error> {
        Version::new(self, id, VersionProps::builder().function_name(self.name()).build())
    }

    /// An alias `name` pointing at `version` (the child `Alias{name}`). Once lamux serves the
    /// function, an alias lamux could not route is refused.
    pub fn add_alias(&self, name: &str, version: &Version) -> Result<Alias, Error> {
        if let Some(suffix) = self.routed_under.borrow().as_deref() {
            self.check_route(suffix, name)?;
        }
        let props =
            AliasProps::builder().function_name(self.name()).function_version(version.version()).name(name).build();
        let alias = Alias::new(self, &format!("Alias{name}"), props)?;
        self.aliases.borrow_mut().push(name.to_owned());
        Ok(alias)
    }

    /// For `Lamux::serve`: lamux routes `ALIAS-NAME.SUFFIX` to this function, so its name
    /// must be a literal lower-case `function_name` (or a `Fn::Sub` whose literal parts are)
    /// that fits one DNS label with each of its aliases.
    pub fn route_under(&self, suffix: &str) -> Result<(), Error> {
        // The name alone, as with the shortest alias a host can carry, then each alias.
        self.check_route(suffix, crate::routable::SHORTEST_ALIAS)?;
        for alias in self.aliases.borrow().iter() {
            self.check_route(suffix, alias)?;
        }
        *self.routed_under.borrow_mut() = Some(suffix.to_owned());
        Ok(())
    }

    fn check_route(&self, suffix: &str, alias: &str) -> Result<(), Error> {
        let invalid = |why: String| Error::Invalid { path: self.path().to_owned(), why };
        crate::routable::alias_pattern(alias).map_err(|why| invalid(format!("alias {alias:?} {why}")))?;
        let function_name = match &self.body {
            Body::Defined(resource) => resource.read(|props| props.function_name.clone()),
            Body::Imported(imported) => match &imported.literal_name {
                Some(name) => Some(Expr::str(name)),
                // Known at deploy time only (an ARN from a parameter or an import).
                None => return Ok(()),
            },
        };
        match function_name {
            None => Err(invalid(
                "lamux routes ALIAS-FUNCTION hosts, and this function has no function_name: CloudFormation \
                 would make up a mixed-case name no host can carry; give it a lower-case function_name"
                    .to_owned(),
            )),
            Some(Expr::Str(name)) => crate::routable::route(suffix, &name, alias).map_err(invalid),
            // `${...}` parts are known at deploy time; the rest must already be routable.
            Some(Expr::Sub(template)) => crate::routable::sub_literals(&template).map_err(invalid),
            Some(_) => Ok(()),
        }
    }

    /// A Function URL for the function (the child `Url`).
    pub fn add_function_url(&self, auth_type: UrlAuthType) -> Result<FunctionUrl, Error> {
        FunctionUrl::new(self, "Url", UrlProps::builder().target_function_arn(self.arn()).auth_type(auth_type).build())
    }

    /// Let `role` invoke this function, every version and alias included. Either may be
    /// imported, or in another stack of the same App.
    pub fn grant_invoke(&self, role: &Role) -> Result<(), Error> {
        let arn = Expr::from(self.arn());
        let qualified = Expr::join("", vec![arn.clone(), Expr::str(":*")]);
        role.add_to_policy(Statement::allow(["lambda:InvokeFunction"], [arn, qualified]))
    }
}

/// `AWS::Lambda::Version` properties.
#[derive(Debug, Clone, Serialize, Builder)]
#[serde(rename_all = "PascalCase")]
// One `on` per type: clippy reads the two `into`s as a duplicated attribute.
#[allow(clippy::duplicated_attributes)]
#[builder(on(String, into), on(Expr, into))]
pub struct VersionProps {
    /// `FunctionName`: a name or an ARN.
    #[builder(into)]
    pub function_name: Ref<FunctionName>,
    /// `Description`
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

impl Resource for VersionProps {
    const TYPE: &'static str = "AWS::Lambda::Version";
}

/// A published, immutable version of a function.
#[derive(Clone)]
pub struct Version {
    resource: CfnResource<VersionProps>,
}

impl Construct for Version {
    fn scope(&self) -> &Scope {
        self.resource.scope()
    }
}

impl Version {
    /// An `AWS::Lambda::Version` as the child `id` of `scope`; [`Function::add_version`] and [`Function::current_version`] are the usual way.
    pub fn new(scope: &impl Construct, id: &str, props: VersionProps) -> Result<Self, Error> {
        Ok(Self { resource: CfnResource::new(scope, id, props)? })
    }

    /// `Ref`: the version's ARN, qualifier included.
    pub fn arn(&self) -> Ref<QualifiedArn> {
        Ref::unchecked(self.resource.reference())
    }

    /// `Fn::GetAtt Version`: the version's number.
    pub fn version(&self) -> Ref<VersionNumber> {
        Ref::unchecked(self.resource.get_att("Version"))
    }

    /// The resource, for overrides and its removal policy.
    pub fn resource(&self) -> &CfnResource<VersionProps> {
        &self.resource
    }
}

/// `AWS::Lambda::Alias` properties.
#[derive(Debug, Clone, Serialize, Builder)]
#[serde(rename_all = "PascalCase")]
// One `on` per type: clippy reads the two `into`s as a duplicated attribute.
#[allow(clippy::duplicated_attributes)]
#[builder(on(String, into), on(Expr, into))]
pub struct AliasProps {
    /// `FunctionName`: a name or an ARN.
    #[builder(into)]
    pub function_name: Ref<FunctionName>,
    /// `FunctionVersion`: a version number, or `$LATEST`.
    #[builder(into)]
    pub function_version: Ref<VersionNumber>,
    /// `Name`: lamux routes aliases of letters and digits (`live`, `pr42`).
    pub name: String,
    /// `Description`
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

impl Resource for AliasProps {
    const TYPE: &'static str = "AWS::Lambda::Alias";
}

/// A name for a version of a function: what lamux puts first in the host name.
#[derive(Clone)]
pub struct Alias {
    resource: CfnResource<AliasProps>,
}

impl Construct for Alias {
    fn scope(&self) -> &Scope {
        self.resource.scope()
    }
}

impl Alias {
    /// An `AWS::Lambda::Alias` as the child `id` of `scope`; [`Function::add_alias`] is the usual way.
    pub fn new(scope: &impl Construct, id: &str, props: AliasProps) -> Result<Self, Error> {
        Ok(Self { resource: CfnResource::new(scope, id, props)? })
    }

    /// `Ref`: the alias's ARN.
    pub fn arn(&self) -> Ref<QualifiedArn> {
        Ref::unchecked(self.resource.reference())
    }

    /// The alias's name (`live`).
    pub fn name(&self) -> String {
        self.resource.read(|props| props.name.clone())
    }

    /// The resource, for overrides.
    pub fn resource(&self) -> &CfnResource<AliasProps> {
        &self.resource
    }
}

/// `AuthType` of a Function URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum UrlAuthType {
    /// Anyone can call the URL (the function checks who calls, as lamux checks its origin
    /// secret).
    #[serde(rename = "NONE")]
    None,
    /// Callers sign with SigV4, as CloudFront does with an origin access control.
    #[serde(rename = "AWS_IAM")]
    AwsIam,
}

/// `AWS::Lambda::Url` properties.
#[derive(Debug, Clone, Serialize, Builder)]
#[builder(on(Expr, into))]
#[serde(rename_all = "PascalCase")]
pub struct UrlProps {
    /// `TargetFunctionArn`
    #[builder(into)]
    pub target_function_arn: Ref<FunctionArn>,
    /// `AuthType`
    pub auth_type: UrlAuthType,
    /// `InvokeMode`: `BUFFERED` (Lambda's default) or `RESPONSE_STREAM`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invoke_mode: Option<InvokeMode>,
    /// `Qualifier`: an alias the URL invokes.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[builder(into)]
    pub qualifier: Option<String>,
}

impl Resource for UrlProps {
    const TYPE: &'static str = "AWS::Lambda::Url";
}

/// A function's HTTPS endpoint.
#[derive(Clone)]
pub struct FunctionUrl {
    resource: CfnResource<UrlProps>,
}

impl Construct for FunctionUrl {
    fn scope(&self) -> &Scope {
        self.resource.scope()
    }
}

impl FunctionUrl {
    /// An `AWS::Lambda::Url` as the child `id` of `scope`.
    pub fn new(scope: &impl Construct, id: &str, props: UrlProps) -> Result<Self, Error> {
        Ok(Self { resource: CfnResource::new(scope, id, props)? })
    }

    /// `Fn::GetAtt FunctionUrl`: `https://ID.lambda-url.REGION.on.aws/`.
    pub fn url(&self) -> Ref<FunctionUrlAddress> {
        Ref::unchecked(self.resource.get_att("FunctionUrl"))
    }

    /// The URL's host, as a CloudFront origin's `DomainName` takes it.
    pub fn host(&self) -> Expr {
        Expr::url_host(self.url().into())
    }

    /// The resource, for overrides.
    pub fn resource(&self) -> &CfnResource<UrlProps> {
        &self.resource
    }
}

/// `AWS::Lambda::Permission` properties: a statement of the function's resource-based policy.
#[derive(Debug, Clone, Serialize, Builder)]
#[serde(rename_all = "PascalCase")]
// One `on` per type: clippy reads the two `into`s as a duplicated attribute.
#[allow(clippy::duplicated_attributes)]
#[builder(on(String, into), on(Expr, into))]
pub struct PermissionProps {
    /// `Action`
    pub action: PermissionAction,
    /// `FunctionName`: a name or an ARN.
    #[builder(into)]
    pub function_name: Ref<FunctionName>,
    /// `Principal`
    pub principal: Principal,
    /// `SourceArn`
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_arn: Option<Expr>,
    /// `FunctionUrlAuthType`, with `lambda:InvokeFunctionUrl`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub function_url_auth_type: Option<UrlAuthType>,
    /// `InvokedViaFunctionUrl`: with `lambda:InvokeFunction`, only through the URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invoked_via_function_url: Option<bool>,
}

impl Resource for PermissionProps {
    const TYPE: &'static str = "AWS::Lambda::Permission";
}

/// A statement of a function's resource-based policy.
#[derive(Clone)]
pub struct Permission {
    resource: CfnResource<PermissionProps>,
}

impl Construct for Permission {
    fn scope(&self) -> &Scope {
        self.resource.scope()
    }
}

impl Permission {
    /// An `AWS::Lambda::Permission` as the child `id` of `scope`.
    pub fn new(scope: &impl Construct, id: &str, props: PermissionProps) -> Result<Self, Error> {
        Ok(Self { resource: CfnResource::new(scope, id, props)? })
    }

    /// The resource, for overrides.
    pub fn resource(&self) -> &CfnResource<PermissionProps> {
        &self.resource
    }
}

/// `NAME` of `arn:PARTITION:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]`.
fn arn_function_name(arn: &str) -> Option<&str> {
    let parts: Vec<&str> = arn.split(':').collect();
    match parts.as_slice() {
        ["arn", _, "lambda", _, _, "function", name] | ["arn", _, "lambda", _, _, "function", name, _]
            if !name.is_empty() =>
        {
            Some(name)
        }
        _ => None,
    }
}
