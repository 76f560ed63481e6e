//! Reply parity: the replies the vendors' docs and SDK models show, with fields imgcopy does
//! not use, nulls and absent optional fields, all parse, and give what the fields say.

use imgcopy::provider::{alibaba, aws, baidu, huawei};

#[test]
fn baidu_replies_from_the_docs_and_the_sdk_models() {
    // The seed's remoteCopy example, then one with nulls and fields the docs do not name.
    let r: baidu::wire::RemoteCopyImageResult = serde_json::from_str(
        r#"{"result":[{"region":"gz","imageId":"m-3ev9sySj","errMsg":"success","code":"success"},
                      {"region":"bj","imageId":"m-3ev9sySj","errMsg":"success","code":"success"}]}"#,
    )
    .unwrap();
    assert_eq!(r.result.len(), 2);
    for body in [
        "{}",
        r#"{"result":null}"#,
        r#"{"result":[{"region":"su","imageId":null,"errMsg":null,"code":"Image.RegionNotSupportCopy","extra":1}]}"#,
    ] {
        let r: baidu::wire::RemoteCopyImageResult =
            serde_json::from_str(body).unwrap_or_else(|e| panic!("{body}: {e}"));
        assert!(r.result.len() <= 1);
    }
    let s: baidu::wire::RemoteCopySnapshotResult =
        serde_json::from_str(r#"{"result":[{"region":"hkg","snapshotId":"s-qwZ8QD1R"}]}"#).unwrap();
    assert_eq!(s.result[0].snapshot_id, "s-qwZ8QD1R");
    // GET /v2/image/{id} as bce-sdk-go's ImageModel has it.
    let d: baidu::wire::ImageDetail = serde_json::from_str(
        r#"{"image":{"id":"m-3ev9sySj","name":"golden","type":"Custom","osType":"linux",
           "osVersion":"22.04","osArch":"x86_64 (64bit)","osName":"Ubuntu","osBuild":"2022",
           "createTime":"2026-01-01T00:00:00Z","status":"Creating","desc":null,"ephemeralSize":0,
           "imageVersion":null,"package":false}}"#,
    )
    .unwrap();
    assert_eq!(d.image.status, "Creating");
    let d: baidu::wire::ImageDetail =
        serde_json::from_str(r#"{"image":{"id":"m-1","status":null}}"#).unwrap();
    assert_eq!(d.image.status, "");
    let l: baidu::wire::ImageList = serde_json::from_str(
        r#"{"marker":"m-1","isTruncated":false,"nextMarker":null,"maxKeys":1000,
           "images":[{"id":"m-1","name":null,"type":"Custom","status":"Available","createTime":null}]}"#,
    )
    .unwrap();
    assert_eq!(l.images.len(), 1);
}

#[test]
fn huawei_replies_from_the_docs_and_the_sdk_models() {
    let j: huawei::wire::JobCreated =
        serde_json::from_str(r#"{"job_id":"edc89b490d7d4392898e19b2deb34797"}"#).unwrap();
    assert_eq!(j.job_id, "edc89b490d7d4392898e19b2deb34797");
    // ShowJob / ShowJobProgress as the SDK models name them, nulls included.
    let job: huawei::wire::Job = serde_json::from_str(
        r#"{"status":"RUNNING","job_id":"j","job_type":"imsCrossRegionCopyJob",
           "begin_time":"2026-01-01T00:00:00Z","end_time":null,"error_code":null,"fail_reason":null,
           "entities":{"image_id":null,"current_task":"copy","image_name":"golden",
                       "process_percent":0.42,"sub_jobs_result":null,"sub_jobs_list":[]}}"#,
    )
    .unwrap();
    assert_eq!(huawei::update_from_job(&job).progress, Some(42));
    for body in [
        r#"{"status":"SUCCESS","entities":null}"#,
        r#"{"status":"INIT"}"#,
        r#"{"status":"FAIL","error_code":"IMG.0046","fail_reason":"x","entities":{}}"#,
    ] {
        serde_json::from_str::<huawei::wire::Job>(body).unwrap_or_else(|e| panic!("{body}: {e}"));
    }
    let list: huawei::wire::ImageList = serde_json::from_str(
        r#"{"images":[{"id":"6f1f3b3c-0000-4000-8000-000000000001","name":"golden","status":"active",
            "__imagetype":"private","__whole_image":true,"__system__cmkid":null,"disk_format":"zvhd2",
            "description":null,"created_at":"2026-01-01T00:00:00Z","min_disk":40,"tags":[],
            "__support_kvm":"true","visibility":"private"}],"first":"/v2/cloudimages?limit=1"}"#,
    )
    .unwrap();
    assert_eq!(list.images[0].whole_image, Some(true));
    serde_json::from_str::<huawei::wire::ImageList>(
        r#"{"images":[{"id":"x","name":null,"status":null}]}"#,
    )
    .unwrap();
}

#[test]
fn alibaba_replies_from_the_docs_and_the_sdk_models() {
    let c: alibaba::wire::CopyImageResponse = serde_json::from_str(
        r#"{"RequestId":"C8B26B44-0189-443E-9816-D951F59623A9","ImageId":"m-bp1h46wfpjsjastd****"}"#,
    )
    .unwrap();
    assert_eq!(c.image_id, "m-bp1h46wfpjsjastd****");
    let d: alibaba::wire::DescribeImagesResponse = serde_json::from_str(
        r#"{"RequestId":"r","TotalCount":2,"PageNumber":1,"PageSize":100,"RegionId":"cn-shanghai",
           "Images":{"Image":[
             {"ImageId":"m-1","Status":"Creating","Progress":"42%","ImageName":"golden",
              "Tags":{"Tag":[{"TagKey":"imgcopy:source","TagValue":"cn-hangzhou/m-0"}]},
              "DiskDeviceMappings":{"DiskDeviceMapping":[]},"Usage":"none","IsCopied":true},
             {"ImageId":"m-2","Status":"Available","Progress":null,"Tags":null}]}}"#,
    )
    .unwrap();
    assert_eq!(d.images.image.len(), 2);
    assert_eq!(
        d.images.image[0].tag("imgcopy:source"),
        Some("cn-hangzhou/m-0")
    );
    assert_eq!(
        alibaba::update_from_image(&d.images.image[0]).progress,
        Some(42)
    );
    for body in [r#"{"Images":null}"#, r#"{"Images":{"Image":null}}"#, "{}"] {
        serde_json::from_str::<alibaba::wire::DescribeImagesResponse>(body)
            .unwrap_or_else(|e| panic!("{body}: {e}"));
    }
}

#[test]
fn ec2_replies_from_the_botocore_model() {
    let images = br#"<DescribeImagesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
      <requestId>r</requestId>
      <imagesSet><item><imageId>ami-1</imageId><imageLocation>123/golden</imageLocation>
        <imageState>failed</imageState><imageOwnerId>123</imageOwnerId><isPublic>false</isPublic>
        <architecture>x86_64</architecture><imageType>machine</imageType><name>golden</name>
        <stateReason><code>Client.InvalidKMSKey</code><message>the key is disabled</message></stateReason>
        <blockDeviceMapping><item><deviceName>/dev/xvda</deviceName><ebs><snapshotId>snap-1</snapshotId></ebs></item></blockDeviceMapping>
        <tagSet><item><key>imgcopy:source</key><value>us-east-1/ami-0</value></item></tagSet>
        <creationDate>2026-01-01T00:00:00.000Z</creationDate></item>
        <item><imageId>ami-2</imageId><imageState>pending</imageState></item></imagesSet>
    </DescribeImagesResponse>"#;
    let d: aws::wire::DescribeImagesResponse = aws::wire::from_xml(images).unwrap();
    assert_eq!(d.images_set.items.len(), 2);
    let failed = aws::update_from_image(&d.images_set.items[0]);
    assert_eq!(failed.error.unwrap().message, "the key is disabled");
    assert_eq!(
        aws::wire::tag(&d.images_set.items[0].tag_set, "imgcopy:source"),
        Some("us-east-1/ami-0")
    );
    let snaps = br#"<DescribeSnapshotsResponse><requestId>r</requestId><snapshotSet>
        <item><snapshotId>snap-1</snapshotId><volumeId>vol-ffffffff</volumeId><status>error</status>
        <statusMessage>The source snapshot could not be read.</statusMessage><startTime>2026-01-01T00:00:00.000Z</startTime>
        <progress></progress><ownerId>123</ownerId><volumeSize>8</volumeSize><encrypted>true</encrypted>
        <kmsKeyId>arn:aws:kms:eu-west-1:123:key/k</kmsKeyId><tagSet/></item>
        <item><snapshotId>snap-2</snapshotId><status>pending</status><progress>42%</progress></item>
      </snapshotSet><nextToken/></DescribeSnapshotsResponse>"#;
    let s: aws::wire::DescribeSnapshotsResponse = aws::wire::from_xml(snaps).unwrap();
    let failed = aws::update_from_snapshot(&s.snapshot_set.items[0]);
    assert_eq!(
        failed.error.unwrap().message,
        "The source snapshot could not be read."
    );
    assert_eq!(
        aws::update_from_snapshot(&s.snapshot_set.items[1]).progress,
        Some(42)
    );
    let empty =
        br#"<DescribeImagesResponse><requestId>r</requestId><imagesSet/></DescribeImagesResponse>"#;
    let e: aws::wire::DescribeImagesResponse = aws::wire::from_xml(empty).unwrap();
    assert!(e.images_set.items.is_empty());
}
