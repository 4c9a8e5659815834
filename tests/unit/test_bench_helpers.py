"""The arithmetic of the benchmarks' cost model and read/write units, and the RESULTS.md writer (no moto runs)."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.stub import Stubber

from bench import cost
from bench.__main__ import Section, machine, render
from bench.aws_calls import CallCounter, item_size, write_units
from bench.naive import scan_read_units


def _item(size: int) -> dict:
    """An item of exactly ``size`` bytes (names and string values count by their UTF-8 length)."""
    return {"pk": {"S": "x" * (size - 2)}}


def test_item_size_counts_names_and_values():
    assert item_size(_item(1500)) == 1500
    assert item_size({"n": {"N": "1"}, "b": {"BOOL": True}}) == 1 + 2 + 1 + 1
    assert item_size({"n": {"N": "-1234.500"}}) == 1 + 3 + 1  # significant digits 12345, two a byte, plus one


def test_a_write_bills_the_larger_of_the_item_before_and_after():
    assert write_units(_item(100), transactional=False, before=_item(2100)) == 3  # an overwrite that shrinks it
    assert write_units(None, transactional=False, before=_item(1500)) == 2  # a delete: the item deleted
    assert write_units(None, transactional=False) == 1  # deleting nothing still costs a unit
    assert write_units(_item(1500), transactional=True, before=_item(10)) == 4


def test_write_units_round_up_per_kilobyte_and_transactions_count_double():
    assert write_units(_item(1024), transactional=False) == 1
    assert write_units(_item(1025), transactional=False) == 2
    assert write_units(_item(1025), transactional=True) == 4


def test_call_counter_doubles_the_write_units_of_a_transaction():
    import boto3

    client = boto3.client("dynamodb", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    counter = CallCounter()
    counter.attach(client)
    put: Any = {"Put": {"TableName": "t", "Item": _item(1500)}}
    delete: Any = {"Delete": {"TableName": "t", "Key": _item(100)}}
    with Stubber(client) as stub:
        stub.add_response("transact_write_items", {})
        stub.add_response("put_item", {})
        client.transact_write_items(TransactItems=[put, delete])
        client.put_item(TableName="t", Item=_item(1500))
    assert counter.calls == {"dynamodb.TransactWriteItems": 1, "dynamodb.PutItem": 1}
    assert counter.write_units == (2 + 1) * 2 + 2


def test_call_counter_bills_writes_by_the_stored_items_it_peeks_at():
    import boto3

    client = boto3.client("dynamodb", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    stored = {("old", ""): _item(3000), ("grown", ""): _item(1500)}
    counter = CallCounter(peek=lambda table, key: stored.get((key["pk"]["S"], "")), key_names=("pk",))
    counter.attach(client)
    with Stubber(client) as stub:
        for operation in ("put_item", "delete_item", "delete_item", "update_item", "get_item", "get_item"):
            stub.add_response(operation, {"Item": _item(5000)} if operation == "get_item" else {})
        client.put_item(TableName="t", Item={"pk": {"S": "old"}})  # shrinks a 3,000-byte item: 3 units
        client.delete_item(TableName="t", Key={"pk": {"S": "old"}})  # 3 units
        client.delete_item(TableName="t", Key={"pk": {"S": "never"}})  # 1 unit
        client.update_item(TableName="t", Key={"pk": {"S": "grown"}}, UpdateExpression="SET a = :a")  # 2 units
        client.get_item(TableName="t", Key={"pk": {"S": "x"}}, ConsistentRead=True)  # 5,000 bytes: 2 units
        client.get_item(TableName="t", Key={"pk": {"S": "x"}})  # eventually consistent: 1 unit
    assert counter.write_units == 3 + 3 + 1 + 2
    assert counter.read_units == 2 + 1


def test_a_full_scan_costs_half_a_unit_per_4_kb_of_each_1_mb_page():
    assert scan_read_units(1024 * 1024) == 128
    assert scan_read_units(1024 * 1024 + 1) == 128.5
    assert scan_read_units(3 * 1024 * 1024 + 5000) == 3 * 128 + 1


def test_cost_of_a_known_set_of_counts():
    usage = cost.Usage(
        lambda_invocations=1,
        lambda_ms=999.2,  # billed as 1,000 ms
        lambda_memory_mb=1024,
        dynamodb_wru=10,
        dynamodb_rru=4,
        s3_get=1,
        s3_put=1,
        sqs_requests=3,
        apigw_requests=1,
    )
    usd = cost.per_million(usage)
    assert usd["lambda"] == pytest.approx(0.20 + 13.3334)
    assert usd["dynamodb"] == pytest.approx(10 * 0.625 + 4 * 0.125)
    assert usd["s3"] == pytest.approx(0.4 + 5.0)
    assert usd["sqs"] == pytest.approx(1.20)
    assert usd["apigateway"] == pytest.approx(3.50)
    assert usd["total"] == pytest.approx(sum(v for k, v in usd.items() if k != "total"))


def test_comprehend_bills_100_character_units_with_a_minimum_of_three():
    assert cost.comprehend_units(1) == 3
    assert cost.comprehend_units(300) == 3
    assert cost.comprehend_units(301) == 4
    assert cost.comprehend_dollars(2_163) == pytest.approx(22 * 0.0001)


def test_ingest_usage_is_per_published_article():
    ingest = {
        "articles": 10,
        "outcomes": {"published": 4, "draft": 1, "rejected": 5},
        "articles_per_second": 20.0,
        "calls_per_article": {
            "s3.GetObject": 1.0,
            "s3.PutObject": 0.5,
            "s3.DeleteObject": 1.0,
            "dynamodb.GetItem": 2.0,
        },
        "dynamodb_write_units_per_written_article": 30.0,
        "dynamodb_read_units_per_article": 3.0,
    }
    usage = cost.ingest_usage(ingest)
    assert usage.lambda_invocations == 2.0  # 10 uploads for 5 written articles
    assert usage.lambda_ms == 50.0
    assert usage.dynamodb_wru == 30.0
    assert usage.dynamodb_rru == 6.0
    assert usage.s3_get == 2.0  # DELETE requests are free
    assert usage.s3_put == (0.5 + 1) * 2  # rejection reports + the editor's upload
    assert usage.sqs_requests == 6.0


def test_results_name_the_machine_the_date_and_the_command_of_every_section():
    m = machine()
    assert int(m["nproc"]) >= 1 and m["python"].count(".") == 2
    section = Section(
        "cost",
        "Cost model",
        "python -m bench --only cost",
        lines=["1 million published articles: $1.00"],
        summary=[("US$ per 1 million published articles", "$1.00")],
        measured_at="2029-11-25 10:00 UTC",
        seconds=3,
    )
    text = render([section], m, "2029-11-25 10:00 UTC", 60.0, [])
    assert "| US$ per 1 million published articles | $1.00 | [Cost model](#cost-model) |" in text
    assert f"_Measured 2029-11-25 10:00 UTC on {m['nproc']} CPUs (nproc), {m['cpu']}, Python {m['python']}" in text
    assert "Reproduce: `python -m bench --only cost`" in text
    assert "- 1 million published articles: $1.00" in text
    assert "took 1.0 min" in text
