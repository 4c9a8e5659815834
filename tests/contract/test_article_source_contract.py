"""The contract of ``ArticleSource``, run on ``InMemoryBucket`` and on ``S3ArticleSource`` over moto (a versioned
bucket, as template.yaml makes it): what the ingest use-case relies on, so the fake cannot drift from S3."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from pressroom.ports import ObjectGone, ObjectTooLarge
from tests.contract.conftest import Bucket

KEY = "incoming/a b+c.json"


def test_fetch_reads_the_current_object_with_its_etag_version_and_upload_second(bucket: Bucket) -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    bucket.editor.put_object(KEY, b"first")
    second = bucket.editor.put_object(KEY, b"second")
    after = datetime.now(UTC)
    obj = bucket.source.fetch(KEY, max_bytes=100)
    assert (obj.key, obj.data, obj.version_id) == (KEY, b"second", second.version_id)
    assert obj.etag == second.etag == hashlib.md5(b"second", usedforsecurity=False).hexdigest()
    assert obj.last_modified == second.last_modified
    assert before <= obj.last_modified <= after and obj.last_modified.microsecond == 0
    assert obj.last_modified.utcoffset() == timedelta(0)


def test_versions_of_one_key_get_their_own_version_ids(bucket: Bucket) -> None:
    versions = [bucket.editor.put_object(KEY, data) for data in (b"one", b"two", b"one")]
    assert len({v.version_id for v in versions}) == 3
    assert versions[0].etag == versions[2].etag != versions[1].etag


def test_fetch_of_a_missing_or_deleted_key_is_gone(bucket: Bucket) -> None:
    with pytest.raises(ObjectGone):
        bucket.source.fetch("incoming/never.json", max_bytes=100)
    bucket.editor.put_object(KEY, b"data")
    marker = bucket.editor.delete_object(KEY)
    assert marker.is_delete_marker
    with pytest.raises(ObjectGone):
        bucket.source.fetch(KEY, max_bytes=100)
    bucket.editor.put_object(KEY, b"back")
    assert bucket.source.fetch(KEY, max_bytes=100).data == b"back"


def test_an_object_larger_than_the_limit_is_too_large_with_its_size(bucket: Bucket) -> None:
    first = bucket.editor.put_object(KEY, b"x" * 101)
    with pytest.raises(ObjectTooLarge) as raised:
        bucket.source.fetch(KEY, max_bytes=100)
    assert raised.value.size == 101
    assert bucket.source.fetch(KEY, max_bytes=101).data == b"x" * 101
    bucket.editor.put_object(KEY, b"small")
    for version_id, etag in ((first.version_id, first.etag), (None, first.etag)):
        with pytest.raises(ObjectTooLarge):
            bucket.source.fetch_version(KEY, max_bytes=100, version_id=version_id, etag=etag)


def test_an_earlier_version_is_found_by_version_id_or_by_etag(bucket: Bucket) -> None:
    first = bucket.editor.put_object(KEY, b"first")
    bucket.editor.put_object(KEY, b"second")
    by_id = bucket.source.fetch_version(KEY, max_bytes=100, version_id=first.version_id, etag="ignored")
    by_etag = bucket.source.fetch_version(KEY, max_bytes=100, version_id=None, etag=f'"{first.etag}"')
    for found in (by_id, by_etag):
        assert found is not None
        assert (found.data, found.etag, found.version_id) == (b"first", first.etag, first.version_id)
        assert found.last_modified == first.last_modified


def test_an_earlier_version_found_by_etag_is_the_newest_with_that_content(bucket: Bucket) -> None:
    bucket.editor.put_object(KEY, b"same")
    bucket.editor.put_object(KEY, b"other")
    again = bucket.editor.put_object(KEY, b"same")
    bucket.editor.put_object(KEY, b"last")
    found = bucket.source.fetch_version(KEY, max_bytes=100, version_id=None, etag=again.etag)
    assert found is not None and found.version_id == again.version_id


def test_an_unknown_version_is_none_and_a_deleted_key_keeps_its_versions(bucket: Bucket) -> None:
    first = bucket.editor.put_object(KEY, b"first")
    source = bucket.source
    assert source.fetch_version(KEY, max_bytes=100, version_id=None, etag="0" * 32) is None
    assert source.fetch_version(KEY, max_bytes=100, version_id="3HL4kqtJlcpXroDTDmJ+rmSpXd3dIbrHY", etag="") is None
    assert source.fetch_version("incoming/never.json", max_bytes=100, version_id=None, etag=first.etag) is None
    marker = bucket.editor.delete_object(KEY)
    assert source.fetch_version(KEY, max_bytes=100, version_id=marker.version_id, etag="") is None
    kept = source.fetch_version(KEY, max_bytes=100, version_id=first.version_id, etag="")
    assert kept is not None and kept.data == b"first"
    assert source.fetch_version(KEY, max_bytes=100, version_id=None, etag=first.etag) is not None


def test_current_etag_follows_uploads_and_is_none_after_a_delete(bucket: Bucket) -> None:
    assert bucket.source.current_etag(KEY) is None
    first = bucket.editor.put_object(KEY, b"first")
    assert bucket.source.current_etag(KEY) == first.etag
    second = bucket.editor.put_object(KEY, b"second")
    assert bucket.source.current_etag(KEY) == second.etag
    bucket.editor.delete_object(KEY)
    assert bucket.source.current_etag(KEY) is None


def test_a_report_is_written_next_to_the_key_and_cleared(bucket: Bucket) -> None:
    report = {"key": KEY, "etag": "abc", "errors": [{"loc": "title", "msg": "Zoë’s title is missing"}]}
    assert bucket.source.write_rejection(KEY, report) == f"rejected/{KEY}.error.json"
    assert bucket.editor.report(KEY) == report
    replaced = {**report, "etag": "def"}
    bucket.source.write_rejection(KEY, replaced)
    assert bucket.editor.reports() == {KEY: replaced}
    bucket.source.clear_rejection(KEY)
    assert bucket.editor.report(KEY) is None and bucket.editor.reports() == {}
    bucket.source.clear_rejection(KEY)
    bucket.source.clear_rejection("incoming/never-reported.json")
    assert bucket.editor.reports() == {}


def test_a_report_of_a_key_too_long_for_its_path_is_kept_under_its_hash(bucket: Bucket) -> None:
    key = "incoming/" + "k" * 1005 + ".json"
    written = bucket.source.write_rejection(key, {"key": key, "errors": []})
    assert written == f"rejected/long-keys/{hashlib.sha256(key.encode()).hexdigest()}.error.json"
    assert bucket.editor.report(key) == {"key": key, "errors": []}
    bucket.source.clear_rejection(key)
    assert bucket.editor.report(key) is None


def test_an_upload_record_names_the_version_written(bucket: Bucket) -> None:
    record = bucket.editor.upload(KEY, b"data")
    removal = bucket.editor.remove(KEY)
    current = bucket.source.fetch_version(
        KEY, max_bytes=100, version_id=record["s3"]["object"]["versionId"], etag=record["s3"]["object"]["eTag"]
    )
    assert current is not None and current.data == b"data" and record["s3"]["object"]["size"] == 4
    assert removal["eventName"] == "ObjectRemoved:DeleteMarkerCreated"
    assert int(removal["s3"]["object"]["sequencer"], 16) > int(record["s3"]["object"]["sequencer"], 16)


def test_life_is_the_versions_since_the_latest_delete_marker_oldest_first(bucket: Bucket) -> None:
    never = bucket.source.life(KEY)
    assert never.versions == () and not never.reborn
    first = [bucket.editor.put_object(KEY, data) for data in (b"1", b"2")]
    assert [v.etag for v in bucket.source.life(KEY).versions] == [v.etag for v in first]
    assert not bucket.source.life(KEY).reborn and not bucket.source.life(KEY).of_earlier_life(first[0].etag)
    bucket.editor.delete_object(KEY)
    gone = bucket.source.life(KEY)
    assert gone.versions == () and gone.reborn
    later = datetime.now(UTC) + timedelta(seconds=2)  # S3 lists to the second: one after the delete marker's
    with time_machine.travel(later, tick=True):
        again = [bucket.editor.put_object(KEY, data) for data in (b"3", b"4", b"3")]
        bucket.editor.put_object(f"{KEY}.bak", b"another key sharing the prefix")
        life = bucket.source.life(KEY)
    assert [(v.version_id, v.etag) for v in life.versions] == [(v.version_id, v.etag) for v in again]
    assert life.reborn and life.of_earlier_life(first[1].etag) and not life.of_earlier_life(again[0].etag)
    latest = life.versions[-1]
    found = bucket.source.fetch_version(KEY, max_bytes=100, version_id=latest.version_id, etag=latest.etag)
    assert found is not None and found.data == b"3"
