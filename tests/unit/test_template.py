"""template.yaml: the security properties, least-privilege roles and the Outputs contract, plus cfn-lint."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from pressroom_stack.template import CONTRACT_OUTPUTS, REPO_ROOT, TEMPLATE_PATH, load_template

TEMPLATE = load_template()
RESOURCES: dict[str, Any] = TEMPLATE["Resources"]

WORKFLOWS = sorted((REPO_ROOT / ".github" / "workflows").glob("*.yml"))
FUNCTION_ROLES = {"IngestFunction": "IngestFunctionRole", "ApiFunction": "ApiFunctionRole"}
OWN_RESOURCES = {
    "IngestFunction": {"ArticlesBucket", "FeedTable", "IngestQueue", "IngestFunctionLogGroup", "ArticleEventBus"},
    "ApiFunction": {"FeedTable", "ApiFunctionLogGroup"},
}
WRITE_ACTION = re.compile(r":(Put|Update|Delete|BatchWrite|Create|Send|Change|TransactWrite|Restore|Tag|Untag)")
# Services without resource-level permissions, allowed on Resource "*" (and nothing else is).
RESOURCELESS_ACTIONS = {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}


def resources_of(rtype: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in RESOURCES.items() if v["Type"] == rtype}


def props(logical_id: str) -> dict[str, Any]:
    return RESOURCES[logical_id].get("Properties", {})


def statements(role: str) -> list[dict[str, Any]]:
    found = []
    for policy in props(role).get("Policies", []):
        body = policy["PolicyDocument"]["Statement"]
        found.extend(body if isinstance(body, list) else [body])
    return found


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def references(value: Any) -> set[str]:
    """Logical ids a value refers to through Ref, GetAtt or ${…} in Sub (pseudo parameters left out)."""
    found: set[str] = set()
    if isinstance(value, dict):
        for key, inner in value.items():
            if key == "Ref" and isinstance(inner, str):
                found.add(inner)
            elif key == "Fn::GetAtt":
                found.add(inner[0] if isinstance(inner, list) else str(inner).split(".")[0])
            elif key == "Fn::Sub":
                text = inner[0] if isinstance(inner, list) else inner
                found.update(m.split(".")[0] for m in re.findall(r"\$\{([^}!]+)\}", text))
                if isinstance(inner, list):
                    found.update(references(inner[1]))
            else:
                found.update(references(inner))
    elif isinstance(value, list):
        for inner in value:
            found.update(references(inner))
    return {r for r in found if not r.startswith("AWS::")}


def bucket_name_pattern() -> str:
    return props("ArticlesBucket")["BucketName"]["Fn::Sub"]


def reached(resource: Any) -> set[str]:
    """What a policy Resource reaches: logical ids, with the bucket's fixed-name ARN mapped to ArticlesBucket."""
    found = references(resource)
    text = json.dumps(resource)
    if bucket_name_pattern() in text:
        found.add("ArticlesBucket")
    return found


# ---------------------------------------------------------------------------------------------- the bucket


def test_articles_bucket_blocks_all_public_access() -> None:
    assert props("ArticlesBucket")["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }


def test_articles_bucket_is_encrypted_and_versioned() -> None:
    bucket = props("ArticlesBucket")
    rule = bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in ("AES256", "aws:kms")
    assert bucket["VersioningConfiguration"]["Status"] == "Enabled"
    assert bucket["OwnershipControls"]["Rules"][0]["ObjectOwnership"] == "BucketOwnerEnforced"


def test_articles_bucket_forgets_old_versions_and_the_delete_markers_they_leave() -> None:
    """Every rejection report is deleted once its key is fixed, and every deleted upload leaves a delete marker on
    the versioned bucket: old versions expire after 90 days, then the markers left alone with no version behind
    them go too, so neither accumulates for good."""
    rules = {r["Id"]: r for r in props("ArticlesBucket")["LifecycleConfiguration"]["Rules"]}
    assert all(rule["Status"] == "Enabled" for rule in rules.values())
    versions = rules["expire-noncurrent-versions"]
    assert versions["NoncurrentVersionExpiration"] == {"NoncurrentDays": 90}
    assert versions["ExpiredObjectDeleteMarker"] is True
    assert rules["abort-incomplete-multipart-uploads"]["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 1}


def test_articles_bucket_policy_denies_requests_without_tls() -> None:
    policy = props("ArticlesBucketPolicy")
    assert policy["Bucket"] == {"Ref": "ArticlesBucket"}
    deny = [s for s in policy["PolicyDocument"]["Statement"] if s["Effect"] == "Deny"]
    assert any(s["Principal"] == "*" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}} for s in deny), (
        "no TLS-only statement"
    )
    tls = next(s for s in deny if "aws:SecureTransport" in json.dumps(s["Condition"]))
    assert {"ArticlesBucket"} == references(tls["Resource"])
    assert len(tls["Resource"]) == 2, "must cover the bucket and its objects"


def test_bucket_notifies_the_ingest_queue_of_incoming_creates_and_removes() -> None:
    configs = props("ArticlesBucket")["NotificationConfiguration"]["QueueConfigurations"]
    assert {c["Event"] for c in configs} == {"s3:ObjectCreated:*", "s3:ObjectRemoved:*"}
    for config in configs:
        assert config["Queue"] == {"Fn::GetAtt": ["IngestQueue", "Arn"]}
        assert config["Filter"]["S3Key"]["Rules"] == [{"Name": "prefix", "Value": "incoming/"}]


def test_only_the_articles_bucket_may_send_to_the_ingest_queue() -> None:
    policy = props("IngestQueuePolicy")
    assert policy["Queues"] == [{"Ref": "IngestQueue"}]
    allows = [s for s in policy["PolicyDocument"]["Statement"] if s["Effect"] == "Allow"]
    assert len(allows) == 1
    allow = allows[0]
    assert allow["Principal"] == {"Service": "s3.amazonaws.com"}
    assert allow["Action"] == "sqs:SendMessage"
    assert allow["Condition"]["ArnEquals"]["aws:SourceArn"]["Fn::Sub"].endswith(bucket_name_pattern())
    assert allow["Condition"]["StringEquals"]["aws:SourceAccount"] == {"Ref": "AWS::AccountId"}
    # The bucket waits for the policy (S3 validates the destination), and the policy names it without a Ref.
    assert RESOURCES["ArticlesBucket"]["DependsOn"] == "IngestQueuePolicy"
    assert "ArticlesBucket" not in references(policy)


# ---------------------------------------------------------------------------------------------- queues, table


def test_ingest_queue_redrives_to_the_dead_letter_queue_after_five_receives() -> None:
    queue = props("IngestQueue")
    assert queue["RedrivePolicy"] == {
        "deadLetterTargetArn": {"Fn::GetAtt": ["DeadLetterQueue", "Arn"]},
        "maxReceiveCount": 5,
    }
    assert queue["SqsManagedSseEnabled"] is True
    assert props("DeadLetterQueue")["SqsManagedSseEnabled"] is True


def test_visibility_timeout_is_at_least_six_times_the_ingest_timeout() -> None:
    timeout = props("IngestFunction")["Timeout"]
    event = props("IngestFunction")["Events"]["IngestQueueMessages"]["Properties"]
    assert props("IngestQueue")["VisibilityTimeout"] >= 6 * timeout + event["MaximumBatchingWindowInSeconds"]


def test_an_alarm_fires_when_the_dead_letter_queue_is_not_empty() -> None:
    alarms = resources_of("AWS::CloudWatch::Alarm")
    dlq_alarms = [
        a["Properties"]
        for a in alarms.values()
        if a["Properties"]["Dimensions"][0]["Value"] == {"Fn::GetAtt": ["DeadLetterQueue", "QueueName"]}
    ]
    assert len(dlq_alarms) == 1
    alarm = dlq_alarms[0]
    assert alarm["MetricName"] == "ApproximateNumberOfMessagesVisible"
    assert alarm["ComparisonOperator"] == "GreaterThanThreshold"
    assert alarm["Threshold"] == 0
    assert alarm["AlarmActions"]


def alarm_topic_key() -> tuple[str, dict[str, Any]]:
    """The logical id and properties of the KMS key that encrypts the alarm topic (fails if it is not one)."""
    key_ref = props("AlarmTopic")["KmsMasterKeyId"]
    (key_id,) = references(key_ref) or {None}
    assert key_id in resources_of("AWS::KMS::Key"), f"AlarmTopic is not encrypted with a key of this stack: {key_ref}"
    return key_id, props(key_id)


def test_cloudwatch_may_use_the_alarm_topic_key() -> None:
    # CloudWatch alarms cannot publish to a topic encrypted with the AWS managed alias/aws/sns: its key policy
    # cannot be edited to let cloudwatch.amazonaws.com call kms:Decrypt and kms:GenerateDataKey*
    # (https://repost.aws/knowledge-center/cloudwatch-configure-alarm-sns).
    _, key = alarm_topic_key()
    assert key["EnableKeyRotation"] is True
    policy = key["KeyPolicy"]["Statement"]
    (cloudwatch,) = [s for s in policy if s.get("Principal") == {"Service": "cloudwatch.amazonaws.com"}]
    assert cloudwatch["Effect"] == "Allow"
    assert set(as_list(cloudwatch["Action"])) == {"kms:Decrypt", "kms:GenerateDataKey*"}
    assert cloudwatch["Condition"]["StringEquals"]["aws:SourceAccount"] == {"Ref": "AWS::AccountId"}
    # Scoped to this stack's alarms: every alarm that notifies the topic must match the pattern.
    pattern = cloudwatch["Condition"]["ArnLike"]["aws:SourceArn"]["Fn::Sub"]
    assert pattern.startswith("arn:${AWS::Partition}:cloudwatch:${AWS::Region}:${AWS::AccountId}:alarm:")
    name_pattern = pattern.rsplit(":alarm:", 1)[1]
    notifying = [
        a
        for a in resources_of("AWS::CloudWatch::Alarm").values()
        if {"Ref": "AlarmTopic"} in a["Properties"].get("AlarmActions", []) + a["Properties"].get("OKActions", [])
    ]
    assert notifying
    for alarm in notifying:
        name = alarm["Properties"]["AlarmName"]["Fn::Sub"]
        assert re.fullmatch(re.escape(name_pattern).replace(r"\*", ".*"), name), name


def test_the_alarm_topic_key_is_administered_through_iam_only() -> None:
    _, key = alarm_topic_key()
    policy = key["KeyPolicy"]["Statement"]
    assert not [s for s in policy if s.get("Principal") in ("*", {"AWS": "*"})], "no public principal"
    (root,) = [s for s in policy if "AWS" in s.get("Principal", {})]
    assert root["Principal"] == {"AWS": {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:root"}}
    services = {s["Principal"].get("Service") for s in policy if "Service" in s.get("Principal", {})}
    assert services == {"cloudwatch.amazonaws.com"}


def test_feed_table_is_on_demand_recoverable_encrypted_with_ttl() -> None:
    table = props("FeedTable")
    assert table["BillingMode"] == "PAY_PER_REQUEST"
    assert table["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert table["SSESpecification"]["SSEEnabled"] is True
    assert table["TimeToLiveSpecification"] == {"AttributeName": "ttl", "Enabled": True}
    assert table["KeySchema"] == [
        {"AttributeName": "pk", "KeyType": "HASH"},
        {"AttributeName": "sk", "KeyType": "RANGE"},
    ]


def test_stateful_resources_survive_stack_deletion() -> None:
    for logical_id in ("ArticlesBucket", "FeedTable"):
        assert RESOURCES[logical_id]["DeletionPolicy"] == "Retain"
        assert RESOURCES[logical_id]["UpdateReplacePolicy"] == "Retain"


# ---------------------------------------------------------------------------------------------- functions


def test_functions_run_on_arm64_with_a_current_python() -> None:
    function_globals = TEMPLATE["Globals"]["Function"]
    assert function_globals["Architectures"] == ["arm64"]
    assert function_globals["Runtime"] in ("python3.12", "python3.13", "python3.14")
    assert function_globals["Tracing"] == "Active"
    env = function_globals["Environment"]["Variables"]
    assert {"POWERTOOLS_SERVICE_NAME", "POWERTOOLS_METRICS_NAMESPACE", "POWERTOOLS_LOG_LEVEL"} <= set(env)
    assert env["TABLE_NAME"] == {"Ref": "FeedTable"}


def test_every_function_ships_the_one_package_with_its_own_handler() -> None:
    functions = resources_of("AWS::Serverless::Function")
    assert set(functions) == set(FUNCTION_ROLES)
    for logical_id, function in functions.items():
        assert function["Properties"]["CodeUri"] == "functions/"
        assert function["Properties"]["Role"] == {"Fn::GetAtt": [FUNCTION_ROLES[logical_id], "Arn"]}
    assert props("IngestFunction")["Handler"] == "pressroom.handlers.ingest.handler"
    assert props("ApiFunction")["Handler"] == "pressroom.handlers.api.handler"


def test_ingest_reads_sqs_batches_reporting_item_failures_with_bounded_concurrency() -> None:
    event = props("IngestFunction")["Events"]["IngestQueueMessages"]
    assert event["Type"] == "SQS"
    assert event["Properties"]["Queue"] == {"Fn::GetAtt": ["IngestQueue", "Arn"]}
    assert event["Properties"]["BatchSize"] == 10
    assert event["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert 2 <= event["Properties"]["ScalingConfig"]["MaximumConcurrency"] <= 10
    assert props("IngestFunction")["Environment"]["Variables"]["BUCKET_NAME"] == {"Fn::Sub": bucket_name_pattern()}


def test_every_function_has_a_log_group_with_retention() -> None:
    for function in FUNCTION_ROLES:
        group = props(f"{function}LogGroup")
        assert group["LogGroupName"] == {"Fn::Sub": f"/aws/lambda/${{{function}}}"}
        assert group["RetentionInDays"] == {"Ref": "LogRetentionInDays"}


def test_rest_api_has_stage_throttling_access_logs_and_compression() -> None:
    api = props("PressroomApi")
    assert api["StageName"] == {"Ref": "Stage"}
    settings = api["MethodSettings"][0]
    assert settings["ThrottlingRateLimit"] > 0 and settings["ThrottlingBurstLimit"] > 0
    assert api["AccessLogSetting"]["DestinationArn"] == {"Fn::GetAtt": ["ApiAccessLogGroup", "Arn"]}
    assert json.loads(api["AccessLogSetting"]["Format"].replace("\n", ""))["requestId"] == "$context.requestId"
    assert 0 <= api["MinimumCompressionSize"] <= 10240


def test_every_route_of_the_rest_api_proxies_to_api_function_by_name() -> None:
    # Named, not ${ApiFunction.Arn}: ApiFunction depends on the CDN, whose origin is this API (no cycle).
    paths = props("PressroomApi")["DefinitionBody"]["paths"]
    assert set(paths) == {"/", "/{proxy+}"}
    function_name = props("ApiFunction")["FunctionName"]["Fn::Sub"]
    for path, methods in paths.items():
        assert set(methods) == {"x-amazon-apigateway-any-method"}, path
        integration = methods["x-amazon-apigateway-any-method"]["x-amazon-apigateway-integration"]
        assert (integration["type"], integration["httpMethod"]) == ("aws_proxy", "POST")
        uri = integration["uri"]["Fn::Sub"]
        assert uri.endswith(
            f":lambda:path/2015-03-31/functions/arn:${{AWS::Partition}}:lambda:${{AWS::Region}}:"
            f"${{AWS::AccountId}}:function:{function_name}/invocations"
        ), uri
    assert "Events" not in props("ApiFunction"), "Api events would add a second integration to each route"
    (permission,) = resources_of("AWS::Lambda::Permission").values()
    granted = permission["Properties"]
    assert granted["FunctionName"] == {"Ref": "ApiFunction"} and granted["Action"] == "lambda:InvokeFunction"
    assert granted["Principal"] == "apigateway.amazonaws.com"
    assert granted["SourceAccount"] == {"Ref": "AWS::AccountId"}
    assert granted["SourceArn"] == {
        "Fn::Sub": "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${PressroomApi}/*"
    }


def test_parameters_for_stage_and_public_base_url_which_defaults_to_the_cdn() -> None:
    parameters = TEMPLATE["Parameters"]
    assert parameters["Stage"]["Default"] == "dev"
    assert parameters["PublicBaseUrl"]["Default"] == ""
    assert TEMPLATE["Conditions"]["HasPublicBaseUrl"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "PublicBaseUrl"}, ""]}]}
    assert props("ApiFunction")["Environment"]["Variables"]["PUBLIC_BASE_URL"] == {
        "Fn::If": ["HasPublicBaseUrl", {"Ref": "PublicBaseUrl"}, TEMPLATE["Outputs"]["CdnUrl"]["Value"]]
    }


DYNAMIC_SECRET = re.compile(r"\{\{resolve:secretsmanager:\$\{(\w+)\}:SecretString\}\}")


def test_the_cursor_key_is_a_secret_generated_per_stack() -> None:
    value = props("ApiFunction")["Environment"]["Variables"]["CURSOR_SECRET"]
    assert isinstance(value, dict) and set(value) == {"Fn::Sub"}, f"not a dynamic reference: {value}"
    match = DYNAMIC_SECRET.fullmatch(value["Fn::Sub"])
    assert match, value
    secret = RESOURCES[match.group(1)]
    assert secret["Type"] == "AWS::SecretsManager::Secret"
    generated = secret["Properties"]["GenerateSecretString"]
    assert "SecretString" not in secret["Properties"], "generated, never written in the template"
    assert generated["PasswordLength"] >= 32
    assert "SecretStringTemplate" not in generated, "the whole string is the key"
    assert "CursorSecret" not in TEMPLATE["Parameters"], "no parameter (and no default) can stand in for it"
    assert "TABLE_NAME" not in json.dumps(value) and "FeedTable" not in json.dumps(value)


def test_no_function_role_can_read_secrets() -> None:
    # CloudFormation resolves the dynamic reference with the deployer's permissions; the function only sees the
    # value in its environment, so no role needs Secrets Manager (or KMS) at run time.
    for role, statement in all_role_statements():
        for action in as_list(statement["Action"]):
            assert not action.startswith(("secretsmanager:", "kms:")), f"{role} {statement['Sid']} grants {action}"


# ---------------------------------------------------------------------------------------------- IAM


def all_role_statements() -> list[tuple[str, dict[str, Any]]]:
    return [(role, s) for role in resources_of("AWS::IAM::Role") for s in statements(role)]


def test_no_policy_grants_wildcard_actions() -> None:
    for role, statement in all_role_statements():
        for action in as_list(statement.get("Action", [])):
            assert "*" not in action, f"{role} grants wildcard action {action}"
        assert "NotAction" not in statement, f"{role} uses NotAction"


def test_wildcard_resources_only_for_services_without_resource_permissions() -> None:
    for role, statement in all_role_statements():
        if "*" in as_list(statement["Resource"]):
            assert set(as_list(statement["Action"])) <= RESOURCELESS_ACTIONS, f"{role}: {statement['Sid']}"


@pytest.mark.parametrize("function", sorted(FUNCTION_ROLES))
def test_each_function_role_reaches_only_its_own_resources(function: str) -> None:
    role = FUNCTION_ROLES[function]
    for statement in statements(role):
        if statement["Resource"] == "*":
            continue
        targets = reached(statement["Resource"])
        if any(a.startswith("logs:") for a in as_list(statement["Action"])):
            suffix = "ingest" if function == "IngestFunction" else "api"
            assert f"/aws/lambda/${{AWS::StackName}}-{suffix}:*" in statement["Resource"]["Fn::Sub"]
            assert props(function)["FunctionName"] == {"Fn::Sub": f"${{AWS::StackName}}-{suffix}"}
            continue
        assert targets, f"{role} {statement['Sid']} reaches something that is not a stack resource"
        assert targets <= OWN_RESOURCES[function], (
            f"{role} {statement['Sid']} reaches {targets - OWN_RESOURCES[function]}"
        )


def test_api_function_cannot_write_and_reaches_no_bucket_or_queue() -> None:
    actions = {a for s in statements("ApiFunctionRole") for a in as_list(s["Action"])}
    assert actions == {
        "dynamodb:GetItem",
        "dynamodb:BatchGetItem",
        "dynamodb:Query",
        "logs:CreateLogStream",
        "logs:PutLogEvents",
    } | (RESOURCELESS_ACTIONS)
    assert not [a for a in actions if a.startswith(("s3:", "sqs:"))]
    assert not [a for a in actions if a.startswith("dynamodb:") and WRITE_ACTION.search(a)]
    assert "dynamodb:Scan" not in actions


def test_ingest_function_reads_incoming_writes_rejected_and_consumes_its_queue() -> None:
    by_sid = {s["Sid"]: s for s in statements("IngestFunctionRole")}
    assert by_sid["ReadUploads"]["Resource"]["Fn::Sub"].endswith("/incoming/*")
    assert set(by_sid["ReadUploads"]["Action"]) <= {"s3:GetObject", "s3:GetObjectVersion"}
    assert by_sid["ManageRejectionReports"]["Resource"]["Fn::Sub"].endswith("/rejected/*")
    assert set(by_sid["ManageRejectionReports"]["Action"]) == {"s3:PutObject", "s3:GetObject", "s3:DeleteObject"}
    assert set(by_sid["ConsumeIngestQueue"]["Action"]) == {
        "sqs:ReceiveMessage",
        "sqs:DeleteMessage",
        "sqs:ChangeMessageVisibility",
        "sqs:GetQueueAttributes",
    }
    assert "dynamodb:Scan" not in by_sid["WriteFeed"]["Action"]
    deleting = [s for s in statements("IngestFunctionRole") if "s3:DeleteObject" in as_list(s["Action"])]
    assert deleting and all(s["Resource"]["Fn::Sub"].endswith("/rejected/*") for s in deleting), "never deletes uploads"


def test_ingest_may_list_the_bucket_so_a_missing_key_is_404_not_403() -> None:
    # GetObject/HeadObject of a missing key answers 404 NoSuchKey only if the caller has s3:ListBucket on the
    # bucket, otherwise 403 AccessDenied ("Permissions" in
    # https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html and API_HeadObject.html), which the
    # pipeline retries as a fault, sending every deletion to the dead-letter queue. The s3:prefix condition key
    # exists only in list requests (the prefix parameter of ListObjects/ListObjectVersions, see
    # https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html), so a statement
    # conditioned on it never applies to the ListBucket check of a GetObject: that grant must be unconditioned.
    bucket_arn = {"Fn::Sub": "arn:${AWS::Partition}:s3:::" + bucket_name_pattern()}
    unconditioned = [
        s
        for s in statements("IngestFunctionRole")
        if "s3:ListBucket" in as_list(s["Action"]) and s["Resource"] == bucket_arn and "Condition" not in s
    ]
    assert unconditioned, "no s3:ListBucket on the bucket ARN without a condition"
    for statement in statements("IngestFunctionRole"):
        keys = {k for test in statement.get("Condition", {}).values() for k in test}
        if "s3:prefix" in keys:
            assert "s3:ListBucket" not in as_list(statement["Action"]), statement["Sid"]


def test_function_roles_can_only_be_assumed_by_lambda_in_this_account() -> None:
    for role in FUNCTION_ROLES.values():
        (statement,) = props(role)["AssumeRolePolicyDocument"]["Statement"]
        assert statement["Principal"] == {"Service": "lambda.amazonaws.com"}
        assert statement["Condition"]["StringEquals"]["aws:SourceAccount"] == {"Ref": "AWS::AccountId"}
        assert "ManagedPolicyArns" not in props(role)


# ---------------------------------------------------------------------------------------------- CDN


def distribution() -> dict[str, Any]:
    (config,) = [d["Properties"]["DistributionConfig"] for d in resources_of("AWS::CloudFront::Distribution").values()]
    return dict(config)


def policy(behavior_key: str, config_key: str) -> dict[str, Any]:
    (logical_id,) = references(distribution()["DefaultCacheBehavior"][behavior_key])
    return dict(props(logical_id)[config_key])


def api_parameters(location: str) -> set[str]:
    from pressroom.config import ApiSettings
    from pressroom.handlers import api
    from tests.conftest import LambdaContext
    from tests.fakes_api import InMemoryFeed, rest_event

    root = api.build_root(InMemoryFeed(), ApiSettings.model_validate({"TABLE_NAME": "pressroom-feed-test"}))
    document = json.loads(api.serve(rest_event("GET", "/openapi.json"), LambdaContext(), root)["body"])
    return {
        parameter["name"]
        for operations in document["paths"].values()
        for operation in operations.values()
        for parameter in operation.get("parameters", [])
        if parameter["in"] == location
    }


def test_the_cdn_serves_the_api_stage_over_https_only_compressed() -> None:
    config = distribution()
    assert config["Enabled"] is True
    (origin,) = config["Origins"]
    assert origin["DomainName"] == {"Fn::Sub": "${PressroomApi}.execute-api.${AWS::Region}.${AWS::URLSuffix}"}
    assert origin["OriginPath"] == {"Fn::Sub": "/${Stage}"}
    assert origin["CustomOriginConfig"]["OriginProtocolPolicy"] == "https-only"
    assert origin["CustomOriginConfig"]["OriginSSLProtocols"] == ["TLSv1.2"]
    behavior = config["DefaultCacheBehavior"]
    assert behavior["TargetOriginId"] == origin["Id"]
    assert behavior["ViewerProtocolPolicy"] in ("redirect-to-https", "https-only")
    assert behavior["Compress"] is True
    assert set(behavior["AllowedMethods"]) == {"GET", "HEAD", "OPTIONS"}, "a read API: nothing else reaches it"
    assert set(behavior["CachedMethods"]) == {"GET", "HEAD"}, "preflights vary by request headers: not cached"
    assert "CacheBehaviors" not in config and "ForwardedValues" not in behavior, "one behavior, policies only"


def test_the_cache_honours_the_api_cache_control_within_a_day() -> None:
    cache = policy("CachePolicyId", "CachePolicyConfig")
    assert cache["MinTTL"] == 0, "no-store and short s-maxage must win"
    assert 0 < cache["DefaultTTL"] <= 300
    assert cache["MaxTTL"] == 86400
    key = cache["ParametersInCacheKeyAndForwardedToOrigin"]
    assert key["EnableAcceptEncodingGzip"] is True and key["EnableAcceptEncodingBrotli"] is True


def test_the_cache_key_holds_exactly_the_api_query_parameters_and_origin() -> None:
    key = policy("CachePolicyId", "CachePolicyConfig")["ParametersInCacheKeyAndForwardedToOrigin"]
    queries = key["QueryStringsConfig"]
    assert queries["QueryStringBehavior"] == "whitelist"
    assert set(queries["QueryStrings"]) == api_parameters("query") == {"limit", "cursor", "tag", "section"}
    assert key["CookiesConfig"] == {"CookieBehavior": "none"}
    headers = key["HeadersConfig"]
    # CORS answers depend on Origin; conditional headers are CloudFront's to answer, never part of the key.
    assert headers == {"HeaderBehavior": "whitelist", "Headers": ["Origin"]}
    assert not {h.lower() for h in api_parameters("header")} & {h.lower() for h in headers["Headers"]}


def test_the_origin_gets_no_host_cookies_or_other_query_strings() -> None:
    forwarded = policy("OriginRequestPolicyId", "OriginRequestPolicyConfig")
    assert forwarded["QueryStringsConfig"] == {"QueryStringBehavior": "none"}
    assert forwarded["CookiesConfig"] == {"CookieBehavior": "none"}
    headers = forwarded["HeadersConfig"]
    assert headers["HeaderBehavior"] == "whitelist", "allViewer would forward Host, which API Gateway refuses"
    assert {h.lower() for h in headers["Headers"]} <= {
        "access-control-request-method",
        "access-control-request-headers",
    }


def test_the_cdn_keeps_no_client_error_beyond_its_cache_control() -> None:
    kept = {e["ErrorCode"]: e["ErrorCachingMinTTL"] for e in distribution()["CustomErrorResponses"]}
    assert {400, 404} <= set(kept)
    assert all(ttl == 0 for code, ttl in kept.items() if code < 500)
    assert not [e for e in distribution()["CustomErrorResponses"] if "ResponsePagePath" in e], "API errors stay JSON"


def test_cdn_responses_carry_hsts_and_no_sniffing() -> None:
    security = policy("ResponseHeadersPolicyId", "ResponseHeadersPolicyConfig")["SecurityHeadersConfig"]
    assert security["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= 31536000
    assert security["ContentTypeOptions"]["Override"] is True


def test_cloudfront_names_are_unique_per_stack_and_region() -> None:
    for rtype, key in (
        ("AWS::CloudFront::CachePolicy", "CachePolicyConfig"),
        ("AWS::CloudFront::OriginRequestPolicy", "OriginRequestPolicyConfig"),
        ("AWS::CloudFront::ResponseHeadersPolicy", "ResponseHeadersPolicyConfig"),
    ):
        for resource in resources_of(rtype).values():
            name = resource["Properties"][key]["Name"]["Fn::Sub"]
            assert "${AWS::StackName}" in name and "${AWS::Region}" in name, f"{rtype}: CloudFront names are global"


# ---------------------------------------------------------------------------------------------- contract, lint


def test_outputs_are_the_contract() -> None:
    assert tuple(TEMPLATE["Outputs"]) == CONTRACT_OUTPUTS
    outputs = TEMPLATE["Outputs"]
    assert outputs["ArticlesBucketName"]["Value"] == {"Ref": "ArticlesBucket"}
    assert outputs["FeedTableName"]["Value"] == {"Ref": "FeedTable"}
    assert outputs["IngestQueueUrl"]["Value"] == {"Ref": "IngestQueue"}
    assert outputs["DeadLetterQueueUrl"]["Value"] == {"Ref": "DeadLetterQueue"}
    assert "${PressroomApi}.execute-api" in outputs["ApiUrl"]["Value"]["Fn::Sub"]
    (cdn,) = resources_of("AWS::CloudFront::Distribution")
    assert outputs["CdnUrl"]["Value"] == {"Fn::Sub": f"https://${{{cdn}.DomainName}}"}


def test_outputs_are_indented_two_spaces_in_the_file() -> None:
    text = TEMPLATE_PATH.read_text(encoding="utf-8")
    for name in CONTRACT_OUTPUTS:
        assert re.search(rf"^Outputs:\n(?:.*\n)*?^  {name}:$", text, re.M), name


def test_checkov_suppressions_give_a_reason() -> None:
    for logical_id, resource in RESOURCES.items():
        for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", []):
            assert re.fullmatch(r"CKV2?_AWS_\d+", skip["id"]), logical_id
            assert len(skip.get("comment", "").split()) >= 5, f"{logical_id} {skip['id']} needs a written reason"


# ---------------------------------------------------------------------------------------------- CI workflows

PINNED_USES = re.compile(r"^\s*(?:-\s+)?uses:\s+([\w.-]+/[\w./-]+)@([0-9a-f]{40})\s+#\s+(v\d[\w.-]*)\s*$")


def load_workflow(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    # YAML 1.1 reads the key "on" as True
    data["on"] = data.pop(True, data.get("on"))
    return dict(data)


def all_uses(workflow: dict[str, Any]) -> list[str]:
    found = []
    for job in workflow["jobs"].values():
        if "uses" in job:
            found.append(job["uses"])
        found.extend(step["uses"] for step in job.get("steps", []) if "uses" in step)
    return found


def test_there_are_workflows_to_check() -> None:
    assert {p.name for p in WORKFLOWS} >= {"ci.yml", "deploy.yml"}


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_every_action_is_pinned_to_a_commit_with_its_tag_in_a_comment(path: Path) -> None:
    uses = [u for u in all_uses(load_workflow(path)) if not u.startswith(("./", "docker://"))]
    assert uses
    for use in uses:
        assert re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", use), f"{path.name}: {use} is not pinned to a commit"
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if re.match(r"^\s*(-\s+)?uses:", line)]
    assert len(lines) == len(uses)
    for line in lines:
        assert PINNED_USES.match(line), f"{path.name}: {line.strip()!r} needs '@<sha> # <tag>'"


def test_deploy_runs_only_after_ci_passed_for_the_same_commit() -> None:
    ci, deploy = (
        load_workflow(REPO_ROOT / ".github/workflows/ci.yml"),
        load_workflow(REPO_ROOT / ".github/workflows/deploy.yml"),
    )
    triggers = deploy["on"]
    assert "push" not in triggers, "a push would deploy in parallel with CI"
    run = triggers["workflow_run"]
    assert run["workflows"] == [ci["name"]] and run["types"] == ["completed"] and run["branches"] == ["main"]
    assert ci["on"]["push"]["branches"] == ["main"], "CI must run on the pushes that deploy"
    (job,) = deploy["jobs"].values()
    condition = re.sub(r"\s+", " ", job["if"])
    assert "github.event.workflow_run.conclusion == 'success'" in condition
    assert "github.event.workflow_run.event == 'push'" in condition, "a pull request's CI run must not deploy"
    assert "github.event.workflow_run.head_repository.full_name == github.repository" in condition
    # It deploys the commit CI tested, not whatever main points at when it starts.
    assert "github.event.workflow_run.head_sha" in job["env"]["COMMIT"]
    checkout = next(s for s in job["steps"] if s.get("uses", "").startswith("actions/checkout@"))
    assert checkout["with"]["ref"] == "${{ env.COMMIT }}"
    # A manual run deploys only a commit with a successful CI run, checked before anything else.
    gate = job["steps"][0]
    assert gate["if"] == "github.event_name == 'workflow_dispatch'"
    assert "gh run list" in gate["run"] and '--commit "$COMMIT"' in gate["run"] and "--status success" in gate["run"]
    assert "--workflow ci.yml" in gate["run"]
    assert job["permissions"]["actions"] == "read"


# Rules whose verdict depends on today's date (Lambda runtime deprecation schedules): `make lint` runs them against
# the real calendar; the suite runs at a fixed instant (tests/clock.py) and must not change verdict as time passes.
DATE_DEPENDENT_RULES = ["E2531", "E2533", "W2531"]


def cfn_lint(path: Path) -> list[Any]:
    from cfnlint.api import ManualArgs, lint_file

    config = ManualArgs(
        append_rules=["cfn_lint_serverless.rules"], regions=["us-east-1"], ignore_checks=DATE_DEPENDENT_RULES
    )
    return lint_file(path, config=config)


@pytest.mark.slow
def test_cfn_lint_with_serverless_rules_reports_no_errors() -> None:
    matches = cfn_lint(TEMPLATE_PATH)
    errors = [f"{m.rule.id} {m.message} (line {m.linenumber})" for m in matches if m.rule.id.startswith(("E", "ES"))]
    assert not errors, "\n".join(errors)


@pytest.mark.slow
def test_the_transformed_template_has_no_cycle_and_lints_clean(tmp_path: Path) -> None:
    # cfn-lint on template.yaml does not see the references SAM generates (an Api event's integration names
    # ${Function.Arn}): a cycle through them only shows after the transform, and CloudFormation refuses it.
    from pressroom_stack.deploy import transform_template

    packaged = load_template()
    for resource in resources_of("AWS::Serverless::Function"):
        packaged["Resources"][resource]["Properties"]["CodeUri"] = "s3://pressroom-artifacts/functions.zip"
    transformed = tmp_path / "transformed.json"
    transformed.write_text(json.dumps(transform_template(packaged, {"Stage": "dev", "PublicBaseUrl": ""})))
    ignored = set(TEMPLATE["Metadata"]["cfn-lint"]["config"]["ignore_checks"])  # the transform drops Metadata
    matches = [m for m in cfn_lint(transformed) if m.rule.id not in ignored]
    errors = [f"{m.rule.id} {m.message}" for m in matches if m.rule.id.startswith(("E", "ES"))]
    assert not errors, "\n".join(errors)


@pytest.mark.slow
def test_cfn_lint_serverless_rules_are_really_applied(tmp_path: Path) -> None:
    queue_without_redrive = tmp_path / "queue.yaml"
    queue_without_redrive.write_text("Resources:\n  Queue:\n    Type: AWS::SQS::Queue\n")
    assert "ES6000" in {m.rule.id for m in cfn_lint(queue_without_redrive)}
