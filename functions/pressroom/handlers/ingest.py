"""IngestFunction: an SQS batch of S3 notifications in, partial batch failures out.

Every record ends in one of: an outcome (logged and counted), a failure to retry (an AWS fault: logged with the
key, the reason and the receive count, and counted), or *deferred* (not started because the invocation is about to
time out: reported as a batch item failure so it comes back, instead of the whole batch timing out).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from pressroom.adapters.dynamodb_feed import DynamoDBFeed
from pressroom.adapters.dynamodb_registry import DynamoDBRegistry
from pressroom.adapters.eventbridge_sink import EventBridgeSink
from pressroom.adapters.s3_source import S3ArticleSource
from pressroom.config import IngestSettings
from pressroom.events import NotAnS3Notification, parse_notification
from pressroom.observability import logger, metrics, tracer
from pressroom.ports import NoEvents
from pressroom.services import Ingest

RESERVE_MS = 8_000

processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


class Deferred(Exception):
    """Not started: too little of the invocation's time is left. SQS delivers the record again."""


@cache
def ingest_service() -> Ingest:
    """The composition root, built once per cold start."""
    settings = IngestSettings.from_env()
    return Ingest(
        source=S3ArticleSource(settings.bucket_name),
        store=DynamoDBFeed(settings.table_name),
        events=EventBridgeSink(settings.event_bus_name) if settings.event_bus_name else NoEvents(),
        base_url=settings.public_base_url,
        registry=DynamoDBRegistry(settings.table_name),
    )


def _failed(kind: str, record: SQSRecord, reason: str, **keys: Any) -> None:
    metrics.add_metric(name=kind, unit=MetricUnit.Count, value=1)
    logger.error(
        f"{kind}: {reason}",
        outcome=kind,
        message_id=record.message_id,
        receive_count=int(record.attributes.approximate_receive_count or 0),
        **keys,
    )


@tracer.capture_method
def record_handler(record: SQSRecord, lambda_context: LambdaContext | None = None) -> None:
    if lambda_context is not None and lambda_context.get_remaining_time_in_millis() < RESERVE_MS:
        _failed("deferred", record, "too little time left in this invocation; the message comes back")
        raise Deferred(record.message_id)
    try:
        events = parse_notification(record.body)
    except NotAnS3Notification as e:
        _failed("poison_message", record, str(e))
        raise
    for event in events:
        logger.append_keys(object_key=event.key, event_name=event.event_name)
        try:
            result = ingest_service().handle(event)
        except Exception as e:
            _failed("transient_failure", record, f"{type(e).__name__}: {e}; the message goes back to be retried")
            raise
        finally:
            logger.remove_keys(["object_key", "event_name"])
        metrics.add_metric(name=result.outcome.value, unit=MetricUnit.Count, value=1)
        logger.info(
            f"{result.outcome.value}: {result.detail}" if result.detail else result.outcome.value,
            object_key=event.key,
            article_id=result.article_id,
            outcome=result.outcome.value,
        )


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
