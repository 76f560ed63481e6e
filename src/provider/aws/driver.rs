//! AWS EC2 as imgcopy's registry sees it.

use super::{api, AwsProvider};
use crate::config::{Credentials, Endpoint, EnvMap};
use crate::error::Result;
use crate::model::{CloudOptions, CopyRequest, Kind};
use crate::provider::driver::{CloudDriver, EnvNames, Probe, Setup};
use crate::provider::{PlannedCall, Provider};
use std::sync::Arc;

/// The AWS driver.
pub struct Aws;

impl CloudDriver for Aws {
    fn title(&self) -> &'static str {
        "AWS"
    }

    fn regions(&self) -> &'static [&'static str] {
        api::REGIONS
    }

    /// `{dns_suffix}` is the region's partition (`amazonaws.com.cn` in China).
    fn default_endpoint(&self) -> &'static str {
        "https://ec2.{region}.{dns_suffix}"
    }

    fn dns_suffix(&self) -> Option<fn(&str) -> &'static str> {
        Some(dns_suffix)
    }

    /// The signature's scope names the region.
    fn region_in_request(&self) -> bool {
        true
    }

    fn credential_env(&self) -> EnvNames {
        EnvNames {
            access_key_id: "AWS_ACCESS_KEY_ID",
            secret_access_key: "AWS_SECRET_ACCESS_KEY",
            session_token: "AWS_SESSION_TOKEN",
        }
    }

    fn shared_credentials(&self, env: &EnvMap) -> Result<Option<Credentials>> {
        super::shared::credentials(env)
    }

    fn shared_source(&self, env: &EnvMap) -> Option<String> {
        Some(super::shared::source(env))
    }

    /// `AWS_REGION`, `AWS_DEFAULT_REGION`, then the AWS profile's `region`.
    fn standard_region(&self, env: &EnvMap) -> Option<(String, String)> {
        crate::config::env_setting(env, "AWS_REGION")
            .or_else(|| crate::config::env_setting(env, "AWS_DEFAULT_REGION"))
            .or_else(|| super::shared::profile_region(env))
    }

    fn secret_names(&self) -> &'static [&'static str] {
        &[
            "x-amz-security-token",
            "x-amz-credential",
            "x-amz-signature",
        ]
    }

    fn validate(&self, req: &CopyRequest, any_region: bool) -> Result<()> {
        api::validate(req, any_region)
    }

    fn check_id(&self, kind: Kind, id: &str) -> Result<()> {
        api::check_id(kind, id)
    }

    fn plan(&self, req: &CopyRequest, endpoint: &Endpoint) -> Result<Vec<PlannedCall>> {
        super::plan(req, endpoint)
    }

    fn plan_lookup(
        &self,
        kind: Kind,
        region: &str,
        id: &str,
        endpoint: &Endpoint,
    ) -> Result<PlannedCall> {
        super::plan_lookup(kind, region, id, endpoint)
    }

    /// CopyImage takes a client token; CopySnapshot does not.
    fn token_for(&self, req: &CopyRequest, dest: &str) -> Option<String> {
        (req.kind == Kind::Image).then(|| api::client_token(req, dest))
    }

    /// An encrypting copy into the source region is a real copy.
    fn same_region_copy(&self, req: &CopyRequest) -> bool {
        matches!(&req.options, CloudOptions::Aws(o) if o.encrypted)
    }

    fn probe(&self) -> Probe {
        Probe {
            region: "us-east-1",
            absent_image_id: "ami-00000000000000000",
            permissions: &[
                "ec2:DescribeImages, ec2:DescribeSnapshots, ec2:CopyImage, ec2:CopySnapshot, ec2:CreateTags",
                "ec2:DeregisterImage (cancel)",
                "kms:CreateGrant, kms:Decrypt, kms:DescribeKey, kms:GenerateDataKeyWithoutPlainText, kms:ReEncrypt* for encrypted copies",
            ],
        }
    }

    fn build(&self, s: Setup<'_>) -> Result<Arc<dyn Provider>> {
        Ok(Arc::new(AwsProvider::new(
            s.client,
            s.credentials,
            s.endpoint,
            s.concurrency,
        )))
    }
}

/// The DNS suffix of the AWS partition a region is in (botocore's `endpoints.json`): China
/// regions answer under `amazonaws.com.cn`; the commercial and GovCloud regions under
/// `amazonaws.com`.
pub fn dns_suffix(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "amazonaws.com.cn"
    } else {
        "amazonaws.com"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_endpoints_follow_the_partition() {
        let ep = Aws.endpoint().unwrap();
        let host = |r: &str| ep.url_for(r).unwrap().host_str().unwrap().to_string();
        assert_eq!(host("us-east-1"), "ec2.us-east-1.amazonaws.com");
        assert_eq!(host("cn-north-1"), "ec2.cn-north-1.amazonaws.com.cn");
        assert_eq!(host("us-gov-west-1"), "ec2.us-gov-west-1.amazonaws.com");
    }
}
