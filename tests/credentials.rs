//! Credentials from each cloud's own files, as its CLI and SDK keep them (no environment
//! variables): used end to end, refused by name when they need an exchange imgcopy does not
//! make, and the places looked in named when none is found.

mod common;
use common::*;

/// `imgcopy` against the emulator with a home of its own and no credential variables.
fn bare(emu: &Emu, home: &std::path::Path) -> std::process::Command {
    let mut c = against(emu);
    for k in [
        "ALIBABA_CLOUD_ACCESS_KEY_ID",
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
        "HUAWEICLOUD_SDK_AK",
        "HUAWEICLOUD_SDK_SK",
        "HUAWEICLOUD_SDK_PROJECT_ID",
        "TENCENTCLOUD_SECRET_ID",
        "TENCENTCLOUD_SECRET_KEY",
        "BCE_ACCESS_KEY_ID",
        "BCE_SECRET_ACCESS_KEY",
    ] {
        c.env_remove(k);
    }
    c.env("HOME", home);
    c
}

#[test]
fn alibaba_keys_come_from_the_aliyun_cli_profile() {
    let emu = Emu::fast();
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(home.path().join(".aliyun")).unwrap();
    let config = format!(
        r#"{{"current":"ci","profiles":[{{"name":"ci","mode":"StsToken","access_key_id":"{AK}","access_key_secret":"{SK}","sts_token":"sts-token-hidden"}},
            {{"name":"role","mode":"RamRoleArn","access_key_id":"{AK}","access_key_secret":"{SK}","ram_role_arn":"acs:ram::1:role/x"}}]}}"#
    );
    std::fs::write(home.path().join(".aliyun/config.json"), config).unwrap();
    let args = [
        "alibaba",
        "image",
        "--id",
        "m-demo0001",
        "--region",
        "cn-hangzhou",
        "--dest",
        "cn-shanghai",
    ];
    let o = run(bare(&emu, home.path()).args(["-vvv"]).args(args));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(!format!("{}{}", stdout(&o), stderr(&o)).contains("sts-token-hidden"));
    // Where they came from is said at -v and kept in the report, by place, never value.
    let from = json(&o)["credential_source"]["alibaba"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(from.contains(".aliyun/config.json"), "{from}");
    assert!(
        stderr(&o).contains("alibaba credentials:"),
        "{}",
        stderr(&o)
    );
    let before = emu.requests().len();
    let o = run(bare(&emu, home.path())
        .env("ALIBABA_CLOUD_PROFILE", "role")
        .args(args));
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    assert!(stderr(&o).contains("RamRoleArn"), "{}", stderr(&o));
    assert_eq!(emu.requests().len(), before, "nothing sent");
}

#[test]
fn huawei_keys_and_project_come_from_the_sdk_credentials_file() {
    let emu = Emu::fast();
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(home.path().join(".huaweicloud")).unwrap();
    std::fs::write(
        home.path().join(".huaweicloud/credentials"),
        format!("[basic]\nak = {AK}\nsk = {SK}\nproject_id = {PROJECT}\n"),
    )
    .unwrap();
    let o = run(bare(&emu, home.path()).args([
        "huawei",
        "image",
        "--id",
        "6f1f3b3c-0000-4000-8000-000000000001",
        "--region",
        "cn-north-4",
        "--name",
        "from-the-file",
    ]));
    assert_eq!(code(&o), 0, "{}", stderr(&o));
}

#[test]
fn no_credentials_name_the_places_looked_in() {
    let emu = Emu::fast();
    let home = tempfile::tempdir().unwrap();
    let o = run(bare(&emu, home.path()).args([
        "alibaba",
        "image",
        "--id",
        "m-demo0001",
        "--region",
        "cn-hangzhou",
        "--dest",
        "cn-shanghai",
    ]));
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    let e = stderr(&o);
    for place in [
        "ALIBABA_CLOUD_ACCESS_KEY_ID",
        "profiles.default.alibaba",
        ".aliyun/config.json",
        ".alibabacloud/credentials",
    ] {
        assert!(e.contains(place), "{place}: {e}");
    }
    assert_eq!(emu.requests().len(), 0);
}

#[test]
fn tencent_keys_from_the_sdk_file_then_tccli_and_baidu_from_the_bce_cli() {
    let emu = Emu::fast();
    let sync = [
        "tencent",
        "image",
        "--id",
        "img-demo0001",
        "--region",
        "ap-guangzhou",
        "--dest",
        "ap-shanghai",
    ];
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(home.path().join(".tccli")).unwrap();
    std::fs::write(
        home.path().join(".tccli/default.credential"),
        format!(r#"{{"secretId":"{AK}","secretKey":"{SK}"}}"#),
    )
    .unwrap();
    let o = run(bare(&emu, home.path()).args(sync));
    assert_eq!(code(&o), 0, "tccli's file: {}", stderr(&o));
    // The SDK's own file comes first: a wrong key there is the one used (and refused).
    std::fs::create_dir_all(home.path().join(".tencentcloud")).unwrap();
    std::fs::write(
        home.path().join(".tencentcloud/credentials"),
        format!("[default]\nsecret_id = {AK}\nsecret_key = wrong-secret\n"),
    )
    .unwrap();
    let o = run(bare(&emu, home.path()).args(sync));
    assert_eq!(code(&o), 3, "the SDK's file first: {}", stderr(&o));
    std::fs::create_dir_all(home.path().join(".bce")).unwrap();
    std::fs::write(
        home.path().join(".bce/config.json"),
        format!(r#"{{"current":"default","profiles":[{{"name":"default","mode":"AK","access_key_id":"{AK}","secret_access_key":"{SK}"}}]}}"#),
    )
    .unwrap();
    let o = run(bare(&emu, home.path()).args([
        "baidu",
        "image",
        "--id",
        "m-demo0001",
        "--region",
        "bj",
        "--dest",
        "gz",
    ]));
    assert_eq!(code(&o), 0, "the bce CLI's file: {}", stderr(&o));
}
