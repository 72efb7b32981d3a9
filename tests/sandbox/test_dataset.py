"""The 57-record dataset every paging style serves: ids in order, nested and dated fields."""

from __future__ import annotations

from datetime import datetime

from bearerkit.frames import records_to_frame
from bearerkit.sandbox import dataset


def test_the_records_keep_id_name_and_rank_in_order() -> None:
    records = dataset.records()
    assert len(records) == dataset.RECORD_COUNT == 57
    assert [(r["id"], r["name"], r["rank"]) for r in records] == [
        (i, f"Item {i:02d}", i) for i in range(1, 58)
    ]
    assert [r["id"] for r in dataset.records("cus_")][:2] == ["cus_0001", "cus_0002"]


def test_each_record_has_an_owner_labels_and_iso_timestamps() -> None:
    for record in dataset.records():
        assert set(record["owner"]) == {"id", "login", "name"}
        assert isinstance(record["labels"], list) and set(record["labels"]) <= set(dataset.LABELS)
        created = datetime.fromisoformat(record["created_at"].replace("Z", "+00:00"))
        updated = datetime.fromisoformat(record["updated_at"].replace("Z", "+00:00"))
        assert record["created_at"].endswith("Z") and created < updated
    created_at = [r["created_at"] for r in dataset.records()]
    assert created_at == sorted(created_at)  # newer ids were created later
    assert len({r["owner"]["login"] for r in dataset.records()}) == len(dataset.OWNERS)
    assert any(r["labels"] == [] for r in dataset.records())  # an empty list happens too


def test_the_records_flatten_into_owner_columns() -> None:
    frame = records_to_frame(dataset.records())
    assert {"owner.id", "owner.login", "owner.name", "labels", "created_at"} <= set(frame.columns)


def test_the_records_are_the_same_every_time() -> None:
    dataset.records.cache_clear()
    first = [dict(r) for r in dataset.records()]
    dataset.records.cache_clear()
    assert [dict(r) for r in dataset.records()] == first
