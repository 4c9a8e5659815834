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


def test_write_units_are_told_apart_by_the_kind_of_partition_written():
    client = _client("dynamodb")
    counter = CallCounter()
    counter.attach(client)
    article: Any = {"pk": {"S": "ART#a1"}, "sk": {"S": "ARTICLE"}, "doc": {"B": b"x" * 3000}}
    entry: Any = {"pk": {"S": "FEED"}, "sk": {"S": "2020#a1"}}
    with Stubber(client) as stub:
        stub.add_response("transact_write_items", {})
        stub.add_response("delete_item", {})
        client.transact_write_items(
            TransactItems=[{"Put": {"TableName": "t", "Item": article}}, {"Put": {"TableName": "t", "Item": entry}}]
        )
        client.delete_item(TableName="t", Key={"pk": {"S": "TAG#rowing"}, "sk": {"S": "2020#a1"}})
    assert counter.write_units_by_partition == {"ART#": 3 * 2, "FEED": 1 * 2, "TAG#": 1}
    assert counter.write_units == sum(counter.write_units_by_partition.values())


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


def _client(service: str) -> Any:
    import boto3

    session = boto3.Session(aws_access_key_id="x", aws_secret_access_key="x", region_name="us-east-1")
    return session.client(service)  # type: ignore[call-overload]


def test_calls_are_counted_by_who_makes_them_in_every_session_created_meanwhile():
    import threading

    from bench.reindex import CLI, EVENT_SOURCE, FUNCTION, CallsByOrigin

    with CallsByOrigin().installed() as counter:
        sqs, ddb = _client("sqs"), _client("dynamodb")
        with Stubber(sqs) as sqs_stub, Stubber(ddb) as ddb_stub:
            sqs_stub.add_response("send_message_batch", {"Successful": [], "Failed": []})
            sqs_stub.add_response("receive_message", {})
            ddb_stub.add_response("put_item", {})
            sqs.send_message_batch(QueueUrl="q", Entries=[{"Id": "1", "MessageBody": "{}"}])

            def poller() -> None:
                sqs.receive_message(QueueUrl="q")
                ddb.put_item(TableName="t", Item=_item(1500))

            thread = threading.Thread(target=poller, name="poller-pressroom-ingest-0")
            thread.start()
            thread.join()
        taken = counter.take()
    assert {origin: dict(c.calls) for origin, c in taken.items()} == {
        CLI: {"sqs.SendMessageBatch": 1},
        EVENT_SOURCE: {"sqs.ReceiveMessage": 1},
        FUNCTION: {"dynamodb.PutItem": 1},
    }
    assert taken[FUNCTION].write_units == 2
    assert counter.take() == {}
    after = _client("sqs")
    with Stubber(after) as stub:
        stub.add_response("receive_message", {})
        after.receive_message(QueueUrl="q")
    assert counter.take() == {}, "a session created after the block is not counted"


def test_the_reindex_articles_are_valid_distinct_uploads_with_the_ids_the_bench_reads_back():
    from bench.reindex import article_id, articles
    from pressroom.parsing import parse_upload

    uploads = [parse_upload(data, key) for key, data in articles(250)]
    assert [u.article_id for u in uploads] == [article_id(n) for n in range(250)]
    assert len({u.title for u in uploads}) == 250
    assert len({u.published_at for u in uploads}) == 250


def test_a_partial_run_keeps_the_other_sections_of_the_file_as_they_were():
    from bench.__main__ import earlier_sections

    m = machine()

    def section(name: str, title: str, value: str, at: str) -> Section:
        return Section(name, title, f"python -m bench --only {name}", [f"{title}: {value}"], [(title, value)], [], at)

    full = render(
        [section("tags", "Tagger quality", "0.9", "2029-01-01 10:00 UTC"), section("cost", "Cost model", "$1", "x")],
        m,
        "2029-01-01 10:00 UTC",
        60.0,
        [],
    )
    earlier = earlier_sections(full)
    assert set(earlier) == {"Tagger quality", "Cost model"}
    partial = render(
        [earlier["Tagger quality"], section("cost", "Cost model", "$2", "2029-02-01 10:00 UTC")],
        m,
        "2029-02-01 10:00 UTC",
        6.0,
        ["--only cost"],
    )
    assert "| Tagger quality | 0.9 | [Tagger quality](#tagger-quality) |" in partial
    assert "| Cost model | $2 | [Cost model](#cost-model) |" in partial and "$1" not in partial
    assert partial.index("## Tagger quality") < partial.index("## Cost model")
    assert "- Tagger quality: 0.9" in partial and "_Measured 2029-01-01 10:00 UTC on" in partial
    assert "Kept from an earlier run, as they were: Tagger quality (measured 2029-01-01 10:00 UTC)" in partial
    assert earlier_sections(partial)["Tagger quality"] == earlier["Tagger quality"]


def test_the_tagger_section_records_each_set_s_salient_recall_precision_kind_accuracy_junk_and_time():
    from bench import tags
    from bench.__main__ import run_tags

    s = Section("tags", "Tagger quality", "python -m bench --only tags")
    run_tags(s, True, {})
    rows = dict(s.summary)
    for name, figures in s.data["tags"].items():
        label = name.split(" (")[0]
        ((figure, value),) = [(k, v) for k, v in rows.items() if k.startswith(f"Tagger, {label} (")]
        assert f"({figures['articles']} articles)" in figure
        assert value == (
            f"{figures['salient_recall']:.3f} / {figures['precision']:.3f} / {figures['kind_accuracy']:.3f} / "
            f"{figures['junk']} / {figures['median_ms']:.2f} ms"
        )
    whole, new, fresh = s.data["tags"].values()
    assert whole["articles"] == len(tags.load_labelled())
    assert new["articles"] == sum(1 for a in tags.load_labelled() if a.get("batch") == tags.NEW_BATCH)
    assert fresh["articles"] == sum(1 for a in tags.load_labelled() if a.get("batch") == tags.FRESH_BATCH)
    assert not any("F1" in figure for figure in rows)


def _run(command: str, **overrides: Any) -> Any:
    from bench.reindex import Run

    figures: dict[str, Any] = {
        "command": command,
        "articles": 2_000,
        "seconds": 600.0,
        "cli_seconds": 601.5,
        "items_per_s": 3.33,
        "re_enriched": 2_000,
        "batches": 200,
        "failed_batches": 0,
        "retried_messages": 0,
        "dead_letters": 0,
        "invoke_s": 2_900.0,
        "calls_per_article": {"IngestFunction": {"dynamodb.Query": 10.0, "s3.GetObject": 1.0}, "cli": {"x.Y": 0.5}},
        "write_units_per_article": 60.0,
        "read_units_per_article": 11.0,
        "estimate": {"seconds": 60.0, "dollars": 0.1, "concurrency": 5},
        "measured_dollars": 0.09,
        "cli_output": "Reindexing 2,000 article(s)",
        "write_units_by_partition": {"TAG#": 40.0, "FEED": 4.2},
    }
    return Run(**{**figures, **overrides})


def test_the_reindex_rows_give_time_rate_units_calls_and_the_estimate_and_show_the_stale_run_did_nothing():
    from bench.reindex import Figures, lines, summary

    figures = Figures(
        articles=2_000,
        words_per_article=170.0,
        load_seconds=400.0,
        load_per_s=5.0,
        load_outcomes={"stored": 2_000, "dead letters": 0},
        load_ms_per_article=(900.0, 1_100.0),
        full=_run("pressroom reindex"),
        stale=_run("pressroom reindex --only-stale", seconds=30.0, re_enriched=0, write_units_per_article=0.0),
    )
    rows = dict(summary(figures))
    assert rows["`pressroom reindex` of 2,000 articles on the local stack: time, articles/s (the CLI's estimate)"] == (
        "10.0 min, 3.3 articles/s (estimate 1.0 min); 2,000 re-enriched, 0 dead letters"
    )
    costs = "Reindex per article: DynamoDB write units (of which FEED) / read units, AWS calls; US$ per 1,000 "
    assert rows[costs + "(measured vs the CLI's estimate)"] == "60.0 (4.2) / 11.0, 11.5 calls; $0.045 vs $0.050"
    stale = "`pressroom reindex --only-stale` right after: re-enriched, time, write units per article"
    assert rows[stale] == "0 of 2,000, 30 s, 0.0"
    text = "\n".join(lines(figures))
    assert "(2,000 stored, 0 dead letters)" in text and "900 ms in the first tenth" in text
    assert "IngestFunction: dynamodb.Query 10, s3.GetObject 1; cli: x.Y 0.5" in text
    assert "60.0 write units (TAG# 40, FEED 4.2 by partition), 11.0 read units" in text
    assert "the CLI's estimate: 1.0 min at 5 concurrent, $0.1000; measured 10.0 min, $0.0900" in text
