"""Deploy rehearsal: template.yaml packaged, transformed and created through moto's CloudFormation, as the local
stack does it. Every resource of the transformed template must exist in the created stack, or be of a type on the
explicit list of types moto cannot create (and then the local stack applies it itself)."""

from __future__ import annotations

import base64
import fnmatch
import io
import json
import re
import zipfile
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote_plus

import boto3
import pytest
from moto import mock_aws

from pressroom.cursor import CursorCodec, fallback_secret
from pressroom.handlers import api, ingest
from pressroom_stack.deploy import DeployedStack, deploy, package_template, zip_directory
from pressroom_stack.moto_gaps import (
    TYPES_MOTO_CANNOT_CREATE,
    TYPES_THE_EXTENSIONS_CREATE,
    Gap,
    apply_gaps,
    install_moto_extensions,
    resolve_dynamic_references,
)
from pressroom_stack.runtime import FunctionConfig
from pressroom_stack.template import CONTRACT_OUTPUTS, REPO_ROOT, load_template
from tests.conftest import LambdaContext
from tests.fakes_api import rest_event
from tests.helpers import article, notification, put_article, sqs_event

pytestmark = [pytest.mark.integration, pytest.mark.filterwarnings("ignore:Tried to parse:UserWarning")]

REGION = "us-east-1"
STACK = "pressroom"
LOCAL_API = "http://127.0.0.1:3000"  # where the local stack serves the API (its CdnUrl locally)


@pytest.fixture(scope="module")
def aws_credentials() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as mp:
        for name, value in {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SESSION_TOKEN": "testing",
            "AWS_DEFAULT_REGION": REGION,
        }.items():
            mp.setenv(name, value)
        mp.delenv("AWS_ENDPOINT_URL", raising=False)
        mp.delenv("AWS_PROFILE", raising=False)
        yield


@pytest.fixture(scope="module")
def rehearsal(aws_credentials: None) -> Iterator[tuple[DeployedStack, list[Gap]]]:
    install_moto_extensions()
    with mock_aws():
        session = boto3.Session(region_name=REGION)
        stack = deploy(
            load_template(),
            stack_name=STACK,
            artifacts_bucket="pressroom-rehearsal-artifacts",
            parameters={"Stage": "dev", "PublicBaseUrl": ""},
            region=REGION,
            session=session,
        )
        gaps = apply_gaps(stack.template, STACK, session=session, region=REGION, local_api_url=LOCAL_API)
        yield stack, gaps


@pytest.fixture(scope="module")
def stack(rehearsal: tuple[DeployedStack, list[Gap]]) -> DeployedStack:
    return rehearsal[0]


@pytest.fixture(scope="module")
def gaps(rehearsal: tuple[DeployedStack, list[Gap]]) -> list[Gap]:
    return rehearsal[1]


def client(service: str) -> Any:
    return boto3.client(service, region_name=REGION)  # type: ignore[call-overload]


def drain(queue_url: str) -> None:
    """Empty a queue (moto allows one PurgeQueue a minute, like SQS)."""
    sqs = client("sqs")
    while messages := sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get(
        "Messages", []
    ):
        for message in messages:
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])


def created_resources() -> dict[str, str]:
    listed = client("cloudformation").describe_stack_resources(StackName=STACK)["StackResources"]
    # moto lists the resources it skipped as empty entries
    return {r["LogicalResourceId"]: r["ResourceType"] for r in listed if "LogicalResourceId" in r}


def test_the_stack_is_created(stack: DeployedStack) -> None:
    status = client("cloudformation").describe_stacks(StackName=STACK)["Stacks"][0]["StackStatus"]
    assert status == "CREATE_COMPLETE"


def test_every_resource_of_the_template_exists_or_is_a_type_moto_cannot_create(stack: DeployedStack) -> None:
    created = created_resources()
    missing = {
        logical_id: resource["Type"]
        for logical_id, resource in stack.template["Resources"].items()
        if logical_id not in created and "Condition" not in resource
    }
    assert set(missing.values()) <= TYPES_MOTO_CANNOT_CREATE, f"not created by moto: {missing}"
    for logical_id, rtype in created.items():
        assert stack.template["Resources"][logical_id]["Type"] == rtype


def test_the_list_of_types_moto_cannot_create_is_exact(stack: DeployedStack) -> None:
    from moto.cloudformation.parsing import get_model_map

    assert not TYPES_MOTO_CANNOT_CREATE & set(get_model_map()), "moto learned a type: take it off the list"
    in_template = {r["Type"] for r in stack.template["Resources"].values()}
    assert TYPES_MOTO_CANNOT_CREATE <= in_template, "the list names a type the template does not use"
    assert TYPES_THE_EXTENSIONS_CREATE <= in_template, "an extension creates a type the template does not use"
    for rtype in TYPES_THE_EXTENSIONS_CREATE:
        model = get_model_map()[rtype]
        assert model.__module__ == "pressroom_stack.moto_gaps", f"moto learned {rtype}: drop the extension"


def test_each_resource_moto_skips_is_applied_or_reported(stack: DeployedStack, gaps: list[Gap]) -> None:
    reported = {gap.logical_id for gap in gaps}
    skipped = {
        logical_id
        for logical_id, resource in stack.template["Resources"].items()
        if resource["Type"] in TYPES_MOTO_CANNOT_CREATE and "Condition" not in resource
    }
    assert skipped <= reported
    assert len({(g.logical_id, g.what) for g in gaps}) == len(gaps), "each gap is reported once"


def test_outputs_of_the_contract_are_present_and_point_at_real_resources(stack: DeployedStack) -> None:
    outputs = {
        o["OutputKey"]: o["OutputValue"]
        for o in client("cloudformation").describe_stacks(StackName=STACK)["Stacks"][0]["Outputs"]
    }
    assert set(CONTRACT_OUTPUTS) <= set(outputs)
    # There is no CDN locally: once the gaps are applied, CdnUrl names the local API.
    assert outputs == {**stack.outputs, "CdnUrl": LOCAL_API}
    assert re.fullmatch(r"https://d[0-9a-f]+\.cloudfront\.net", stack.outputs["CdnUrl"]), "as created, like AWS"
    client("s3").head_bucket(Bucket=outputs["ArticlesBucketName"])
    assert outputs["ArticlesBucketName"] == f"{STACK}-articles-123456789012-{REGION}"
    assert client("dynamodb").describe_table(TableName=outputs["FeedTableName"])["Table"]["KeySchema"] == [
        {"AttributeName": "pk", "KeyType": "HASH"},
        {"AttributeName": "sk", "KeyType": "RANGE"},
    ]
    for name in ("IngestQueueUrl", "DeadLetterQueueUrl"):
        client("sqs").get_queue_attributes(QueueUrl=outputs[name], AttributeNames=["QueueArn"])
    assert outputs["ApiUrl"].startswith("https://") and outputs["ApiUrl"].endswith(".amazonaws.com/dev")


def test_functions_get_the_environment_the_handlers_read(stack: DeployedStack) -> None:
    lam = client("lambda")
    ingest = lam.get_function_configuration(FunctionName=f"{STACK}-ingest")
    api = lam.get_function_configuration(FunctionName=f"{STACK}-api")
    assert ingest["Handler"] == "pressroom.handlers.ingest.handler"
    assert api["Handler"] == "pressroom.handlers.api.handler"
    ingest_env, api_env = ingest["Environment"]["Variables"], api["Environment"]["Variables"]
    assert ingest_env["TABLE_NAME"] == api_env["TABLE_NAME"] == stack.outputs["FeedTableName"]
    assert ingest_env["BUCKET_NAME"] == stack.outputs["ArticlesBucketName"]
    assert api_env["PUBLIC_BASE_URL"] == stack.outputs["CdnUrl"], "an empty PublicBaseUrl means the CDN"
    assert api_env["CORS_ALLOW_ORIGINS"] == "*"
    for env in (ingest_env, api_env):
        assert {"POWERTOOLS_SERVICE_NAME", "POWERTOOLS_METRICS_NAMESPACE", "POWERTOOLS_LOG_LEVEL"} <= set(env)


def test_ingest_event_source_mapping_has_the_template_settings(stack: DeployedStack) -> None:
    (mapping,) = client("lambda").list_event_source_mappings(FunctionName=f"{STACK}-ingest")["EventSourceMappings"]
    assert mapping["BatchSize"] == 10
    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping["ScalingConfig"]["MaximumConcurrency"] >= 2
    assert mapping["State"] == "Disabled", "moto's own invoker (Docker) must be off; the local poller runs it"


def test_queue_redrive_and_policy_are_in_place(stack: DeployedStack) -> None:
    attributes = client("sqs").get_queue_attributes(QueueUrl=stack.outputs["IngestQueueUrl"], AttributeNames=["All"])[
        "Attributes"
    ]
    redrive = json.loads(attributes["RedrivePolicy"])
    assert redrive["maxReceiveCount"] == 5
    assert redrive["deadLetterTargetArn"].endswith(stack.outputs["DeadLetterQueueUrl"].rsplit("/", 1)[-1])
    policy = json.loads(attributes["Policy"])
    (allow,) = [s for s in policy["Statement"] if s["Effect"] == "Allow"]
    assert allow["Condition"]["ArnEquals"]["aws:SourceArn"] == f"arn:aws:s3:::{stack.outputs['ArticlesBucketName']}"
    assert int(attributes["VisibilityTimeout"]) >= 180


def test_uploads_under_incoming_notify_the_ingest_queue_and_others_do_not(stack: DeployedStack) -> None:
    s3, sqs = client("s3"), client("sqs")
    queue = stack.outputs["IngestQueueUrl"]
    drain(queue)
    s3.put_object(Bucket=stack.outputs["ArticlesBucketName"], Key="incoming/a.json", Body=b"{}")
    s3.put_object(Bucket=stack.outputs["ArticlesBucketName"], Key="rejected/incoming/a.json.error.json", Body=b"{}")
    s3.delete_object(Bucket=stack.outputs["ArticlesBucketName"], Key="incoming/a.json")
    messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", [])
    events = [json.loads(m["Body"])["Records"][0] for m in messages]
    # keys arrive URL-encoded (moto even encodes "/"), so consumers must unquote_plus them
    assert sorted((e["eventName"], unquote_plus(e["s3"]["object"]["key"])) for e in events) == [
        ("ObjectCreated:Put", "incoming/a.json"),
        ("ObjectRemoved:Delete", "incoming/a.json"),
    ]


def test_a_message_received_five_times_moves_to_the_dead_letter_queue(stack: DeployedStack) -> None:
    sqs = client("sqs")
    queue, dlq = stack.outputs["IngestQueueUrl"], stack.outputs["DeadLetterQueueUrl"]
    drain(queue)
    sqs.send_message(QueueUrl=queue, MessageBody="poison")
    for _ in range(5):
        (message,) = sqs.receive_message(QueueUrl=queue, VisibilityTimeout=30)["Messages"]
        sqs.change_message_visibility(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0)
    assert sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=0).get("Messages", []) == []
    (dead,) = sqs.receive_message(QueueUrl=dlq)["Messages"]
    assert dead["Body"] == "poison"


def test_the_rest_api_has_the_proxy_routes_to_the_api_function_and_the_stage(stack: DeployedStack) -> None:
    apigw = client("apigateway")
    (api,) = apigw.get_rest_apis()["items"]
    routes = {
        (r["path"], method): spec["methodIntegration"]["uri"]
        for r in apigw.get_resources(restApiId=api["id"], embed=["methods"])["items"]
        for method, spec in (r.get("resourceMethods") or {}).items()
    }
    assert set(routes) == {("/", "ANY"), ("/{proxy+}", "ANY")}
    function_arn = client("lambda").get_function_configuration(FunctionName=f"{STACK}-api")["FunctionArn"]
    assert set(routes.values()) == {
        f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{function_arn}/invocations"
    }
    assert [s["stageName"] for s in apigw.get_stages(restApiId=api["id"])["item"]] == ["dev"]
    (statement,) = json.loads(client("lambda").get_policy(FunctionName=f"{STACK}-api")["Policy"])["Statement"]
    assert statement["Principal"] == {"Service": "apigateway.amazonaws.com"}
    assert statement["Condition"]["ArnLike"]["AWS:SourceArn"].endswith(f":{api['id']}/*")


def test_cloudfront_has_stand_ins_and_each_is_reported(stack: DeployedStack, gaps: list[Gap]) -> None:
    cdn_types = {t for t in TYPES_THE_EXTENSIONS_CREATE if t.startswith("AWS::CloudFront::")}
    in_template = {k: r["Type"] for k, r in stack.template["Resources"].items() if r["Type"] in cdn_types}
    assert set(in_template.values()) == cdn_types
    created = created_resources()
    assert {k: created.get(k) for k in in_template} == in_template
    reported = {g.logical_id: g for g in gaps if g.what in cdn_types}
    assert set(reported) == set(in_template)
    assert not any(g.applied for g in reported.values()), "nothing caches locally: never reported as applied"
    (distribution,) = [g for g in reported.values() if g.what == "AWS::CloudFront::Distribution"]
    assert LOCAL_API in distribution.detail and "CdnUrl" in distribution.detail


def test_bucket_settings_moto_skips_are_applied(stack: DeployedStack, gaps: list[Gap]) -> None:
    s3 = client("s3")
    bucket = stack.outputs["ArticlesBucketName"]
    block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert all(block.values()) and len(block) == 4
    assert s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    configs = s3.get_bucket_notification_configuration(Bucket=bucket)["QueueConfigurations"]
    assert sorted(e for c in configs for e in c["Events"]) == ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"]
    # The template's bucket policy only denies plain HTTP, and the local endpoint is plain HTTP: not applied.
    (policy_gap,) = [g for g in gaps if g.what == "AWS::S3::BucketPolicy"]
    assert not policy_gap.applied and "HTTP" in policy_gap.detail


def test_dead_letter_alarm_is_created(stack: DeployedStack) -> None:
    (alarm,) = client("cloudwatch").describe_alarms()["MetricAlarms"]
    assert alarm["MetricName"] == "ApproximateNumberOfMessagesVisible"
    assert alarm["Dimensions"][0]["Value"] == stack.outputs["DeadLetterQueueUrl"].rsplit("/", 1)[-1]


def deployed_environment(name: str) -> dict[str, str]:
    return FunctionConfig.fetch(client("lambda"), name).environment


def test_the_api_gets_a_cursor_key_generated_in_secrets_manager(stack: DeployedStack, gaps: list[Gap]) -> None:
    key = deployed_environment(f"{STACK}-api")["CURSOR_SECRET"]
    assert len(key) >= 32 and "{{resolve:" not in key
    assert stack.outputs["FeedTableName"] not in key and key != fallback_secret(stack.outputs["FeedTableName"]).hex()
    assert key not in json.dumps(stack.template), "generated at deploy time, not written in the template"
    secrets = client("secretsmanager")
    (secret,) = secrets.list_secrets()["SecretList"]
    assert secrets.get_secret_value(SecretId=secret["ARN"])["SecretString"] == key
    assert "CURSOR_SECRET" not in deployed_environment(f"{STACK}-ingest")
    resolved = {g.logical_id for g in gaps if g.what == "dynamic reference" and g.applied}
    uses_references = {k for k, r in stack.template["Resources"].items() if "{{resolve:" in json.dumps(r)}
    assert uses_references and uses_references <= resolved, "each dynamic reference is resolved and reported"


def test_cursors_round_trip_with_the_deployed_key(stack: DeployedStack, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (f"{STACK}-ingest", f"{STACK}-api"):
        for variable, value in deployed_environment(name).items():
            monkeypatch.setenv(variable, value)
    api.default_root.cache_clear()
    ingest.ingest_service.cache_clear()
    context = LambdaContext()
    try:
        for n in range(3):
            upload = article(f"Harbour story {n}", published_at=f"2020-01-0{n + 1}T09:00:00Z")
            record = put_article(stack.outputs["ArticlesBucketName"], f"incoming/cursor-{n}.json", upload)
            assert ingest.handler(sqs_event(notification(record)), context)["batchItemFailures"] == []
        seen, cursors, cursor = [], [], None
        while True:
            query = {"limit": "1", **({"cursor": cursor} if cursor else {})}
            response = api.handler(rest_event("GET", "/articles", query=query), context)
            assert response["statusCode"] == 200, response["body"]
            page = json.loads(response["body"])
            seen += [item["id"] for item in page["items"]]
            if (cursor := page["next_cursor"]) is None:
                break
            cursors.append(cursor)
        assert seen == ["cursor-2", "cursor-1", "cursor-0"]
        # The deployed key signed them; the table-name fallback cannot forge one.
        raw = base64.urlsafe_b64decode(cursors[0] + "=" * (-len(cursors[0]) % 4))
        index, _, position = raw[1:-16].decode().partition("\0")
        key = deployed_environment(f"{STACK}-api")["CURSOR_SECRET"].encode()
        assert CursorCodec(key).encode(index, position) == cursors[0]
        forged = CursorCodec(fallback_secret(stack.outputs["FeedTableName"])).encode(index, position)
        response = api.handler(rest_event("GET", "/articles", query={"limit": "1", "cursor": forged}), context)
        assert response["statusCode"] == 400 and json.loads(response["body"])["error"] == "invalid_cursor"
    finally:
        api.default_root.cache_clear()
        ingest.ingest_service.cache_clear()
        drain(stack.outputs["IngestQueueUrl"])


def test_the_alarm_topic_is_encrypted_with_the_stacks_rotating_key(stack: DeployedStack) -> None:
    sns, kms = client("sns"), client("kms")
    (topic,) = sns.list_topics()["Topics"]
    key_id = sns.get_topic_attributes(TopicArn=topic["TopicArn"])["Attributes"]["KmsMasterKeyId"]
    metadata = kms.describe_key(KeyId=key_id)["KeyMetadata"]
    assert metadata["KeyManager"] == "CUSTOMER" and metadata["Enabled"]
    assert kms.get_key_rotation_status(KeyId=key_id)["KeyRotationEnabled"] is True
    policy = json.loads(kms.get_key_policy(KeyId=key_id, PolicyName="default")["Policy"])
    (cloudwatch,) = [s for s in policy["Statement"] if s["Principal"] == {"Service": "cloudwatch.amazonaws.com"}]
    assert cloudwatch["Condition"]["StringEquals"]["aws:SourceAccount"] == "123456789012"
    (alarm,) = client("cloudwatch").describe_alarms()["MetricAlarms"]
    assert alarm["AlarmActions"] == [topic["TopicArn"]]
    assert fnmatch.fnmatchcase(alarm["AlarmArn"], cloudwatch["Condition"]["ArnLike"]["aws:SourceArn"])


def test_dynamic_references_resolve_the_way_cloudformation_reads_them(aws_credentials: None) -> None:
    from moto.secretsmanager.exceptions import SecretNotFoundException

    with mock_aws():
        secrets, ssm = boto3.client("secretsmanager", region_name=REGION), boto3.client("ssm", region_name=REGION)
        plain = secrets.create_secret(Name="plain", SecretString="s3cr3t")["ARN"]
        secrets.create_secret(Name="doc", SecretString=json.dumps({"user": "ed", "password": "pw"}))
        ssm.put_parameter(Name="/pressroom/origin", Value="https://news.example.com", Type="String")
        values = {
            "plain by ARN": f"{{{{resolve:secretsmanager:{plain}:SecretString}}}}",
            "json key": "{{resolve:secretsmanager:doc:SecretString:password}}",
            "stage": "{{resolve:secretsmanager:doc:SecretString:user:AWSCURRENT}}",
            "in text": "origin={{resolve:ssm:/pressroom/origin}};",
            "nested": [{"deep": "{{resolve:secretsmanager:plain}}"}],
            "untouched": "{{resolve:unknown:thing}}",
        }
        assert resolve_dynamic_references(values, "123456789012", REGION) == {
            "plain by ARN": "s3cr3t",
            "json key": "pw",
            "stage": "ed",
            "in text": "origin=https://news.example.com;",
            "nested": [{"deep": "s3cr3t"}],
            "untouched": "{{resolve:unknown:thing}}",
        }
        with pytest.raises(SecretNotFoundException):
            resolve_dynamic_references("{{resolve:secretsmanager:missing}}", "123456789012", REGION)


def test_packaging_zips_the_contents_of_code_uri_like_sam(tmp_path: Any, aws_credentials: None) -> None:
    archive = zipfile.ZipFile(io.BytesIO(zip_directory(REPO_ROOT / "functions")))
    names = archive.namelist()
    assert "pressroom/__init__.py" in names
    assert "pressroom/handlers/__init__.py" in names
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    assert zip_directory(REPO_ROOT / "functions") == zip_directory(REPO_ROOT / "functions"), "deterministic"
    with mock_aws():
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket="artifacts")
        packaged = package_template(load_template(), s3=s3, bucket="artifacts")
        uris = {
            r["Properties"]["CodeUri"]
            for r in packaged["Resources"].values()
            if r["Type"] == "AWS::Serverless::Function"
        }
        assert len(uris) == 1, "one upload for the one shared package"
        (uri,) = uris
        assert uri.startswith("s3://artifacts/")
        assert s3.list_objects_v2(Bucket="artifacts")["KeyCount"] == 1
