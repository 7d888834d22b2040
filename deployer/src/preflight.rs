//! What `up` checks before it makes a change set: the hosted zone and the certificate the
//! stack names exist and fit the domain suffix, so that a placeholder fails at once with
//! what to fix, not late with a raw `NoSuchHostedZone` from a change set that then has to
//! be cleaned up. The rules are pure; [`check`] reads Route 53 and ACM.

use anyhow::{Context as _, bail};

use lamux_cdk::template::Expr;

use crate::options::StackOptions;

/// ACM certificates for CloudFront live in us-east-1 (AWS docs, "Requirements for using
/// SSL/TLS certificates with CloudFront").
const CERTIFICATE_REGION: &str = "us-east-1";

/// Whether Route 53 zone `zone` (as Route 53 names it, with a trailing dot) can hold the
/// records of `*.SUFFIX`: the zone is the suffix or one of its parents.
pub fn zone_covers(zone: &str, suffix: &str) -> Result<(), String> {
    let zone = zone.trim_end_matches('.').to_ascii_lowercase();
    let suffix = suffix.trim_end_matches('.').to_ascii_lowercase();
    if suffix == zone || suffix.ends_with(&format!(".{zone}")) {
        Ok(())
    } else {
        Err(format!("hosted zone {zone} cannot hold records for *.{suffix}: give the zone of {suffix} or a parent"))
    }
}

/// Whether a certificate in `status` for `names` (its domain and subject alternative names)
/// can serve `*.SUFFIX`.
pub fn certificate_fits(status: &str, names: &[String], suffix: &str) -> Result<(), String> {
    let wanted = format!("*.{}", suffix.trim_end_matches('.').to_ascii_lowercase());
    if status != "ISSUED" {
        return Err(format!(
            "the certificate is {status}, not ISSUED: finish its validation (DNS records) before deploying"
        ));
    }
    if !names.iter().any(|name| name.to_ascii_lowercase() == wanted) {
        return Err(format!("the certificate covers {}, not {wanted}: request one for {wanted}", names.join(", ")));
    }
    Ok(())
}

/// Read the stack's hosted zone and certificate, when it names them as literals (a parameter
/// or an import is CloudFormation's to check), and check them. `config` is the deploying credentials' configuration.
pub async fn check(config: &aws_config::SdkConfig, options: &StackOptions) -> anyhow::Result<()> {
    let suffix = &options.lamux.domain_suffix;
    if let Some(zone) = options.lamux.hosted_zone_id.as_ref().and_then(Expr::as_literal) {
        let route53 = aws_sdk_route53::Client::new(config);
        let found = match route53.get_hosted_zone().id(zone).send().await {
            Ok(found) => found,
            Err(err) if err.as_service_error().is_some_and(|e| e.is_no_such_hosted_zone()) => {
                bail!(
                    "--hosted-zone-id {zone}: there is no such hosted zone in this account; give the id of {suffix}'s zone"
                )
            }
            Err(err) => return Err(err).with_context(|| format!("cannot read hosted zone {zone}")),
        };
        let name = found.hosted_zone().map(|z| z.name().to_owned()).unwrap_or_default();
        zone_covers(&name, suffix).map_err(anyhow::Error::msg).with_context(|| format!("--hosted-zone-id {zone}"))?;
    }
    if let Some(arn) = options.lamux.certificate_arn.as_ref().and_then(Expr::as_literal) {
        let acm_config = config.to_builder().region(aws_config::Region::new(CERTIFICATE_REGION)).build();
        let acm = aws_sdk_acm::Client::new(&acm_config);
        let found = match acm.describe_certificate().certificate_arn(arn).send().await {
            Ok(found) => found,
            Err(err) if err.as_service_error().is_some_and(|e| e.is_resource_not_found_exception()) => {
                bail!("--certificate-arn {arn}: there is no such certificate in {CERTIFICATE_REGION}")
            }
            Err(err) => return Err(err).with_context(|| format!("cannot read certificate {arn}")),
        };
        let certificate = found.certificate();
        let status = certificate.and_then(|c| c.status()).map(|s| s.as_str().to_owned()).unwrap_or_default();
        let mut names: Vec<String> = certificate.and_then(|c| c.domain_name()).map(str::to_owned).into_iter().collect();
        names.extend(certificate.map(|c| c.subject_alternative_names().to_vec()).unwrap_or_default());
        certificate_fits(&status, &names, suffix)
            .map_err(anyhow::Error::msg)
            .with_context(|| format!("--certificate-arn {arn}"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_zone_holds_its_own_names_and_its_subdomains() {
        assert_eq!(zone_covers("example.com.", "example.com"), Ok(()));
        assert_eq!(zone_covers("Example.com.", "apps.example.com"), Ok(()));
        assert!(zone_covers("example.org.", "example.com").is_err());
        assert!(zone_covers("ample.com.", "example.com").is_err(), "a suffix of the name is no parent");
        assert!(zone_covers("apps.example.com.", "example.com").is_err(), "a child zone cannot hold the parent's");
    }

    #[test]
    fn a_certificate_must_be_issued_for_the_wildcard() {
        let names = |list: &[&str]| list.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(certificate_fits("ISSUED", &names(&["example.com", "*.example.com"]), "example.com"), Ok(()));
        let pending = certificate_fits("PENDING_VALIDATION", &names(&["*.example.com"]), "example.com");
        assert!(pending.expect_err("pending").contains("finish its validation"));
        let other = certificate_fits("ISSUED", &names(&["*.example.org"]), "example.com");
        assert!(other.expect_err("other").contains("request one for *.example.com"));
        assert!(certificate_fits("ISSUED", &names(&["*.example.com"]), "apps.example.com").is_err(), "one level");
    }
}
