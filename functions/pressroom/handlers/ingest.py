"""IngestFunction: an SQS batch of S3 notifications in, partial batch failures out."""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from pressroom.adapters.dynamodb_feed import DynamoDBFeed
from pressroom.adapters.s3_source import S3ArticleSource
from pressroom.config import IngestSettings
from pressroom.events import parse_notification
from pressroom.observability import logger, metrics, tracer
from pressroom.services import Ingest

processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)


@cache
def ingest_service() -> Ingest:
    """The composition root, built once per cold start."""
    settings = IngestSettings.from_env()
    return Ingest(source=S3ArticleSource(settings.bucket_name), store=DynamoDBFeed(settings.table_name))


@tracer.capture_method
def record_handler(record: SQSRecord) -> None:
    for event in parse_notification(record.body):
        logger.append_keys(object_key=event.key, event_name=event.event_name)
        try:
            result = ingest_service().handle(event)
            metrics.add_metric(name=result.outcome.value, unit=MetricUnit.Count, value=1)
            logger.info(
                f"{result.outcome.value}: {result.detail}" if result.detail else result.outcome.value,
                article_id=result.article_id,
                outcome=result.outcome.value,
            )
        except Exception:
            metrics.add_metric(name="transient_failure", unit=MetricUnit.Count, value=1)
            logger.exception("transient failure: the message goes back to the queue to be retried")
            raise
        finally:
            logger.remove_keys(["object_key", "event_name"])


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
