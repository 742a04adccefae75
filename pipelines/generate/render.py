"""Columnar events → Segment-spec JSON lines.

A generic JSON serializer costs ~10 µs per object, too slow for 100M events. Here a
line is one DuckDB ``concat`` of

* JSON fragments prepared once in Python with ``json.dumps`` (escaping right by
  construction), handed over as dictionary columns: the object's head per event
  kind, the fixed part of ``context`` per device look, consent, campaign, IP, …;
* per-row fragments assembled in numpy from values that are JSON-safe by
  construction (hex/UUID ids, digits, URL-encoded query strings), literal text
  included, so DuckDB sees few pieces.

``concat`` skips NULLs, so an optional member is a fragment that is NULL where the
member is absent. About 2 µs per event on one core, plus gzip.
"""

from __future__ import annotations

import functools
import itertools
import json

import numpy as np
import pyarrow as pa

from pipelines.generate import catalog as cat
from pipelines.generate import ids
from pipelines.generate.activity import DayEvents
from pipelines.generate.clock import DayClock
from pipelines.generate.population import Population
from pipelines.generate.textcols import (
    booleans,
    digits,
    fixed_strings,
    literal,
    lookup,
    ragged_strings,
    sparse_strings,
)
from pipelines.generate.traits import traits_json

# Fractions of devices, compared with 16-bit fields of the device hash.
ATT_OPT_OUT = 0.75  # iOS users who deny App Tracking Transparency: zeroed IDFA
ANDROID_LIMIT_AD_TRACKING = 0.07  # Android users with limit-ad-tracking on
ANDROID_UPPERCASE_GAID = 0.10  # SDK paths that send the GAID in capitals


def _j(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _field(h: np.ndarray, shift: int, bits: int = 16) -> np.ndarray:
    return ((h >> np.uint64(shift)) & np.uint64((1 << bits) - 1)).astype(np.int64)


# --- fragments prepared once ---------------------------------------------------------------

# The opening of each kind's object: '{"type":"page","name":"Home"'.
_HEADS = tuple(
    '{"type":'
    + _j(t)
    + ("" if name is None else "," + _j("event" if t == cat.TRACK else "name") + ":" + _j(name))
    for t, name in cat.EVENT_KINDS
)
_PAGE_KINDS = np.array([i for i, (t, _) in enumerate(cat.EVENT_KINDS) if t == cat.PAGE])
_NAMES_J = tuple(_j(name or "") for _, name in cat.EVENT_KINDS)
_TITLES_J = tuple(
    _j(cat.PAGE_TITLES.get(n or "", "Moonlight") if t == cat.PAGE else "Moonlight")
    for t, n in cat.EVENT_KINDS
)
_PATHS = tuple(
    cat.PAGE_PATHS.get(n or "", "/") if t == cat.PAGE else "/" for t, n in cat.EVENT_KINDS
)
_CAMPAIGN_J = tuple(
    ',"campaign":' + _j(c.context_campaign()) if c.context_campaign() else None
    for c in cat.CAMPAIGNS
)
_CLICK_KIND = np.array(
    [cat.CHANNELS[cat.CHANNEL_INDEX[c.channel]].click_id or "" for c in cat.CAMPAIGNS]
)
_CONSENT_J = tuple(
    ',"consent":' + _j({"ad_user_data": bool(c & 1), "ad_personalization": bool(c & 2)})
    for c in range(4)
)
_IP_J = tuple(f',"ip":"{ip}"' for ip in cat.ip_pool())

# Context "looks": every context member fixed per browser / phone model / server.
_WEB_LOOKS = len(cat.WEB_OS)
_MOBILE_WEB_LOOK = _WEB_LOOKS  # + 0 for iOS, + 1 for Android
_SERVER_LOOK = _WEB_LOOKS + 2
_APP_LOOK = _SERVER_LOOK + 1
_N_MODELS, _N_OS, _N_APP = 6, 5, len(cat.APP_VERSIONS)


@functools.lru_cache(maxsize=16)
def context_looks(timezone: str) -> tuple[str, ...]:
    """Context members (no braces) per look; app looks leave ``device`` open for the ad id."""

    def library(src: int) -> str:
        name, version = cat.LIBRARIES[src]
        return '"library":' + _j({"name": name, "version": version})

    where = f',"locale":"ko-KR","timezone":{_j(timezone)}'
    looks = [
        f'{library(cat.SRC_WEB)}{where},"os":{_j({"name": os_name})}' for os_name in cat.WEB_OS
    ]
    for plat in (cat.IOS, cat.ANDROID):
        looks.append(
            f'{library(cat.SRC_MOBILE_WEB)}{where},"os":{_j({"name": cat.MOBILE_OS[plat]})}'
        )
    looks.append(library(cat.SRC_SERVER))
    for plat, model, os_version, app in itertools.product(
        (cat.IOS, cat.ANDROID), range(_N_MODELS), range(_N_OS), range(_N_APP)
    ):
        src = cat.SRC_IOS if plat == cat.IOS else cat.SRC_ANDROID
        maker, model_name = cat.DEVICE_MODELS[plat][model]
        version, build = cat.APP_VERSIONS[app]
        app_info = _j({"name": cat.APP_NAME, "version": version, "build": build})
        os_info = _j({"name": cat.MOBILE_OS[plat], "version": cat.OS_VERSIONS[plat][os_version]})
        device = _j({"type": cat.PLATFORMS[plat], "manufacturer": maker, "model": model_name})[:-1]
        looks.append(f'{library(src)},"app":{app_info},"os":{os_info}{where},"device":{device}')
    return tuple(looks)


# --- per-row fragments -----------------------------------------------------------------------


def paper_id_matrix(paper: np.ndarray) -> np.ndarray:
    """arXiv-style ids ``YYMM.NNNNN`` (2018–2024) from paper indices."""
    yymm = (18 + paper % 7) * 100 + 1 + (paper // 7) % 12
    dot = np.full((len(paper), 1), ord("."), np.uint8)
    return np.hstack([digits(yymm, 4), dot, digits((paper // 84) % 100_000, 5)])


def _text(*parts: bytes | np.ndarray) -> np.ndarray:
    """Row-wise concatenation of literal ``bytes`` and (rows × width) byte matrices."""
    rows = next(p.shape[0] for p in parts if isinstance(p, np.ndarray))
    return np.hstack([literal(p, rows) if isinstance(p, bytes) else p for p in parts])


def _identity(events: DayEvents, seed: int) -> dict[str, pa.Array]:
    """Id members as each type carries them: ``messageId`` always; ``userId`` when known
    (the SQL writes ``"userId":null`` otherwise, like analytics.js); ``anonymousId``
    except on server events; ``previousId`` (the anonymousId) on alias calls."""
    alias = events.kind == cat.KIND["alias"]
    with_anon = (events.src != cat.SRC_SERVER) & ~alias
    known = events.ident
    return {
        "mid": fixed_strings(
            _text(b',"messageId":"', ids.uuid_matrix(events.mid_hi, events.mid_lo), b'"')
        ),
        "uid": sparse_strings(
            _text(b',"userId":"', ids.user_id_matrix(events.person[known], seed), b'"'), known
        ),
        "aid": sparse_strings(
            _text(
                b',"anonymousId":"', ids.anonymous_id_matrix(events.device[with_anon], seed), b'"'
            ),
            with_anon,
        ),
        "prev": sparse_strings(
            _text(b',"previousId":"', ids.anonymous_id_matrix(events.device[alias], seed), b'"'),
            alias,
        ),
    }


def _advertising(events: DayEvents, dev: np.ndarray, seed: int) -> dict[str, pa.Array]:
    """``advertisingId`` and ``adTrackingEnabled`` (which closes ``context.device``) of app events."""
    src, n = events.src, len(events)
    ios, android = src == cat.SRC_IOS, src == cat.SRC_ANDROID
    phones = ios | android
    u_track, u_case = _field(dev[phones], 0) / 65536.0, _field(dev[phones], 16) / 65536.0
    on_ios = ios[phones]
    opted_out = np.where(on_ios, u_track < ATT_OPT_OUT, u_track < ANDROID_LIMIT_AD_TRACKING)
    zeroed = np.where(on_ios, opted_out, u_track < ANDROID_LIMIT_AD_TRACKING / 2)
    device = events.device[phones]
    ad = ids.uuid_matrix(
        ids.keyed_hash(device, seed, ids.SALT_AD_HI),
        ids.keyed_hash(device, seed, ids.SALT_AD_LO),
        on_ios | (u_case < ANDROID_UPPERCASE_GAID),  # IDFA in capitals, GAID mostly lowercase
    )
    ad[zeroed] = np.frombuffer(cat.ZERO_AD_ID.encode(), dtype=np.uint8)
    tracking = np.full(n, -1, dtype=np.int32)
    tracking[phones] = ~opted_out
    return {
        "adid": sparse_strings(_text(b',"advertisingId":"', ad, b'"'), phones),
        "adt": lookup((',"adTrackingEnabled":false}', ',"adTrackingEnabled":true}'), tracking),
    }


def _landing_query(events: DayEvents, seed: int) -> pa.Array:
    """What a landing URL carries beyond the UTM parameters: the ad click id (Google
    ``gclid``, Meta ``fbclid``) or the referral code ``ref=<userId>``; NULL elsewhere."""
    camp = events.campaign
    landing = np.flatnonzero(events.landing & (camp >= 0))
    click = _CLICK_KIND[camp[landing]]
    referrer = events.referrer[landing]
    words = [
        ids.keyed_hash(events.person[landing].astype(np.int64) * 8 + i, seed, ids.SALT_CLICK)
        for i in range(8)
    ]
    token = ids.token_matrix(words)  # 64 URL-safe characters
    variants = [
        (click == "gclid", _text(b"gclid=Cj0KCQjw", token)),
        (click == "fbclid", _text(b"fbclid=IwAR", token[:, :56])),
        (referrer >= 0, _text(b"ref=", ids.user_id_matrix(np.maximum(referrer, 0), seed))),
    ]
    matrix = np.zeros((len(landing), max(v.shape[1] for _, v in variants)), dtype=np.uint8)
    lengths = np.zeros(len(landing), dtype=np.int64)
    for rows, text in variants:  # a channel has at most one of them
        matrix[rows, : text.shape[1]] = text[rows]
        lengths[rows] = text.shape[1]
    has = lengths > 0
    return ragged_strings(len(events), landing[has], matrix[has], lengths[has])


def event_table(
    events: DayEvents, sent: np.ndarray, pop: Population, clock: DayClock, timezone: str
) -> pa.Table:
    """One Arrow row per event with every piece the SQL concatenates (``events`` order)."""
    n = len(events)
    seed = pop.seed
    src, person, kind = events.src, events.person, events.kind
    mobile = (src == cat.SRC_IOS) | (src == cat.SRC_ANDROID)
    server = src == cat.SRC_SERVER
    dev = ids.keyed_hash(events.device, seed, ids.SALT_DEVICE)

    # Context look: a browser, a phone browser, a phone app (model, OS, app version), the server.
    android = (src == cat.SRC_ANDROID).astype(np.int64)
    app_version = _field(dev, 40, 8) % _N_APP
    app_look = (
        _APP_LOOK
        + (
            (android * _N_MODELS + _field(dev, 48, 8) % _N_MODELS) * _N_OS
            + _field(dev, 56, 8) % _N_OS
        )
        * _N_APP
        + app_version
    )
    phone_platform = pop.platform[pop.device[person]]  # the phone behind a mobile-web landing page
    look = np.select(
        [src == cat.SRC_WEB, src == cat.SRC_MOBILE_WEB, server],
        [
            _field(dev, 32, 8) % _WEB_LOOKS,
            _MOBILE_WEB_LOOK + (phone_platform == cat.ANDROID),
            _SERVER_LOOK,
        ],
        app_look,
    )

    person_hash = ids.keyed_hash(person, seed, ids.SALT_PERSON)
    identify = np.flatnonzero(kind == cat.KIND["identify"])
    traits_index = np.full(n, -1, dtype=np.int32)
    traits_index[identify] = np.arange(len(identify), dtype=np.int32)
    traits = tuple(
        ',"traits":' + t
        for t in traits_json(person_hash[identify], events.r[identify], events.ts[identify])
    )
    camp = events.campaign
    landing = events.landing & (camp >= 0)
    ordered = events.order_no >= 0
    order_key = person[ordered].astype(np.int64) * 4096 + events.order_no[ordered]
    plans = cat.PLANS
    columns = {
        "kind": kind,
        "src": src,
        "landing": booleans(landing),
        "page": booleans(np.isin(kind, _PAGE_KINDS)),
        "r": events.r,
        "price": np.array([p.price_krw for p in plans], dtype=np.int32)[pop.plan[person]],
        "ts": events.ts,
        "tsl": clock.local_ms(events.ts),
        "offi": clock.offset_index(events.ts),
        "sent": sent,
        "head": lookup(_HEADS, kind),
        **_identity(events, seed),
        "name_j": lookup(_NAMES_J, kind),
        "title_j": lookup(_TITLES_J, kind),
        "kpath": lookup(_PATHS, kind),
        "look": lookup(context_looks(timezone), look),
        **_advertising(events, dev, seed),
        "ip": lookup(_IP_J, _field(person_hash, 0, cat.IP_POOL_BITS), ~server),
        "consent": lookup(_CONSENT_J, pop.consent[person], ~server),
        "campaign": lookup(_CAMPAIGN_J, np.where(mobile, camp, -1)),
        "lpath": lookup(tuple(c.path for c in cat.CAMPAIGNS), camp, landing),
        "lquery": lookup(tuple(c.query() for c in cat.CAMPAIGNS), camp, landing),
        "lextra": _landing_query(events, seed),
        "lref": lookup(tuple(c.referrer for c in cat.CAMPAIGNS), camp, landing),
        "traits": lookup(traits or ("",), traits_index),
        "app_version": lookup(tuple(v for v, _ in cat.APP_VERSIONS), app_version, mobile),
        "app_build": lookup(tuple(b for _, b in cat.APP_VERSIONS), app_version, mobile),
        "method": lookup(cat.SIGNUP_METHODS, pop.method[person]),
        "plan": lookup(tuple(p.name for p in plans), pop.plan[person]),
        "period": lookup(
            tuple("monthly" if p.period_days < 365 else "annual" for p in plans), pop.plan[person]
        ),
        "ref": sparse_strings(
            ids.user_id_matrix(events.referrer[events.referrer >= 0], seed), events.referrer >= 0
        ),
        "ord": sparse_strings(
            ids.prefixed(
                b"ord_", ids.hex_matrix([ids.keyed_hash(order_key, seed, ids.SALT_ORDER)])
            ),
            ordered,
        ),
        "pid": fixed_strings(paper_id_matrix(events.paper.astype(np.int64))),
    }
    return pa.Table.from_arrays(list(columns.values()), names=list(columns))


# --- SQL ---------------------------------------------------------------------------------------


def _sql_str(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _kinds(*types: str) -> str:
    return ", ".join(str(i) for i, (t, _) in enumerate(cat.EVENT_KINDS) if t in types)


def _choice(values: tuple[str, ...], index_sql: str) -> str:
    return "[" + ", ".join(_sql_str(v) for v in values) + f"][{index_sql} + 1]"


@functools.lru_cache(maxsize=16)
def event_sql(suffixes: tuple[str, str]) -> str:
    """The SELECT turning table ``ev`` into one JSON line per row, in row order."""
    K = cat.KIND
    site = cat.SITE
    iso = "'%Y-%m-%dT%H:%M:%S.%g'"
    properties = f"""CASE
        WHEN page THEN concat('{{"path":"', page_path, '","title":', title_j, '}}')
        WHEN kind IN ({_kinds(cat.SCREEN)}) THEN concat('{{"name":', name_j, '}}')
        WHEN kind = {K["Application Installed"]} THEN concat('{{"version":"', app_version, '","build":"', app_build, '"}}')
        WHEN kind = {K["Application Opened"]} THEN concat('{{"from_background":', r % 3 = 0, ',"version":"', app_version, '"}}')
        WHEN kind = {K["Paper Viewed"]} THEN concat('{{"paper_id":"', pid, '","source":"', {_choice(("search", "library", "share", "home"), "r % 4")}, '"}}')
        WHEN kind = {K["Search Performed"]} THEN concat('{{"query_length":', 3 + r % 40, ',"results":', (r >> 8) % 50, '}}')
        WHEN kind = {K["Summary Created"]} THEN concat('{{"paper_id":"', pid, '","language":"', CASE WHEN r % 100 < 64 THEN 'ko' ELSE 'en' END, '","length":"', {_choice(("short", "medium", "long"), "(r >> 8) % 3")}, '"}}')
        WHEN kind = {K["Paper Uploaded"]} THEN concat('{{"paper_id":"', pid, '","pages":', 4 + (r >> 8) % 37, ',"file_type":"pdf"}}')
        WHEN kind = {K["Share Link Created"]} THEN concat('{{"paper_id":"', pid, '","channel":"', {_choice(("kakao", "link", "kakao", "twitter", "email"), "(r >> 8) % 5")}, '"}}')
        WHEN kind = {K["Signed Up"]} THEN concat('{{"method":"', method, '"', ',"referrer_user_id":"' || ref || '"', '}}')
        WHEN kind = {K["Subscription Started"]} THEN concat('{{"plan":"', plan, '","period":"', period, '","revenue":', price, ',"currency":"KRW","order_id":"', ord, '"}}')
        WHEN kind = {K["Order Completed"]} THEN concat('{{"order_id":"', ord, '","plan":"', plan, '","revenue":', price, ',"currency":"KRW","renewal":true}}')
        END"""
    # analytics.js sends context.page with page calls; the landing page carries the UTM query.
    page = f"""CASE WHEN page THEN concat(',"page":{{"path":"', page_path, '","referrer":"',
        CASE WHEN landing THEN lref ELSE '{site}/' END, '"', ',"search":"' || page_search || '"',
        ',"title":', title_j, ',"url":"{site}', page_path, page_search, '"}}') END"""
    suffix = "[" + ", ".join(_sql_str(s) for s in suffixes) + "][offi + 1]"
    return f"""
WITH framed AS (
    SELECT *,
        CASE WHEN src IN ({cat.SRC_IOS}, {cat.SRC_ANDROID}) THEN strftime(epoch_ms(tsl), {iso}) || {suffix}
             ELSE strftime(epoch_ms(ts), {iso}) || 'Z' END AS ts_s,
        CASE WHEN landing THEN lpath WHEN kind = {K["Paper"]} THEN '/paper/' || pid ELSE kpath END AS page_path,
        CASE WHEN landing THEN '?' || nullif(concat_ws('&', nullif(lquery, ''), lextra), '') END AS page_search
    FROM ev
)
SELECT concat(
    head, mid, coalesce(uid, ',"userId":null'), aid, prev,
    ',"timestamp":"', ts_s,
    CASE WHEN src <> {cat.SRC_SERVER} THEN concat('","originalTimestamp":"', ts_s) END,
    '","sentAt":"', strftime(epoch_ms(sent), {iso}), 'Z"',
    ',"properties":' || ({properties}),
    traits,
    ',"context":{{', look, adid, adt, {page}, ip, consent, campaign, '}}}}', chr(10)) AS line
FROM framed
"""
