"""What moto's CloudFormation leaves out, filled in from the template's own definitions.

moto creates most of the stack but skips some resource types (bucket and queue policies, alarms, API stages …)
and some properties of the types it does create (bucket notifications, public access block, table TTL …).
:func:`apply_gaps` walks the transformed template after ``CreateStack`` and applies each of them through the
ordinary AWS APIs, with the intrinsic functions resolved the way moto resolved the rest of the stack. Every gap
yields one :class:`Gap` line for the start-up report, applied or not (and then why not).

:func:`install_moto_extensions` teaches moto's SQS the dead-letter queue redrive (``StartMessageMoveTask``,
``ListMessageMoveTasks``), which moto lacks (a ``500``), and moto's CloudFormation what it needs while it creates
the stack, so that the resources depending on it come out right: ``AWS::ApiGateway::RestApi`` imports its OpenAPI
``Body`` (the routes SAM generates; without them moto refuses the API's deployment),
``AWS::SecretsManager::Secret`` is created (with ``GenerateSecretString`` honoured), dynamic references
(``{{resolve:secretsmanager:…}}``, ``{{resolve:ssm:…}}``) are resolved in resource properties, which moto
otherwise passes on literally, and the CloudFront distribution and its policies get stand-ins (ids and a
``*.cloudfront.net`` domain for ``Ref`` and ``GetAtt``; nothing caches locally). It must run in the process that
hosts moto (``mock_aws`` or ``ThreadedMotoServer``), before the stack is created; :func:`apply_gaps` reports what
it did.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any, ClassVar

import boto3

DEFAULT_ACCOUNT_ID = "123456789012"

# Resource types that moto's CloudFormation (5.x) does not create at all; the deploy rehearsal asserts this list
# against moto's own model map so it cannot go stale.
TYPES_MOTO_CANNOT_CREATE = frozenset(
    {
        "AWS::S3::BucketPolicy",
        "AWS::SQS::QueuePolicy",
        "AWS::CloudWatch::Alarm",
        "AWS::ApiGateway::Stage",
        "AWS::ApiGateway::Account",
        "AWS::SNS::Subscription",
    }
)

# Resource types that moto's CloudFormation lacks and :func:`install_moto_extensions` teaches it to create; the
# deploy rehearsal checks that moto still lacks them (then the extension can go).
# CloudFront types and the attributes their stand-ins answer to GetAtt.
CDN_STAND_INS: dict[str, tuple[str, ...]] = {
    "AWS::CloudFront::Distribution": ("Id", "DomainName"),
    "AWS::CloudFront::CachePolicy": ("Id",),
    "AWS::CloudFront::OriginRequestPolicy": ("Id",),
    "AWS::CloudFront::ResponseHeadersPolicy": ("Id",),
}
TYPES_THE_EXTENSIONS_CREATE = frozenset({"AWS::SecretsManager::Secret", *CDN_STAND_INS})

_DYNAMIC_REFERENCE = re.compile(r"\{\{resolve:(secretsmanager|ssm|ssm-secure):([^}]+)\}\}")
_REFERENCE_START = re.compile(r"\{\{resolve:([\w-]+):")
_ARN_PARTS = 7  # arn:partition:service:region:account:resource-type:resource-id


@dataclass(frozen=True)
class Gap:
    """One thing moto's CloudFormation skipped, and what the local stack did about it."""

    logical_id: str
    what: str
    applied: bool
    detail: str

    def __str__(self) -> str:
        state = "applied" if self.applied else "not emulated"
        return f"{self.logical_id} {self.what}: {state} - {self.detail}"


@dataclass(frozen=True)
class _Context:
    clients: Callable[[str], Any]
    resolve: Callable[[Any], Any]
    physical_id: Callable[[str], str]
    point_outputs_at: Callable[[str, str], list[str]]
    """Set the stack's outputs that name a resource (logical id) to a value; returns their names."""
    local_api_url: str | None


_Applier = Callable[[str, dict[str, Any], _Context], Gap]


# ---------------------------------------------------------------------------------------------- moto extension


def install_moto_extensions() -> None:
    """Make moto's CloudFormation import ``AWS::ApiGateway::RestApi`` ``Body`` routes, create
    ``AWS::SecretsManager::Secret``, resolve dynamic references, stand in for CloudFront and ``Ref`` an
    ``AWS::Events::EventBus`` to its name (moto returns the bus object, which breaks every resource that refers to it)
    (idempotent); teach moto's SQS to move messages out of dead-letter queues."""
    _install_message_move_tasks()
    _install_rest_api_body_import()
    _install_secret_model()
    _install_dynamic_references()
    _install_cdn_stand_ins()
    _install_event_bus_ref()


MOVE_TASKS_DETAIL = (
    "StartMessageMoveTask / ListMessageMoveTasks by the local stack's moto extension: a task moves every visible "
    "message at once (re-sent with its body and message attributes, new id and receive count, as SQS's redrive "
    "does) and is COMPLETED when the call returns; MaxNumberOfMessagesPerSecond and CancelMessageMoveTask are not "
    "emulated"
)


def _install_message_move_tasks() -> None:
    from moto.sqs.responses import SQSResponse

    if getattr(SQSResponse, "_pressroom_move_tasks", False):
        return
    SQSResponse.start_message_move_task = _start_message_move_task  # type: ignore[attr-defined]
    SQSResponse.list_message_move_tasks = _list_message_move_tasks  # type: ignore[attr-defined]
    SQSResponse._pressroom_move_tasks = True  # type: ignore[attr-defined]


def _queue_of_arn(arn: str) -> Any:
    from moto.sqs.exceptions import QueueDoesNotExist
    from moto.sqs.models import sqs_backends

    parts = arn.split(":")
    if len(parts) != 6 or parts[2] != "sqs":
        raise QueueDoesNotExist()
    return sqs_backends[parts[4]][parts[3]].get_queue(parts[5])


def _start_message_move_task(self: Any) -> Any:
    """Move every visible message of the dead-letter queue ``SourceArn`` to ``DestinationArn`` (default: the
    queue whose redrive policy names it, as SQS redrives to the source queue)."""
    import time
    import uuid

    from moto.core.responses import ActionResult
    from moto.sqs.exceptions import InvalidParameterValue
    from moto.sqs.models import sqs_backends

    source_arn, destination_arn = self._get_param("SourceArn"), self._get_param("DestinationArn")
    source = _queue_of_arn(source_arn)
    backend = sqs_backends[source.account_id][source.region]
    sources = [q for q in backend.queues.values() if q.dead_letter_queue is source]
    if not sources:
        raise InvalidParameterValue("Source queue must be configured as a Dead Letter Queue.")
    tasks = backend.__dict__.setdefault("_pressroom_move_tasks", {}).setdefault(source_arn, [])
    if destination_arn:
        destination = _queue_of_arn(destination_arn)
    elif len(sources) == 1:
        destination = sources[0]
    else:
        raise InvalidParameterValue("The local stack redrives to one source queue only: pass DestinationArn.")
    started = int(time.time() * 1000)
    moving = list(source.messages)
    for message in moving:
        backend.send_message(destination.name, message.body, message_attributes=message.message_attributes)
        source._messages.remove(message)
    handle = str(uuid.uuid4())
    task = {
        "Status": "COMPLETED",
        "SourceArn": source_arn,
        "ApproximateNumberOfMessagesMoved": len(moving),
        "ApproximateNumberOfMessagesToMove": len(moving),
        "StartedTimestamp": started,
    }
    tasks.insert(0, {**task, **({"DestinationArn": destination_arn} if destination_arn else {})})
    return ActionResult({"TaskHandle": handle})


def _list_message_move_tasks(self: Any) -> Any:
    from moto.core.responses import ActionResult
    from moto.sqs.models import sqs_backends

    source_arn = self._get_param("SourceArn")
    source = _queue_of_arn(source_arn)
    tasks = sqs_backends[source.account_id][source.region].__dict__.get("_pressroom_move_tasks", {})
    limit = int(self._get_param("MaxResults") or 1)
    return ActionResult({"Results": tasks.get(source_arn, [])[:limit]})


def _install_event_bus_ref() -> None:
    from moto.events import models as events

    if "physical_resource_id" not in vars(events.EventBus):
        events.EventBus.physical_resource_id = property(lambda bus: bus.name)  # type: ignore[attr-defined]


def _install_rest_api_body_import() -> None:
    from moto.apigateway import models as apigw

    if getattr(apigw.RestAPI, "_pressroom_body_import", False):
        return
    original = apigw.RestAPI.create_from_cloudformation_json.__func__  # type: ignore[attr-defined]

    def create_with_body(
        cls: type, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str, **kw: Any
    ) -> Any:
        api = original(cls, resource_name, cloudformation_json, account_id, region_name, **kw)
        body = cloudformation_json.get("Properties", {}).get("Body")
        if isinstance(body, dict):
            _import_openapi_routes(apigw.apigateway_backends[account_id][region_name], api.id, body)
        return api

    apigw.RestAPI.create_from_cloudformation_json = classmethod(create_with_body)  # type: ignore[method-assign,assignment]
    apigw.RestAPI._pressroom_body_import = True  # type: ignore[attr-defined]


def _install_secret_model() -> None:
    """Register an ``AWS::SecretsManager::Secret`` model with moto's CloudFormation (Ref and ``Id``: the ARN)."""
    from moto.cloudformation import parsing
    from moto.core.common_models import CloudFormationModel

    if "AWS::SecretsManager::Secret" in parsing.get_model_map():
        return

    class StackSecret(CloudFormationModel):
        """Created like CloudFormation does; updates keep the value, as they do unless the generator changes."""

        def __init__(self, arn: str) -> None:
            self.arn = arn
            self.physical_resource_id = arn

        @staticmethod
        def cloudformation_name_type() -> str:
            return "Name"

        @staticmethod
        def cloudformation_type() -> str:
            return "AWS::SecretsManager::Secret"

        @classmethod
        def has_cfn_attr(cls, attr: str) -> bool:
            return attr == "Id"

        def get_cfn_attribute(self, attribute_name: str) -> str:
            return {"Id": self.arn}[attribute_name]

        @classmethod
        def create_from_cloudformation_json(
            cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str, **kw: Any
        ) -> StackSecret:
            props = cloudformation_json.get("Properties", {})
            return cls(_create_secret(resource_name, props, account_id, region_name))

        @classmethod
        def update_from_cloudformation_json(cls, original_resource: StackSecret, *args: Any, **kw: Any) -> StackSecret:
            return original_resource

        def delete(self, account_id: str, region_name: str) -> None:
            from moto.secretsmanager.models import secretsmanager_backends

            secretsmanager_backends[account_id][region_name].delete_secret(self.arn, None, True)

    for cached in (parsing.get_model_list, parsing.get_model_map, parsing.get_name_type_map):
        cached.cache_clear()


class _CdnStandIn:
    """``Ref`` and ``GetAtt`` of a CloudFront resource, derived from its stack and logical id; nothing is created."""

    cfn_type: ClassVar[str]

    def __init__(self, stack_id: str, logical_id: str) -> None:
        digest = hashlib.sha256(f"{stack_id}/{logical_id}".encode()).hexdigest()
        distribution = self.cfn_type == "AWS::CloudFront::Distribution"
        self.id = "E" + digest[:13].upper() if distribution else str(uuid.UUID(digest[:32]))
        self.physical_resource_id = self.id
        self.domain_name = f"d{digest[13:26]}.cloudfront.net"

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in CDN_STAND_INS[cls.cfn_type]

    def get_cfn_attribute(self, attribute_name: str) -> str:
        if not self.has_cfn_attr(attribute_name):
            raise KeyError(f"{self.cfn_type} has no attribute {attribute_name}")
        return self.domain_name if attribute_name == "DomainName" else self.id

    @classmethod
    def create_from_cloudformation_json(
        cls, resource_name: str, cloudformation_json: dict[str, Any], account_id: str, region_name: str, **kw: Any
    ) -> _CdnStandIn:
        return cls(str(kw.get("StackId", "")), str(kw.get("LogicalId", resource_name)))

    @classmethod
    def update_from_cloudformation_json(cls, original_resource: _CdnStandIn, *args: Any, **kw: Any) -> _CdnStandIn:
        return original_resource

    @classmethod
    def delete_from_cloudformation_json(cls, *args: Any, **kw: Any) -> None:
        return None

    def delete(self, account_id: str, region_name: str) -> None:
        return None

    def is_created(self) -> bool:
        return True


# moto finds models among CloudFormationModel's direct subclasses, which it holds weakly: these keep them alive.
_STAND_IN_MODELS: dict[str, type] = {}


def _install_cdn_stand_ins() -> None:
    from moto.cloudformation import parsing
    from moto.core.common_models import CloudFormationModel

    known = parsing.get_model_map()
    for cfn_type in CDN_STAND_INS:
        if cfn_type in known:
            continue
        name = "Local" + cfn_type.rsplit("::", 1)[1]
        _STAND_IN_MODELS[cfn_type] = type(
            name,
            (_CdnStandIn, CloudFormationModel),
            {"__module__": __name__, "cfn_type": cfn_type, "cloudformation_type": staticmethod(lambda t=cfn_type: t)},
        )
    for cached in (parsing.get_model_list, parsing.get_model_map, parsing.get_name_type_map):
        cached.cache_clear()


def _create_secret(name: str, props: Mapping[str, Any], account_id: str, region: str) -> str:
    """Create secret ``name`` from its template properties in moto; returns its ARN."""
    from moto.secretsmanager.models import secretsmanager_backends

    backend = secretsmanager_backends[account_id][region]
    value = props.get("SecretString") or _generated_secret(backend, props.get("GenerateSecretString", {}))
    created = backend.create_secret(
        name=name,
        secret_string=value,
        secret_binary=None,
        description=props.get("Description"),
        tags=props.get("Tags"),
        kms_key_id=props.get("KmsKeyId"),
        client_request_token=None,
        replica_regions=[],
        force_overwrite=False,
    )
    return str(json.loads(created)["ARN"])


def _flag(spec: Mapping[str, Any], name: str, default: bool = False) -> bool:
    value = spec.get(name, default)
    return value if isinstance(value, bool) else str(value).lower() == "true"


def _generated_secret(backend: Any, spec: Mapping[str, Any]) -> str:
    """A value generated the way ``GenerateSecretString`` asks (defaults as in CloudFormation)."""
    password = json.loads(
        backend.get_random_password(
            password_length=int(spec.get("PasswordLength", 32)),
            exclude_characters=spec.get("ExcludeCharacters", ""),
            exclude_numbers=_flag(spec, "ExcludeNumbers"),
            exclude_punctuation=_flag(spec, "ExcludePunctuation"),
            exclude_uppercase=_flag(spec, "ExcludeUppercase"),
            exclude_lowercase=_flag(spec, "ExcludeLowercase"),
            include_space=_flag(spec, "IncludeSpace"),
            require_each_included_type=_flag(spec, "RequireEachIncludedType", True),
        )
    )["RandomPassword"]
    if "SecretStringTemplate" not in spec:
        return str(password)
    document = json.loads(spec["SecretStringTemplate"])
    document[spec["GenerateStringKey"]] = password
    return json.dumps(document)


def _install_dynamic_references() -> None:
    """Resolve dynamic references in every resource's properties once moto has resolved its intrinsic functions."""
    from moto.cloudformation import parsing

    if getattr(parsing, "_pressroom_dynamic_references", False):
        return
    original = parsing.parse_resource

    def parse_resource_resolving_references(resource_json: dict[str, Any], resources_map: Any) -> Any:
        parsed = original(resource_json, resources_map)
        if not parsed:
            return parsed
        resource_class, cleaned, resource_type = parsed
        account_id, region = resources_map["AWS::AccountId"], resources_map["AWS::Region"]
        return resource_class, resolve_dynamic_references(cleaned, account_id, region), resource_type

    parsing.parse_resource = parse_resource_resolving_references
    parsing._pressroom_dynamic_references = True  # type: ignore[attr-defined]


def _dynamic_references_installed() -> bool:
    from moto.cloudformation import parsing

    return bool(getattr(parsing, "_pressroom_dynamic_references", False))


def resolve_dynamic_references(value: Any, account_id: str, region: str) -> Any:
    """``value`` with every ``{{resolve:secretsmanager:…}}`` and ``{{resolve:ssm:…}}`` (or ``ssm-secure``) replaced
    by the value moto holds, as CloudFormation does at deploy time; a missing secret or parameter raises."""
    if isinstance(value, dict):
        return {k: resolve_dynamic_references(v, account_id, region) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve_dynamic_references(v, account_id, region) for v in value]
    if isinstance(value, str) and "{{resolve:" in value:
        return _DYNAMIC_REFERENCE.sub(lambda m: _referenced_value(m.group(1), m.group(2), account_id, region), value)
    return value


def _referenced_value(service: str, reference: str, account_id: str, region: str) -> str:
    if service != "secretsmanager":
        from moto.ssm.models import ssm_backends

        name, _, version = reference.partition(":")
        parameter = ssm_backends[account_id][region].get_parameter(f"{name}:{version}" if version else name)
        if parameter is None:
            raise ValueError(f"dynamic reference to a missing SSM parameter {name!r}")
        return str(parameter.value)
    from moto.secretsmanager.models import secretsmanager_backends

    # secret-id:SecretString:json-key:version-stage:version-id, where secret-id may be an ARN (with colons).
    parts = reference.split(":")
    split = _ARN_PARTS if reference.startswith("arn:") else 1
    secret_id = ":".join(parts[:split])
    _, json_key, stage, version = (parts[split:] + ["", "", "", ""])[:4]
    secret = secretsmanager_backends[account_id][region].get_secret_value(secret_id, version, stage)
    text = str(secret["SecretString"])
    return str(json.loads(text)[json_key]) if json_key else text


def _import_openapi_routes(backend: Any, api_id: str, body: dict[str, Any]) -> None:
    api = backend.get_rest_api(api_id)
    for path, operations in sorted(body.get("paths", {}).items()):
        resource = api.get_resource_for_path("/")
        prefix = ""
        for part in [p for p in path.split("/") if p]:
            prefix += "/" + part
            resource = api.get_resource_for_path(prefix) or backend.create_resource(api_id, resource.id, part)
        for verb, operation in operations.items():
            method = "ANY" if verb == "x-amazon-apigateway-any-method" else verb.upper()
            backend.put_method(api_id, resource.id, method, "NONE")
            integration = operation.get("x-amazon-apigateway-integration")
            if integration:
                backend.put_integration(
                    function_id=api_id,
                    resource_id=resource.id,
                    method_type=method,
                    integration_type=integration.get("type", "aws_proxy").upper(),
                    uri=integration.get("uri"),
                    integration_method=integration.get("httpMethod", "POST"),
                )


# ---------------------------------------------------------------------------------------------- gap appliers


def _over_plain_http(document: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """``document`` without the statements that deny requests made without TLS: the local endpoint is plain HTTP
    and moto enforces bucket policies, so they would deny everything. Returns the dropped statements' Sids."""
    statements = document.get("Statement", [])
    statements = statements if isinstance(statements, list) else [statements]
    kept, dropped = [], []
    for statement in statements:
        condition = json.dumps(statement.get("Condition", {}))
        if statement.get("Effect") == "Deny" and "aws:SecureTransport" in condition:
            dropped.append(statement.get("Sid", "unnamed"))
        else:
            kept.append(statement)
    return {**document, "Statement": kept}, dropped


def _dropped_note(dropped: list[str]) -> str:
    return f"; without {', '.join(dropped)} (the local endpoint is plain HTTP)" if dropped else ""


def _bucket_policy(logical_id: str, props: dict[str, Any], ctx: _Context) -> Gap:
    document, dropped = _over_plain_http(props["PolicyDocument"])
    if not document["Statement"]:
        return Gap(logical_id, "AWS::S3::BucketPolicy", False, "only TLS-only statements; the local endpoint is HTTP")
    ctx.clients("s3").put_bucket_policy(Bucket=props["Bucket"], Policy=json.dumps(document))
    return Gap(
        logical_id, "AWS::S3::BucketPolicy", True, f"PutBucketPolicy on {props['Bucket']}{_dropped_note(dropped)}"
    )


def _queue_policy(logical_id: str, props: dict[str, Any], ctx: _Context) -> Gap:
    document, dropped = _over_plain_http(props["PolicyDocument"])
    names = ", ".join(url.rsplit("/", 1)[-1] for url in props["Queues"])
    if not document["Statement"]:
        return Gap(logical_id, "AWS::SQS::QueuePolicy", False, "only TLS-only statements; the local endpoint is HTTP")
    sqs = ctx.clients("sqs")
    for queue_url in props["Queues"]:
        sqs.set_queue_attributes(QueueUrl=queue_url, Attributes={"Policy": json.dumps(document)})
    return Gap(
        logical_id, "AWS::SQS::QueuePolicy", True, f"SetQueueAttributes Policy on {names}{_dropped_note(dropped)}"
    )


def _alarm(logical_id: str, props: dict[str, Any], ctx: _Context) -> Gap:
    args = {k: v for k, v in props.items() if k != "AlarmName"}
    args["AlarmName"] = props.get("AlarmName", logical_id)
    for numeric in ("Period", "EvaluationPeriods", "DatapointsToAlarm"):
        if numeric in args:
            args[numeric] = int(args[numeric])
    args["Threshold"] = float(args.get("Threshold", 0))
    ctx.clients("cloudwatch").put_metric_alarm(**args)
    return Gap(logical_id, "AWS::CloudWatch::Alarm", True, f"PutMetricAlarm {args['AlarmName']} (not evaluated)")


def _api_stage(logical_id: str, props: dict[str, Any], ctx: _Context) -> Gap:
    apigw = ctx.clients("apigateway")
    apigw.create_stage(
        restApiId=props["RestApiId"],
        stageName=props["StageName"],
        deploymentId=props["DeploymentId"],
        tracingEnabled=bool(props.get("TracingEnabled", False)),
        variables=props.get("Variables", {}),
    )
    return Gap(
        logical_id,
        "AWS::ApiGateway::Stage",
        True,
        f"CreateStage {props['StageName']}; throttling and access logs are not emulated by the local API",
    )


def _event_source_mapping(logical_id: str, props: dict[str, Any], ctx: _Context) -> Gap:
    ctx.clients("lambda").update_event_source_mapping(UUID=ctx.physical_id(logical_id), Enabled=False)
    return Gap(
        logical_id,
        "AWS::Lambda::EventSourceMapping",
        True,
        "disabled in moto (it would run the function in Docker); the local poller runs it in-process "
        f"with this mapping's settings (BatchSize {props.get('BatchSize', 10)})",
    )


def _api_account(logical_id: str, props: dict[str, Any], ctx: _Context) -> Gap:
    return Gap(logical_id, "AWS::ApiGateway::Account", False, "account-wide logging role; no local effect")


def _secret(logical_id: str, props: dict[str, Any], ctx: _Context) -> Gap:
    created = bool(ctx.physical_id(logical_id))
    how = "GenerateSecretString" if "GenerateSecretString" in props else "SecretString"
    detail = (
        f"created by the local stack's moto extension, value from {how}"
        if created
        else "not created: install_moto_extensions() must run before CreateStack"
    )
    return Gap(logical_id, "AWS::SecretsManager::Secret", created, detail)


def _dynamic_reference_gap(logical_id: str, resource: Mapping[str, Any]) -> Gap | None:
    # Before moto resolves intrinsic functions a reference may still hold ${...}, so only its start is matched.
    services = sorted(set(_REFERENCE_START.findall(json.dumps(resource.get("Properties", {})))))
    if not services:
        return None
    kinds = ", ".join(f"{{{{resolve:{service}:…}}}}" for service in services)
    if _dynamic_references_installed():
        return Gap(logical_id, "dynamic reference", True, f"{kinds} resolved at CreateStack by the moto extension")
    return Gap(logical_id, "dynamic reference", False, f"{kinds} passed on literally by moto (no extension)")


def _distribution(logical_id: str, props: dict[str, Any], ctx: _Context) -> Gap:
    rtype = "AWS::CloudFront::Distribution"
    if ctx.local_api_url is None:
        return Gap(logical_id, rtype, False, "no CDN locally: a stand-in domain that nothing serves")
    named = ctx.point_outputs_at(logical_id, ctx.local_api_url)
    outputs = f"; output {', '.join(named)} names it" if named else ""
    return Gap(logical_id, rtype, False, f"no CDN locally: readers use the local API {ctx.local_api_url}{outputs}")


def _cdn_policy(rtype: str) -> _Applier:
    def not_emulated(logical_id: str, props: dict[str, Any], ctx: _Context) -> Gap:
        return Gap(logical_id, rtype, False, "no CDN locally: the local API answers every request, uncached")

    return not_emulated


def _gaps_beyond_cloudformation(logical_id: str, resource: Mapping[str, Any]) -> list[Gap]:
    """Dynamic references in the resource, and the dead-letter redrive of a queue with a ``RedrivePolicy``."""
    from moto.sqs.responses import SQSResponse

    gaps = [gap] if (gap := _dynamic_reference_gap(logical_id, resource)) else []
    if resource["Type"] == "AWS::SQS::Queue" and "RedrivePolicy" in resource.get("Properties", {}):
        installed = bool(getattr(SQSResponse, "_pressroom_move_tasks", False))
        detail = MOVE_TASKS_DETAIL if installed else "moto has no StartMessageMoveTask (install_moto_extensions())"
        gaps.append(Gap(logical_id, "redrive from its dead-letter queue", installed, detail))
    return gaps


def _subscription(logical_id: str, props: dict[str, Any], ctx: _Context) -> Gap:
    ctx.clients("sns").subscribe(TopicArn=props["TopicArn"], Protocol=props["Protocol"], Endpoint=props["Endpoint"])
    return Gap(logical_id, "AWS::SNS::Subscription", True, f"Subscribe {props['Protocol']} (nothing is delivered)")


# Event source mappings come first: moto would start invoking as soon as a notification reaches the queue.
_TYPE_APPLIERS: dict[str, _Applier] = {
    "AWS::Lambda::EventSourceMapping": _event_source_mapping,
    "AWS::S3::BucketPolicy": _bucket_policy,
    "AWS::SQS::QueuePolicy": _queue_policy,
    "AWS::CloudWatch::Alarm": _alarm,
    "AWS::ApiGateway::Stage": _api_stage,
    "AWS::ApiGateway::Account": _api_account,
    "AWS::SNS::Subscription": _subscription,
    "AWS::SecretsManager::Secret": _secret,
    "AWS::CloudFront::Distribution": _distribution,
    **{t: _cdn_policy(t) for t in CDN_STAND_INS if t != "AWS::CloudFront::Distribution"},
}


def _bucket_notifications(bucket: str, value: dict[str, Any], ctx: _Context) -> str:
    def filter_rules(entry: dict[str, Any]) -> dict[str, Any]:
        rules = entry.get("Filter", {}).get("S3Key", {}).get("Rules", [])
        return {"Filter": {"Key": {"FilterRules": rules}}} if rules else {}

    config = {
        "QueueConfigurations": [
            {"QueueArn": q["Queue"], "Events": [q["Event"]], **filter_rules(q)}
            for q in value.get("QueueConfigurations", [])
        ],
        "TopicConfigurations": [
            {"TopicArn": t["Topic"], "Events": [t["Event"]], **filter_rules(t)}
            for t in value.get("TopicConfigurations", [])
        ],
        "LambdaFunctionConfigurations": [
            {"LambdaFunctionArn": f["Function"], "Events": [f["Event"]], **filter_rules(f)}
            for f in value.get("LambdaConfigurations", [])
        ],
    }
    ctx.clients("s3").put_bucket_notification_configuration(
        Bucket=bucket, NotificationConfiguration={k: v for k, v in config.items() if v}
    )
    events = sorted({e for group in config.values() for entry in group for e in entry["Events"]})
    return f"PutBucketNotificationConfiguration ({', '.join(events)})"


def _public_access_block(bucket: str, value: dict[str, Any], ctx: _Context) -> str:
    ctx.clients("s3").put_public_access_block(
        Bucket=bucket, PublicAccessBlockConfiguration={k: bool(v) for k, v in value.items()}
    )
    return "PutPublicAccessBlock"


def _ownership(bucket: str, value: dict[str, Any], ctx: _Context) -> str:
    ctx.clients("s3").put_bucket_ownership_controls(Bucket=bucket, OwnershipControls=value)
    return "PutBucketOwnershipControls"


def _ttl(table: str, value: dict[str, Any], ctx: _Context) -> str:
    spec = {"AttributeName": value["AttributeName"], "Enabled": bool(value.get("Enabled", True))}
    ctx.clients("dynamodb").update_time_to_live(TableName=table, TimeToLiveSpecification=spec)
    return f"UpdateTimeToLive on {value['AttributeName']!r} (moto stores it, never expires items)"


def _pitr(table: str, value: dict[str, Any], ctx: _Context) -> str:
    enabled = bool(value.get("PointInTimeRecoveryEnabled", False))
    ctx.clients("dynamodb").update_continuous_backups(
        TableName=table, PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": enabled}
    )
    return "UpdateContinuousBackups"


def _key_policy(key_id: str, value: dict[str, Any], ctx: _Context) -> str:
    ctx.clients("kms").put_key_policy(KeyId=key_id, PolicyName="default", Policy=json.dumps(value))
    return "PutKeyPolicy (moto keeps a template's KeyPolicy as an object, which fails every KMS call on the key)"


def _point_outputs_at(stack: Any, transformed: Mapping[str, Any], logical_id: str, value: str) -> list[str]:
    """Set the outputs of moto's ``stack`` whose template value names ``logical_id`` to ``value``; their names."""
    outputs = transformed.get("Outputs", {})
    named = sorted(key for key, output in outputs.items() if logical_id in _referenced_ids(output.get("Value")))
    for key in named:
        if (output := stack.output_map[key]) is not None:
            output.value = value
    return named


def _referenced_ids(value: Any) -> set[str]:
    """Logical ids that ``value`` names through ``Ref``, ``Fn::GetAtt`` or ``${…}`` in ``Fn::Sub``."""
    text = json.dumps(value)
    found = set(re.findall(r'"Ref": "([^"]+)"', text)) | set(re.findall(r'"Fn::GetAtt": \["([^"]+)"', text))
    return found | {name.split(".")[0] for name in re.findall(r"\$\{([^}!]+)\}", text)}


def _plain(value: Any) -> Any:
    """Resolved template data with moto models (a ``Ref`` to a type without a physical id) replaced by their id."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(getattr(value, "physical_resource_id", None) or value.id)


_PropertyApplier = Callable[[str, Any, _Context], str]
_NOT_EMULATED = "not emulated"

# (type, property) -> applier, or the reason it is not applied locally.
_PROPERTY_GAPS: dict[tuple[str, str], _PropertyApplier | str] = {
    ("AWS::S3::Bucket", "NotificationConfiguration"): _bucket_notifications,
    ("AWS::S3::Bucket", "PublicAccessBlockConfiguration"): _public_access_block,
    ("AWS::S3::Bucket", "OwnershipControls"): _ownership,
    ("AWS::S3::Bucket", "VersioningConfiguration"): (
        "moto sends no ObjectRemoved event for deletes in a versioned bucket (AWS sends DeleteMarkerCreated), "
        "so the local bucket stays unversioned and deletes notify as ObjectRemoved:Delete"
    ),
    ("AWS::S3::Bucket", "LifecycleConfiguration"): "lifecycle rules never run locally",
    ("AWS::KMS::Key", "KeyPolicy"): _key_policy,
    ("AWS::DynamoDB::Table", "TimeToLiveSpecification"): _ttl,
    ("AWS::DynamoDB::Table", "PointInTimeRecoverySpecification"): _pitr,
    ("AWS::Lambda::Function", "TracingConfig"): "no X-Ray locally: Lambda's own tracing has no local counterpart",
    ("AWS::Lambda::Function", "Architectures"): "functions run in-process on the host's Python and CPU",
}


def apply_gaps(
    transformed: Mapping[str, Any],
    stack_name: str,
    *,
    session: boto3.Session,
    endpoint_url: str | None = None,
    region: str = "us-east-1",
    account_id: str = DEFAULT_ACCOUNT_ID,
    local_api_url: str | None = None,
) -> list[Gap]:
    """Apply what moto's CloudFormation skipped for stack ``stack_name`` created from ``transformed``.

    With ``local_api_url`` (where the local stack serves the API), the outputs that name the CloudFront
    distribution (``CdnUrl``) are set to it: there is no CDN locally. Must run in the process hosting moto:
    intrinsic functions are resolved with moto's own resource map, and outputs are set in moto's stack.
    """
    from moto.cloudformation.models import cloudformation_backends
    from moto.cloudformation.parsing import clean_json

    stack = cloudformation_backends[account_id][region].get_stack(stack_name)
    resource_map = stack.resource_map
    cache: dict[str, Any] = {}

    def clients(service: str) -> Any:
        if service not in cache:
            cache[service] = session.client(service, region_name=region, endpoint_url=endpoint_url)  # type: ignore[call-overload]
        return cache[service]

    def physical_id(logical_id: str) -> str:
        return str(getattr(resource_map[logical_id], "physical_resource_id", ""))

    def resolve(value: Any) -> Any:
        return _plain(clean_json(value, resource_map))

    ctx = _Context(clients, resolve, physical_id, partial(_point_outputs_at, stack, transformed), local_api_url)
    gaps: list[Gap] = []
    order = list(_TYPE_APPLIERS)
    resources = sorted(
        transformed["Resources"].items(),
        key=lambda item: order.index(item[1]["Type"]) if item[1]["Type"] in order[:1] else len(order),
    )
    for logical_id, resource in resources:
        condition = resource.get("Condition")
        if condition and not resource_map.lazy_condition_map[condition]:
            continue
        rtype = resource["Type"]
        gaps.extend(_gaps_beyond_cloudformation(logical_id, resource))
        if rtype in _TYPE_APPLIERS:
            props = ctx.resolve(resource.get("Properties", {}))
            gaps.append(_TYPE_APPLIERS[rtype](logical_id, props, ctx))
            continue
        for (gap_type, prop), applier in _PROPERTY_GAPS.items():
            if gap_type != rtype or prop not in resource.get("Properties", {}):
                continue
            what = f"{rtype}.{prop}"
            if isinstance(applier, str):
                gaps.append(Gap(logical_id, what, False, applier))
            else:
                detail = applier(physical_id(logical_id), ctx.resolve(resource["Properties"][prop]), ctx)
                gaps.append(Gap(logical_id, what, True, detail))
    return gaps
