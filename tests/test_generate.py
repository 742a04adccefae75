"""The demo data generator: output contract, determinism, exact noise accounting and
the behavioural properties the rest of the pipeline relies on (engagement predicts
future activity, every acquisition channel shows up, ad-id rules hold)."""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
from collections import Counter, defaultdict
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from pipelines.generate import GenerateReport, NoiseRates, build_population, generate_demo
from pipelines.generate import catalog as cat
from pipelines.generate.ids import user_ids

START = dt.date(2026, 3, 2)  # a Monday
USERS, DAYS, SEED = 3_000, 48, 3
SEOUL = ZoneInfo("Asia/Seoul")
ZERO_ID = "00000000-0000-0000-0000-000000000000"
EVENT_TYPES = {"track", "page", "screen", "identify", "alias"}


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[GenerateReport, Path]:
    out = tmp_path_factory.mktemp("gen") / "landing" / "events"
    return generate_demo(out, users=USERS, days=DAYS, seed=SEED, start=START), out


@pytest.fixture(scope="module")
def lines(run: tuple[GenerateReport, Path]) -> dict[dt.date, list[str]]:
    """Every line of every file (without the newline), by the file's local day."""
    _, out = run
    return {
        dt.date.fromisoformat(p.name[:10]): gzip.decompress(p.read_bytes())
        .decode("utf-8")
        .splitlines()
        for p in sorted(out.glob("*.jsonl.gz"))
    }


@pytest.fixture(scope="module")
def parsed(lines: dict[dt.date, list[str]]) -> dict[dt.date, list[dict | None]]:
    """Lines parsed as JSON; None for lines that are not JSON."""
    out: dict[dt.date, list[dict | None]] = {}
    for day, rows in lines.items():
        out[day] = []
        for line in rows:
            try:
                out[day].append(json.loads(line))
            except json.JSONDecodeError:
                out[day].append(None)
    return out


def _timestamp(message: dict) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(message["timestamp"])
    except (KeyError, TypeError, ValueError):
        return None


def _is_event(message: dict | None) -> bool:
    """A loadable event: known type, some id, parseable timestamp."""
    return (
        message is not None
        and message.get("type") in EVENT_TYPES
        and any(message.get(k) for k in ("userId", "anonymousId", "previousId"))
        and _timestamp(message) is not None
    )


@pytest.fixture(scope="module")
def events(parsed: dict[dt.date, list[dict | None]]) -> list[dict]:
    return _events(parsed)


def _events(parsed: dict[dt.date, list[dict | None]]) -> list[dict]:
    """Distinct loadable events (first copy of each messageId)."""
    seen: set[str] = set()
    out = []
    for day in sorted(parsed):
        for message in parsed[day]:
            if _is_event(message) and message["messageId"] not in seen:
                seen.add(message["messageId"])
                out.append(message)
    return out


def _local_day(message: dict) -> dt.date:
    return _timestamp(message).astimezone(SEOUL).date()


def _digest(directory: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(directory.iterdir())}


# --- files ---------------------------------------------------------------------------------


def test_one_gzip_file_per_local_day_and_nothing_else(run: tuple[GenerateReport, Path]) -> None:
    report, out = run
    expected = [f"{START + dt.timedelta(days=i)}.jsonl.gz" for i in range(DAYS)]
    assert sorted(p.name for p in out.iterdir()) == expected  # no *.tmp left behind
    assert [p.name for p in report.files] == expected
    assert [s.date for s in report.file_stats] == [
        START + dt.timedelta(days=i) for i in range(DAYS)
    ]
    assert report.users == USERS and report.days == DAYS and report.seconds > 0


def test_file_stats_add_up(
    run: tuple[GenerateReport, Path], lines: dict[dt.date, list[str]]
) -> None:
    report, _ = run
    for stats in report.file_stats:
        assert stats.lines == len(lines[stats.date])
        assert stats.lines == stats.events + stats.late_events + stats.duplicates + stats.bad_lines
        assert 0 <= stats.bad_lines <= NoiseRates().max_bad_lines_per_file
    assert report.lines == sum(len(v) for v in lines.values())
    assert report.lines == report.events + report.duplicates + report.bad_lines
    assert report.bad_lines == sum(report.bad_line_kinds.values())


def test_same_seed_same_bytes_any_worker_count_other_seed_differs(tmp_path: Path) -> None:
    noisy = NoiseRates(duplicate_rate=0.02, late_rate=0.05)
    kwargs = dict(users=600, days=12, start=START, rates=noisy)
    first = generate_demo(tmp_path / "a", seed=5, workers=1, **kwargs)
    generate_demo(tmp_path / "b", seed=5, workers=1, **kwargs)
    generate_demo(tmp_path / "c", seed=5, workers=2, **kwargs)
    generate_demo(tmp_path / "d", seed=6, workers=1, **kwargs)
    assert first.late_events > 0 and first.next_day_duplicates > 0  # the cross-file paths ran
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b") == _digest(tmp_path / "c")
    other = _digest(tmp_path / "d")
    assert other.keys() == _digest(tmp_path / "a").keys()
    assert all(other[name] != digest for name, digest in _digest(tmp_path / "a").items())


def test_a_failed_run_leaves_no_partial_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipelines.generate import day as day_module

    original = day_module.DayWriter.run

    def failing(self: day_module.DayWriter, day: int):  # noqa: ANN202
        if day == 3:
            raise RuntimeError("disk full")
        return original(self, day)

    monkeypatch.setattr(day_module.DayWriter, "run", failing)
    with pytest.raises(RuntimeError, match="disk full"):
        generate_demo(tmp_path, users=200, days=6, seed=1, start=START, workers=1)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        f"{START + dt.timedelta(days=i)}.jsonl.gz" for i in range(3)
    ]


# --- noise, counted exactly -----------------------------------------------------------------


def test_every_line_is_json_except_the_truncated_ones(
    run: tuple[GenerateReport, Path], parsed: dict[dt.date, list[dict | None]]
) -> None:
    report, _ = run
    for stats in report.file_stats:
        assert sum(m is None for m in parsed[stats.date]) == stats.bad_line_kinds.get(
            "truncated_json", 0
        )
    assert (
        sum(m is None for rows in parsed.values() for m in rows)
        == report.bad_line_kinds["truncated_json"]
    )


def test_bad_line_kinds_are_exact(
    run: tuple[GenerateReport, Path], parsed: dict[dt.date, list[dict | None]]
) -> None:
    report, _ = run
    found: Counter[str] = Counter()
    for rows in parsed.values():
        for m in rows:
            if m is None:
                found["truncated_json"] += 1
            elif m.get("type") not in EVENT_TYPES:
                found["unknown_type"] += 1
            elif not any(m.get(k) for k in ("userId", "anonymousId", "previousId")):
                found["missing_ids"] += 1
            elif _timestamp(m) is None:
                found["invalid_timestamp"] += 1
    assert dict(found) == report.bad_line_kinds
    assert set(found) == {"truncated_json", "unknown_type", "missing_ids", "invalid_timestamp"}


def test_retries_repeat_message_ids_exactly(
    run: tuple[GenerateReport, Path], parsed: dict[dt.date, list[dict | None]]
) -> None:
    report, _ = run
    copies = Counter(m["messageId"] for rows in parsed.values() for m in rows if _is_event(m))
    assert sum(copies.values()) - len(copies) == report.duplicates > 0
    assert len(copies) == report.events
    assert max(copies.values()) == 2


def test_timestamps_fall_on_the_file_day_except_late_deliveries(
    run: tuple[GenerateReport, Path], parsed: dict[dt.date, list[dict | None]]
) -> None:
    report, _ = run
    off_day = 0
    for day, rows in parsed.items():
        for m in rows:
            if _is_event(m) and _local_day(m) != day:
                assert _local_day(m) < day  # late, never early
                off_day += 1
    assert off_day == report.late_events + report.next_day_duplicates
    assert report.late_events > 0


def test_late_events_come_from_phones_and_keep_their_real_time(
    parsed: dict[dt.date, list[dict | None]],
) -> None:
    late = [m for day, rows in parsed.items() for m in rows if _is_event(m) and _local_day(m) < day]
    libraries = Counter(m["context"]["library"]["name"] for m in late)
    assert libraries.keys() <= {
        "analytics-ios",
        "analytics-android",
        "analytics.js",
        "analytics-node",
    }
    assert libraries["analytics-ios"] + libraries["analytics-android"] > 0.7 * len(late)
    for m in late:
        assert dt.datetime.fromisoformat(m["sentAt"]) > _timestamp(m)


# --- content -------------------------------------------------------------------------------


def test_timestamps_mix_offset_and_zulu_forms(parsed: dict[dt.date, list[dict | None]]) -> None:
    forms = Counter(
        m["timestamp"][-6:] if m["timestamp"].endswith("+09:00") else m["timestamp"][-1]
        for rows in parsed.values()
        for m in rows
        if _is_event(m)
    )
    assert set(forms) == {"+09:00", "Z"}
    assert min(forms.values()) > 0.2 * sum(forms.values())


def test_zeroed_idfa_always_comes_with_tracking_disabled(events: list[dict]) -> None:
    devices: dict[str, tuple[str, str, bool]] = {}
    for m in events:
        device = m["context"].get("device")
        library = m["context"]["library"]["name"]
        if library == "analytics.js":
            assert device is None  # no advertising id on the web
        if not device:
            continue
        ad_id, tracking = device["advertisingId"], device["adTrackingEnabled"]
        if ad_id == ZERO_ID:
            assert tracking is False
        if device["type"] == "ios" and ad_id != ZERO_ID:
            assert ad_id == ad_id.upper()  # IDFA as iOS sends it
        devices[m.get("anonymousId") or m["previousId"]] = (device["type"], ad_id, tracking)
    ios = [d for d in devices.values() if d[0] == "ios"]
    android = [d for d in devices.values() if d[0] == "android"]
    assert 0.65 < sum(d[1] == ZERO_ID for d in ios) / len(ios) < 0.85  # ATT opt-out ~75%
    assert 0.02 < sum(not d[2] for d in android) / len(android) < 0.15  # limit ad tracking ~7%
    assert any(d[1] != d[1].lower() for d in android) and any(d[1] == d[1].lower() for d in android)


def test_signups_carry_both_ids_an_allowed_method_and_are_identified(
    run: tuple[GenerateReport, Path], events: list[dict]
) -> None:
    report, _ = run
    signups = [m for m in events if m.get("event") == "Signed Up"]
    assert len(signups) == report.signups > 0
    assert {m["properties"]["method"] for m in signups} == set(cat.SIGNUP_METHODS)
    methods = Counter(m["properties"]["method"] for m in signups)
    assert methods.most_common(1)[0][0] == "kakao"
    assert all(m["userId"] and m["anonymousId"] for m in signups)
    identifies = {(m["userId"], m["anonymousId"]): m for m in events if m["type"] == "identify"}
    for m in signups:
        traits = identifies[(m["userId"], m["anonymousId"])]["traits"]
        assert "@" in traits["email"] and traits["name"] and traits["created_at"]
    referred = [m for m in signups if "referrer_user_id" in m["properties"]]
    assert referred and all(
        m["properties"]["referrer_user_id"].startswith("usr_") for m in referred
    )
    phones = [t["traits"]["phone"] for t in identifies.values() if "phone" in t["traits"]]
    assert phones and all(p.startswith(("010", "+82")) for p in phones)
    assert any(t["traits"]["email"] != t["traits"]["email"].lower() for t in identifies.values())


def test_every_person_starts_with_a_page_view(events: list[dict]) -> None:
    first: dict[str, dict] = {}
    for m in sorted(events, key=_timestamp):
        if m.get("anonymousId") and m["type"] in ("page", "screen", "track"):
            first.setdefault(m["anonymousId"], m)
    starts = Counter(m["type"] for m in first.values())
    assert starts["page"] > 0.85 * len(first)  # second devices of members are the exception


def test_payments_and_report_totals(run: tuple[GenerateReport, Path], events: list[dict]) -> None:
    report, _ = run
    started = [m for m in events if m.get("event") == "Subscription Started"]
    renewed = [m for m in events if m.get("event") == "Order Completed"]
    prices = {p.name: p.price_krw for p in cat.PLANS}
    assert len(started) == report.paid > 0 and len(renewed) == report.renewals > 0
    for m in started + renewed:
        assert m["properties"]["currency"] == "KRW"
        assert m["properties"]["revenue"] == prices[m["properties"]["plan"]]
    assert sum(m["properties"]["revenue"] for m in started + renewed) == report.revenue_krw
    assert {m["userId"] for m in started} <= {
        m["userId"] for m in events if m.get("event") == "Signed Up"
    }


def test_channel_mix_includes_every_channel(events: list[dict]) -> None:
    from urllib.parse import parse_qs, urlsplit

    seen: Counter[tuple[str | None, str | None]] = Counter()
    click_ids: dict[tuple[str | None, str | None], set[str]] = defaultdict(set)
    for m in events:
        page, campaign = m["context"].get("page"), m["context"].get("campaign")
        if (
            m["type"] == "page"
            and page
            and page.get("referrer") is not None
            and page["path"] in ("/", "/lp/summary", "/lp/research", "/invite")
        ):
            query = parse_qs(urlsplit(page["url"]).query)
            key = (query.get("utm_source", [None])[0], query.get("utm_medium", [None])[0])
            seen[key] += 1
            click_ids[key] |= {k for k in ("gclid", "fbclid", "ref") if k in query}
        elif campaign:
            seen[(campaign["source"], campaign["medium"])] += 1
    expected = {(c.source, c.medium) for c in cat.CHANNELS}
    assert expected <= set(seen)
    assert click_ids[("google", "cpc")] == {"gclid"}
    assert (
        click_ids[("facebook", "paid_social")]
        == {"fbclid"}
        == click_ids[("instagram", "paid_social")]
    )
    assert click_ids[("referral", "referral")] == {"ref"}
    total = sum(seen.values())
    assert 0.15 < seen[(None, None)] / total < 0.45  # direct
    assert seen[("google", "cpc")] > seen[("naver", "cpc")]


def test_engagement_predicts_future_activity(events: list[dict]) -> None:
    """Members active in the first half: the top latent-engagement quintile stays far more
    active in the second half than the bottom one."""
    population = build_population(USERS, DAYS, SEED, START)
    members = np.flatnonzero(population.signup_day < DAYS // 2)
    engagement = dict(
        zip(user_ids(members, SEED), population.engagement[members].tolist(), strict=True)
    )
    half = START + dt.timedelta(days=DAYS // 2)
    active: dict[str, list[set[dt.date]]] = defaultdict(lambda: [set(), set()])
    for m in events:
        if (
            m["type"] in ("page", "screen", "track")
            and m.get("userId") in engagement
            and "anonymousId" in m
        ):
            day = _local_day(m)
            active[m["userId"]][day >= half].add(day)
    early = [u for u, (first, _) in active.items() if first]
    ranked = sorted(early, key=engagement.__getitem__)
    fifth = len(ranked) // 5
    later = [len(active[u][1]) for u in ranked]
    bottom, top = np.mean(later[:fifth]), np.mean(later[-fifth:])
    assert len(ranked) > 300
    assert top > 3 * bottom and top > 3.0


def test_activity_has_weekly_seasonality_and_growth(events: list[dict]) -> None:
    people: dict[dt.date, set[str]] = defaultdict(set)
    for m in events:
        if m["type"] in ("page", "screen", "track"):
            people[_local_day(m)].add(m.get("userId") or m["anonymousId"])
    dau = {day: len(p) for day, p in people.items()}
    weekday = np.mean([n for d, n in dau.items() if d.weekday() < 5])
    weekend = np.mean([n for d, n in dau.items() if d.weekday() >= 5])
    assert weekend < 0.9 * weekday
    first_week = np.mean([dau[START + dt.timedelta(days=i)] for i in range(7)])
    last_week = np.mean([dau[START + dt.timedelta(days=DAYS - 7 + i)] for i in range(7)])
    assert last_week > 1.5 * first_week


def test_volume_scales_with_users(run: tuple[GenerateReport, Path]) -> None:
    report, _ = run
    assert 0.2 < report.events_per_user_day < 0.6  # short runs are early-tenure heavy
    assert report.active_person_days > report.users


def test_files_are_cut_on_local_days_across_a_dst_change(tmp_path: Path) -> None:
    report = generate_demo(
        tmp_path,
        users=300,
        days=3,
        seed=2,
        start=dt.date(2026, 3, 7),
        timezone="America/New_York",
        rates=NoiseRates(late_rate=0, duplicate_rate=0),
    )
    zone = ZoneInfo("America/New_York")
    offsets = set()
    for path in report.files:
        day = dt.date.fromisoformat(path.name[:10])
        for line in gzip.decompress(path.read_bytes()).decode().splitlines():
            try:
                m = json.loads(line)
            except json.JSONDecodeError:
                continue
            ts = _timestamp(m) if _is_event(m) else None
            if ts is not None:
                assert ts.astimezone(zone).date() == day
                if not m["timestamp"].endswith("Z"):
                    offsets.add(m["timestamp"][-6:])
                    assert ts.utcoffset() == ts.astimezone(zone).utcoffset()
    assert offsets == {"-05:00", "-04:00"}
