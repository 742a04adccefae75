"""Segment ingestion: quarantine reasons, dedupe, reruns, late events, time zones, UTM."""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json

import pytest

from pipelines.ingest.landing import files_for_days, list_event_files
from pipelines.ingest.segment import ingest_files
from tests.conftest import page, track, write_events

NOW = dt.datetime(2024, 3, 10, tzinfo=dt.UTC)


def ingest(conn, settings, now=NOW):
    from pipelines.ingest.segment import ingest_file

    return [ingest_file(conn, f, settings, now=now) for f in list_event_files(settings.events_dir)]


def test_each_quarantine_reason_is_recorded(settings, warehouse):
    good = track("Summary Created", "2024-03-02T10:00:00+09:00", user_id="u1")
    lines = [
        good,
        "{not json",
        "",
        '["an", "array"]',
        {"type": "group2", "messageId": "g", "userId": "u1", "timestamp": "2024-03-02T10:00:00Z"},
        {"type": "track", "event": "X", "messageId": "n", "timestamp": "2024-03-02T10:00:00Z"},
        {"type": "track", "event": "X", "messageId": "t", "userId": "u1", "timestamp": "yesterday"},
        {
            "type": "track",
            "event": "X",
            "messageId": "o",
            "userId": "u1",
            "timestamp": "1999-12-31T23:00:00Z",
        },
        {
            "type": "track",
            "event": "X",
            "messageId": "f",
            "userId": "u1",
            "timestamp": "2024-03-11T00:00:01Z",
        },
        {
            "type": "track",
            "event": "X",
            "messageId": "s",
            "userId": "u1",
            "timestamp": "2019-12-31T10:00:00+09:00",
        },
        {"type": "track", "messageId": "e", "userId": "u1", "timestamp": "2024-03-02T10:00:00Z"},
        {
            "type": "track",
            "event": "X",
            "messageId": "ok-future",
            "userId": "u1",
            "timestamp": "2024-03-10T23:59:59Z",
        },
        # UTF-8 text, but a JSON string escape of half a surrogate pair: not JSON
        '{"type": "track", "event": "X", "messageId": "u", "userId": "\\ud800",'
        ' "timestamp": "2024-03-02T10:00:00Z"}',
    ]
    write_events(settings.events_dir, "2024-03-02", lines)
    (result,) = ingest(warehouse, settings)
    reasons = warehouse.execute(
        "SELECT line_number, reason FROM ops.quarantine ORDER BY line_number"
    ).fetchall()
    assert reasons == [
        (2, "invalid_json"),
        (3, "empty_line"),
        (4, "invalid_json"),  # valid JSON, but not an object
        (5, "unknown_type"),
        (6, "missing_ids"),
        (7, "invalid_timestamp"),
        (8, "timestamp_before_2000"),
        (9, "timestamp_in_future"),  # more than a day after the ingest time
        (10, "before_start_date"),  # before RETAINLY_START_DATE=2020-01-01 (local)
        (11, "missing_event_name"),
        (13, "invalid_json"),
    ]
    assert (result.lines_read, result.lines_loaded, result.duplicates, result.quarantined) == (
        13,
        2,
        0,
        11,
    )


def test_quarantine_never_keeps_raw_contact_details(settings, warehouse):
    line = '{"type": "identify", "userId": "u1", "traits": {"email": "kim@corp.kr", "phone": "010-1234-5678"}, "timestamp": "bad"}'
    write_events(settings.events_dir, "2024-03-02", [line])
    ingest(warehouse, settings)
    (raw,) = warehouse.execute("SELECT raw FROM ops.quarantine").fetchone()
    assert "kim@corp.kr" not in raw and "010-1234-5678" not in raw
    assert '"email":"<redacted>"' in raw


def test_duplicates_within_and_across_files_and_reruns(settings, warehouse):
    a = track("Summary Created", "2024-03-02T10:00:00+09:00", user_id="u1")
    b = track("Paper Uploaded", "2024-03-02T11:00:00+09:00", user_id="u1")
    write_events(settings.events_dir, "2024-03-02", [a, b, a])
    # The retry of `b` arrives in the next day's file: same messageId, same timestamp.
    write_events(
        settings.events_dir,
        "2024-03-03",
        [b, track("Summary Created", "2024-03-03T09:00:00+09:00", user_id="u1")],
    )
    first = ingest(warehouse, settings)
    assert [(r.lines_read, r.lines_loaded, r.duplicates, r.quarantined) for r in first] == [
        (3, 2, 1, 0),
        (2, 1, 1, 0),
    ]
    snapshot = warehouse.execute(
        "SELECT * EXCLUDE (ingested_at) FROM raw.events ORDER BY event_id"
    ).fetchall()
    second = ingest(warehouse, settings)  # rerun everything
    assert [r.as_dict() for r in second] == [r.as_dict() for r in first]
    assert (
        warehouse.execute(
            "SELECT * EXCLUDE (ingested_at) FROM raw.events ORDER BY event_id"
        ).fetchall()
        == snapshot
    )
    assert warehouse.execute("SELECT count(*) FROM ops.load_log").fetchone()[0] == 2
    assert warehouse.execute(
        "SELECT count(*), count(DISTINCT event_id) FROM raw.events"
    ).fetchone() == (3, 3)


def test_missing_message_id_gets_a_stable_hash_so_resends_dedupe(settings, warehouse):
    event = {
        "type": "track",
        "event": "Summary Created",
        "userId": "u1",
        "timestamp": "2024-03-02T10:00:00+09:00",
        "properties": {"a": 1},
    }
    write_events(settings.events_dir, "2024-03-02", [event, event])
    (result,) = ingest(warehouse, settings)
    assert (result.lines_loaded, result.duplicates) == (1, 1)
    (event_id,) = warehouse.execute("SELECT event_id FROM raw.events").fetchone()
    assert len(event_id) == 32  # md5 hex of the event's content


def test_late_event_lands_on_its_own_date_and_timezone_boundary(settings, warehouse):
    write_events(
        settings.events_dir,
        "2024-03-05",
        [
            # 23:30 UTC on the 4th is 08:30 on the 5th in Seoul.
            track("Summary Created", "2024-03-04T23:30:00Z", user_id="u1"),
            # Delivered late: happened on the 1st (local), carried by the 5th's file.
            track("Summary Created", "2024-03-01T12:00:00+09:00", user_id="u1"),
            # 14:59 UTC is 23:59 local: still the 4th.
            track("Summary Created", "2024-03-04T14:59:59Z", user_id="u1"),
        ],
    )
    ingest(warehouse, settings)
    rows = warehouse.execute(
        "SELECT event_date, source_file FROM raw.events ORDER BY event_ts"
    ).fetchall()
    assert rows == [
        (dt.date(2024, 3, 1), "2024-03-05.jsonl.gz"),
        (dt.date(2024, 3, 4), "2024-03-05.jsonl.gz"),
        (dt.date(2024, 3, 5), "2024-03-05.jsonl.gz"),
    ]


def test_results_do_not_depend_on_the_machines_time_zone(settings):
    """Ingested on a machine in Los Angeles (DuckDB's session zone defaults to the machine's):
    a timestamp without an offset still reads as UTC, and "more than a day in the future"
    is 24 hours even across a US daylight-saving change (2024-03-10)."""
    import os
    import subprocess
    import sys

    write_events(
        settings.events_dir,
        "2024-03-03",
        [
            {
                "type": "track",
                "event": "Naive",
                "messageId": "n",
                "userId": "u1",
                "timestamp": "2024-03-02T23:30:00",
            },
            track("Soon", "2024-03-10T23:59:59Z", user_id="u1"),
        ],
    )
    script = (
        "import datetime as dt, json\n"
        "from pipelines.ingest.landing import list_event_files\n"
        "from pipelines.ingest.segment import ingest_files\n"
        "from pipelines.settings import load_settings\n"
        "from pipelines.warehouse import connect\n"
        "s = load_settings(); conn = connect(s.warehouse_path)\n"
        "ingest_files(conn, list_event_files(s.events_dir), s, now=dt.datetime(2024, 3, 10, tzinfo=dt.UTC))\n"
        "rows = conn.execute(\"SELECT event_name, strftime(timezone('UTC', event_ts), '%Y-%m-%d %H:%M:%S'),"
        ' event_date::VARCHAR FROM raw.events ORDER BY 1").fetchall()\n'
        "print(json.dumps([rows, conn.execute('SELECT count(*) FROM ops.quarantine').fetchone()[0]]))\n"
    )
    env = {**os.environ, "TZ": "America/Los_Angeles"}
    out = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    ).stdout
    assert json.loads(out) == [
        [
            ["Naive", "2024-03-02 23:30:00", "2024-03-03"],  # 08:30 on the 3rd in Seoul
            ["Soon", "2024-03-10 23:59:59", "2024-03-11"],
        ],
        0,
    ]


def test_utm_from_campaign_context_wins_over_url_and_url_is_parsed(settings, warehouse):
    url = "https://app.example/paper?utm_source=google&utm_medium=cpc&utm_campaign=spring%20kr&utm_term=ai+summary&gclid=G-1&fbclid=F-1"
    from_url = page("2024-03-02T10:00:00+09:00", anonymous_id="a1", url=url)
    from_context = track("Summary Created", "2024-03-02T10:01:00+09:00", anonymous_id="a1")
    from_context["context"] = {
        "campaign": {"source": "kakao", "medium": "social", "name": "share"},
        "page": {"url": url},
    }
    write_events(settings.events_dir, "2024-03-02", [from_url, from_context])
    ingest(warehouse, settings)
    rows = warehouse.execute(
        "SELECT utm_source, utm_medium, utm_campaign, utm_term, gclid, fbclid, platform FROM raw.events ORDER BY event_ts"
    ).fetchall()
    assert rows == [
        ("google", "cpc", "spring kr", "ai summary", "G-1", "F-1", "web"),
        ("kakao", "social", "share", "ai summary", "G-1", "F-1", "web"),
    ]


def test_device_consent_and_ip_never_stored(settings, warehouse):
    event = track("Summary Created", "2024-03-02T10:00:00+09:00", user_id="u1")
    event["context"] = {
        "device": {
            "advertisingId": "6D92078A-8246-4BA4-AE5B-76104861E7DC",
            "adTrackingEnabled": True,
            "type": "ios",
        },
        "os": {"name": "iOS"},
        "ip": "203.0.113.7",
        "consent": {"ad_user_data": True, "ad_personalization": False},
    }
    write_events(settings.events_dir, "2024-03-02", [event])
    ingest(warehouse, settings)
    row = warehouse.execute(
        "SELECT platform, advertising_id, ad_tracking_enabled, consent_ad_user_data, consent_ad_personalization FROM raw.events"
    ).fetchone()
    assert row == ("ios", "6D92078A-8246-4BA4-AE5B-76104861E7DC", True, True, False)
    dump = str(warehouse.execute("SELECT * FROM raw.events").fetchall())
    assert "203.0.113.7" not in dump


@pytest.mark.parametrize(
    ("email", "phone", "expected_email", "expected_google", "expected_phone"),
    [
        (
            " Kim.Min+news@Gmail.com ",
            "010-1234-5678",
            "kim.min+news@gmail.com",
            "kimmin@gmail.com",
            "+821012345678",
        ),
        ("Lee@Corp.KR", "+82 10 9876 5432", "lee@corp.kr", "lee@corp.kr", "+821098765432"),
        (
            "park@googlemail.com",
            "(02) 555-0100",
            "park@googlemail.com",
            "park@googlemail.com",
            "+8225550100",
        ),
        ("   ", "", None, None, None),
    ],
)
def test_contact_details_are_normalized_then_hashed_never_stored_raw(
    settings, warehouse, email, phone, expected_email, expected_google, expected_phone
):
    identify = {
        "type": "identify",
        "messageId": "i1",
        "userId": "u1",
        "timestamp": "2024-03-02T10:00:00+09:00",
        "traits": {"email": email, "phone": phone},
    }
    write_events(settings.events_dir, "2024-03-02", [identify])
    ingest(warehouse, settings)

    def sha(value):
        return hashlib.sha256(value.encode()).hexdigest() if value else None

    row = warehouse.execute(
        "SELECT email_sha256, email_sha256_google, phone_sha256, phone_sha256_digits FROM raw.events"
    ).fetchone()
    assert row == (
        sha(expected_email),
        sha(expected_google),
        sha(expected_phone),
        sha(expected_phone.lstrip("+") if expected_phone else None),
    )
    dump = str(warehouse.execute("SELECT * FROM raw.events").fetchall())
    if email.strip():
        assert email.strip() not in dump and phone not in dump


def test_load_log_equation_holds_for_every_file(settings, warehouse):
    write_events(
        settings.events_dir,
        "2024-03-02",
        [track("A", "2024-03-02T10:00:00+09:00", user_id="u1"), "{", "{"],
    )
    write_events(
        settings.events_dir,
        "2024-03-03",
        [track("A", "2024-03-02T10:00:00+09:00", user_id="u1")] * 3,
    )
    ingest_files(warehouse, list_event_files(settings.events_dir), settings)
    rows = warehouse.execute(
        """
        SELECT l.source_file, l.lines_read, l.lines_loaded, l.duplicates, l.quarantined,
               (SELECT count(*) FROM raw.events e WHERE e.source_file = l.source_file),
               (SELECT count(*) FROM ops.quarantine q WHERE q.source_file = l.source_file)
        FROM ops.load_log l ORDER BY 1
        """
    ).fetchall()
    assert rows == [
        ("2024-03-02.jsonl.gz", 3, 1, 0, 2, 1, 2),
        ("2024-03-03.jsonl.gz", 3, 0, 3, 0, 0, 0),
    ]


def test_multi_member_gzip_file_loses_no_line(settings, warehouse):
    import gzip

    first = write_events(
        settings.events_dir, "2024-03-02", [track("A", "2024-03-02T10:00:00+09:00", user_id="u1")]
    )
    appended = gzip.compress(
        (
            "\n".join(
                json.dumps(track("B", f"2024-03-02T1{i}:00:00+09:00", user_id="u1"))
                for i in range(3)
            )
            + "\n"
        ).encode()
    )
    with first.open("ab") as handle:  # `cat more.gz >> day.gz`, as log shippers do
        handle.write(appended)
    (result,) = ingest(warehouse, settings)
    assert (result.lines_read, result.lines_loaded) == (4, 4)
    assert warehouse.execute(
        "SELECT event_name, count(*) FROM raw.events GROUP BY 1 ORDER BY 1"
    ).fetchall() == [
        ("A", 1),
        ("B", 3),
    ]


def test_lines_the_reader_rejects_are_quarantined_and_their_batch_still_loads(settings, warehouse):
    """Bytes that are not UTF-8, a line over the reader's limit and a NUL byte fail DuckDB's
    read of a whole batch: those lines are quarantined with their line numbers, the rest of
    their files (CRLF line ends and a byte-order mark included) and of the batch load."""
    from pipelines.ingest.readable import MAX_LINE_BYTES
    from pipelines.ingest.segment import ingest_files

    def line(event: dict) -> bytes:
        return json.dumps(event, ensure_ascii=False).encode()

    korean = track("Summary Created", "2024-03-02T11:00:00+09:00", user_id="u1", title="논문 요약")
    latin1 = line(track("Paper Uploaded", "2024-03-02T12:00:00+09:00", user_id="u2"))
    latin1 = latin1.replace(b"Paper", b"Pap\xe9r")  # one byte of Latin-1 in a UTF-8 file
    settings.events_dir.mkdir(parents=True, exist_ok=True)
    (settings.events_dir / "2024-03-02.jsonl").write_bytes(
        line(track("A", "2024-03-02T10:00:00+09:00", user_id="u1"))
        + b"\n"
        + latin1
        + b"\n"
        + line(korean)
        + b"\n"
    )
    too_long = track("Big", "2024-03-03T10:00:00+09:00", user_id="u3", blob="x" * MAX_LINE_BYTES)
    with_nul = line(track("Nul", "2024-03-03T11:00:00+09:00", user_id="u3")).replace(
        b"Nul", b"N\x00l"
    )
    (settings.events_dir / "2024-03-03.jsonl.gz").write_bytes(
        gzip.compress(
            b"\xef\xbb\xbf"
            + line(track("B", "2024-03-03T09:00:00+09:00", user_id="u3"))
            + b"\r\n"
            + line(too_long)
            + b"\r\n"
            + with_nul
            + b"\r\n"
            + line(track("C", "2024-03-03T12:00:00+09:00", user_id="u3"))
            + b"\r\n"
        )
    )
    write_events(
        settings.events_dir, "2024-03-04", [track("D", "2024-03-04T10:00:00+09:00", user_id="u4")]
    )

    results = ingest_files(warehouse, list_event_files(settings.events_dir), settings, now=NOW)

    assert [(r.source_file, r.lines_read, r.lines_loaded, r.quarantined) for r in results] == [
        ("2024-03-02.jsonl", 3, 2, 1),
        ("2024-03-03.jsonl.gz", 4, 2, 2),
        ("2024-03-04.jsonl.gz", 1, 1, 0),
    ]
    quarantined = warehouse.execute(
        "SELECT source_file, line_number, reason, strlen(raw), raw FROM ops.quarantine ORDER BY 1, 2"
    ).fetchall()
    assert [q[:3] for q in quarantined] == [
        ("2024-03-02.jsonl", 2, "invalid_utf8"),
        ("2024-03-03.jsonl.gz", 2, "line_too_long"),
        ("2024-03-03.jsonl.gz", 3, "invalid_json"),
    ]
    # Kept whole, the undecodable byte and the NUL as U+FFFD.
    assert quarantined[0][4] == latin1.decode("utf-8", errors="replace")
    assert quarantined[1][3] == len(line(too_long))
    assert quarantined[2][4] == with_nul.decode().replace("\x00", "\ufffd")
    assert warehouse.execute(
        "SELECT source_file, line_number, event_name, properties->>'title' FROM raw.events ORDER BY 1, 2"
    ).fetchall() == [
        ("2024-03-02.jsonl", 1, "A", None),
        ("2024-03-02.jsonl", 3, "Summary Created", "논문 요약"),
        ("2024-03-03.jsonl.gz", 1, "B", None),
        ("2024-03-03.jsonl.gz", 4, "C", None),
        ("2024-03-04.jsonl.gz", 1, "D", None),
    ]


def test_crlf_and_bom_files_take_the_fast_path_and_a_nul_in_a_plain_file_is_kept_whole(
    settings, warehouse, monkeypatch
):
    """Only files whose bytes the reader did not all account for are rewritten: CRLF line ends
    and a byte-order mark are explained (gzip or plain), a NUL byte is not."""
    from pipelines.ingest import segment

    def line(event: dict) -> bytes:
        return json.dumps(event).encode()

    events = [track(x, f"2024-03-02T1{i}:00:00+09:00", user_id="u1") for i, x in enumerate("AB")]
    crlf = b"".join(line(e) + b"\r\n" for e in events)
    settings.events_dir.mkdir(parents=True, exist_ok=True)
    (settings.events_dir / "2024-03-02.jsonl.gz").write_bytes(gzip.compress(crlf))
    (settings.events_dir / "2024-03-02-b.jsonl").write_bytes(b"\xef\xbb\xbf" + crlf[:-2])
    rewritten = []
    monkeypatch.setattr(
        segment, "rewrite_readable", lambda src, dst: rewritten.append(src.name) or []
    )
    results = ingest_files(warehouse, list_event_files(settings.events_dir), settings, now=NOW)
    assert rewritten == []
    assert [(r.lines_read, r.lines_loaded, r.duplicates) for r in results] == [(2, 2, 0), (2, 0, 2)]

    monkeypatch.undo()
    with_nul = line(track("C", "2024-03-03T10:00:00+09:00", user_id="u1")).replace(
        b'"C"', b'"C\x00"'
    )
    (settings.events_dir / "2024-03-03.jsonl").write_bytes(
        line(track("D", "2024-03-03T09:00:00+09:00", user_id="u1")) + b"\n" + with_nul + b"\n"
    )
    (result,) = ingest_files(
        warehouse,
        files_for_days(list_event_files(settings.events_dir), {dt.date(2024, 3, 3)}),
        settings,
        now=NOW,
    )
    assert (result.lines_read, result.lines_loaded, result.quarantined) == (2, 1, 1)
    assert warehouse.execute(
        "SELECT line_number, reason, raw FROM ops.quarantine WHERE source_file = '2024-03-03.jsonl'"
    ).fetchall() == [(2, "invalid_json", with_nul.decode().replace("\x00", "\ufffd"))]


def test_batching_does_not_change_what_is_loaded(settings, warehouse, monkeypatch):
    """Files published one per transaction or all in one batch give the same tables:
    the earliest file keeps a repeated event, later copies count as duplicates."""
    import random

    from pipelines.ingest import segment

    rng = random.Random(7)
    pool = [
        track(f"E{i}", f"2024-03-0{2 + i % 3}T{10 + i % 9}:00:00+09:00", user_id=f"u{i % 5}")
        for i in range(40)
    ]
    for day in ("2024-03-02", "2024-03-03", "2024-03-04", "2024-03-05"):
        write_events(settings.events_dir, day, rng.choices(pool, k=25) + ["{bad"])
    files = list_event_files(settings.events_dir)

    def load(batch_files: int):
        monkeypatch.setattr(segment, "BATCH_FILES", batch_files)
        results = ingest_files(warehouse, files, settings, now=NOW)
        events = warehouse.execute(
            "SELECT * EXCLUDE (ingested_at) FROM raw.events ORDER BY source_file, line_number"
        ).fetchall()
        quarantine = warehouse.execute(
            "SELECT * EXCLUDE (quarantined_at) FROM ops.quarantine ORDER BY 1, 2"
        ).fetchall()
        return [r.as_dict() for r in results], events, quarantine

    one_by_one = load(1)
    for table in ("raw.events", "ops.quarantine", "ops.load_log"):
        warehouse.execute(f"DELETE FROM {table}")
    together = load(64)
    assert together == one_by_one
    assert load(64) == together  # rerunning the batch changes nothing
    # Every distinct event is loaded once, from the first file (in day order) that had it.
    first_file: dict[str, str] = {}
    for f in sorted(files, key=lambda f: f.day):
        with gzip.open(f.path, "rt") as handle:
            for line in handle:
                if line.startswith('{"'):
                    first_file.setdefault(json.loads(line)["messageId"], f.path.name)
    assert sorted((e[0], e[-2]) for e in together[1]) == sorted(first_file.items())
    assert sum(r["lines_loaded"] for r in together[0]) == len(first_file)


def test_truncated_gzip_names_the_file_and_publishes_nothing(settings, warehouse):
    from pipelines.ingest.segment import LandingFileError

    write_events(
        settings.events_dir, "2024-03-02", [track("A", "2024-03-02T10:00:00+09:00", user_id="u1")]
    )
    whole = gzip.compress(
        (json.dumps(track("B", "2024-03-03T10:00:00+09:00", user_id="u1")) + "\n").encode() * 500
    )
    broken = settings.events_dir / "2024-03-03.jsonl.gz"
    broken.write_bytes(whole[: len(whole) // 2])  # a copy cut off mid-transfer
    with pytest.raises(LandingFileError, match="2024-03-03.jsonl.gz: not a complete gzip file"):
        ingest_files(warehouse, list_event_files(settings.events_dir), settings, now=NOW)
    for table in ("raw.events", "ops.quarantine", "ops.load_log"):
        assert warehouse.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0


def test_contact_traits_of_the_context_are_hashed_and_nested_contacts_redacted(settings, warehouse):
    """A track call carrying the user's traits in `context.traits` (Segment's common field)
    gives the same hashes as an identify; contact details nested in properties never reach
    raw.events, while the rest of the properties stays as sent."""
    event = track("Subscription Started", "2024-03-02T10:00:00+09:00", user_id="u1")
    event["context"] = {"traits": {"email": " Kim.Min@Gmail.com", "phone": "010-1234-5678"}}
    event["properties"] = {
        "plan": "pro",
        "billing": {"email": "billing@corp.kr", "mobile": "010-9999-0000", "city": "Seoul"},
        "note": "receipt sent to kim.min@gmail.com",
        "device": "iPhone",
    }
    write_events(settings.events_dir, "2024-03-02", [event])
    ingest(warehouse, settings)

    def sha(value):
        return hashlib.sha256(value.encode()).hexdigest()

    email, phone, properties = warehouse.execute(
        "SELECT email_sha256, phone_sha256, properties FROM raw.events"
    ).fetchone()
    assert (email, phone) == (sha("kim.min@gmail.com"), sha("+821012345678"))
    assert json.loads(properties) == {
        "plan": "pro",
        "billing": {"email": "<redacted>", "mobile": "<redacted>", "city": "Seoul"},
        "note": "receipt sent to <redacted-email>",
        "device": "iPhone",
    }
    dump = str(warehouse.execute("SELECT * FROM raw.events").fetchall()).lower()
    for raw in ("kim.min@gmail.com", "billing@corp.kr", "010-9999-0000", "010-1234-5678"):
        assert raw not in dump
