use super::*;

fn env(pairs: &[(&str, &str)]) -> EnvMap {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn secret_debug_is_redacted() {
    let c = Credentials {
        access_key_id: "AK".into(),
        secret_access_key: Secret::new("topsecret"),
        session_token: Some(Secret::new("tok")),
    };
    let s = format!("{c:?}");
    assert!(!s.contains("topsecret") && !s.contains("tok\""), "{s}");
}

#[test]
fn env_credentials_win_over_default_profile() {
    let file: ConfigFile =
        toml::from_str("[profiles.default.baidu]\naccess_key_id='P'\nsecret_access_key='PS'\n")
            .unwrap();
    let e = env(&[("BCE_ACCESS_KEY_ID", "E"), ("BCE_SECRET_ACCESS_KEY", "ES")]);
    let c = resolve_credentials(Cloud::Baidu, &e, None, Some(&file)).unwrap();
    assert_eq!(c.access_key_id, "E");
    let c = resolve_credentials(Cloud::Baidu, &env(&[]), None, Some(&file)).unwrap();
    assert_eq!(c.access_key_id, "P");
    let c = resolve_credentials(Cloud::Baidu, &e, Some("default"), Some(&file)).unwrap();
    assert_eq!(c.access_key_id, "P");
}

#[test]
fn missing_credentials_are_auth_errors_and_unknown_profile_is_usage() {
    let err = resolve_credentials(Cloud::Baidu, &env(&[]), None, None).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Auth);
    let half = env(&[("BCE_ACCESS_KEY_ID", "E")]);
    assert_eq!(
        resolve_credentials(Cloud::Baidu, &half, None, None)
            .unwrap_err()
            .kind(),
        ErrorKind::Auth
    );
    let err = resolve_credentials(Cloud::Baidu, &env(&[]), Some("nope"), None).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Usage);
    assert!(err.message().contains("--profile"));
}

#[test]
fn endpoint_rules() {
    let ep = Endpoint::parse("https://bcc.{region}.baidubce.com", "--endpoint").unwrap();
    assert_eq!(
        ep.url_for("gz").unwrap().as_str(),
        "https://bcc.gz.baidubce.com/"
    );
    assert!(Endpoint::parse("http://127.0.0.1:9/{region}", "--endpoint").is_ok());
    assert!(Endpoint::parse("http://localhost:9", "--endpoint").is_ok());
    let err = Endpoint::parse("http://example.com", "--endpoint").unwrap_err();
    assert!(err.message().starts_with("--endpoint"), "{}", err.message());
    assert!(Endpoint::parse("ftp://x", "--endpoint").is_err());
    assert!(Endpoint::parse("not a url", "--endpoint").is_err());
}

#[test]
fn aws_shared_files_and_aws_profile() {
    let dir = tempfile::tempdir().unwrap();
    let creds = dir.path().join("credentials");
    let config = dir.path().join("config");
    std::fs::write(
        &creds,
        "[default]\naws_access_key_id = D\naws_secret_access_key = DS\n",
    )
    .unwrap();
    std::fs::write(
        &config,
        "[profile ci]\naws_access_key_id = C\naws_secret_access_key = CS\naws_session_token = T\n",
    )
    .unwrap();
    let files = [
        ("AWS_SHARED_CREDENTIALS_FILE", creds.to_str().unwrap()),
        ("AWS_CONFIG_FILE", config.to_str().unwrap()),
    ];
    let c = resolve_credentials(Cloud::Aws, &env(&files), None, None).unwrap();
    assert_eq!(c.access_key_id, "D");
    let mut with_profile = files.to_vec();
    with_profile.push(("AWS_PROFILE", "ci"));
    let c = resolve_credentials(Cloud::Aws, &env(&with_profile), None, None).unwrap();
    assert_eq!(c.access_key_id, "C");
    assert_eq!(c.session_token.unwrap().expose(), "T");
    with_profile.push(("AWS_PROFILE", "nope"));
    let mut missing = files.to_vec();
    missing.push(("AWS_PROFILE", "nope"));
    let e = resolve_credentials(Cloud::Aws, &env(&missing), None, None).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Auth);
    // The environment still wins.
    let mut both = files.to_vec();
    both.extend([("AWS_ACCESS_KEY_ID", "E"), ("AWS_SECRET_ACCESS_KEY", "ES")]);
    assert_eq!(
        resolve_credentials(Cloud::Aws, &env(&both), None, None)
            .unwrap()
            .access_key_id,
        "E"
    );
}

#[test]
fn config_path_order() {
    assert_eq!(
        config_path(&env(&[("IMGCOPY_CONFIG", "/x.toml"), ("HOME", "/h")])),
        Some(PathBuf::from("/x.toml"))
    );
    assert_eq!(
        config_path(&env(&[("HOME", "/h")])),
        Some(PathBuf::from("/h/.config/imgcopy/config.toml"))
    );
}
