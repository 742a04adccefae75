"""One day of behaviour, vectorized: who is active, what they do, and when.

Given the population and a day's own random generator, this decides each arrived
person's activity (engagement × tenure decay × weekday, with churn and comebacks),
lays out their events for the day in order — first-visit landing, regular browsing,
the signup sequence, a subscription — and gives every event a time. The result is a
columnar ``DayEvents`` sorted by time; nothing here knows about JSON.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipelines.generate import catalog as cat
from pipelines.generate.clock import DayClock
from pipelines.generate.population import Population

K = cat.KIND
# Activity by weekday (Mon..Sun): researchers and students work less at weekends.
ACTIVITY_WEEKDAY = np.array([1.0, 1.02, 1.0, 0.98, 0.92, 0.68, 0.78])
# Local hour-of-day weights of session starts (a Korean evening peak).
HOUR_WEIGHTS = np.array(
    [3.0, 2.0, 1.2, 0.6, 0.4, 0.4, 0.6, 1.2, 2.2, 3.6, 4.6, 4.8]  # 00-11h
    + [4.0, 4.4, 5.0, 5.0, 4.8, 4.2, 3.6, 3.8, 4.4, 5.0, 5.0, 4.2]  # 12-23h
)
HOUR_CUM = np.cumsum(HOUR_WEIGHTS / HOUR_WEIGHTS.sum())
DORMANT_P = 0.002  # a churned person still drops by now and then
COMEBACK_FACTOR = 0.6
SECOND_DEVICE_SHARE = 0.4  # of active days once a member has a second device
ALIAS_SHARE = 0.08  # of signups that also send an alias call
MEAN_GAP_MS = 35_000
PAPER_POOL = 3_000_000  # distinct papers; popularity is skewed towards low ids

# Segment tags of an event inside a person's day.
_FIRST, _OPEN, _REGULAR, _SIGNUP, _PAID = range(5)


@dataclass
class DayEvents:
    """Columnar events of one local day, sorted by ``ts``."""

    person: np.ndarray  # int32
    kind: np.ndarray  # int16 index into catalog.EVENT_KINDS
    src: np.ndarray  # int8 catalog.SRC_*
    ts: np.ndarray  # int64 UTC epoch ms
    ident: np.ndarray  # bool: carries userId
    device: np.ndarray  # int64 device key (person * 2 + slot)
    campaign: np.ndarray  # int16 campaign row attached to the event, or -1
    landing: np.ndarray  # bool: the first-visit landing page view
    referrer: np.ndarray  # int32 referrer person on landing / Signed Up events, or -1
    order_no: np.ndarray  # int16 payment number (0 = Subscription Started) or -1
    mid_hi: np.ndarray  # uint64 random bits of the messageId (a retry keeps them)
    mid_lo: np.ndarray  # uint64
    r: np.ndarray  # int64 random bits for property values
    paper: np.ndarray  # int32 paper index for paper properties
    active_people: int = 0

    def __len__(self) -> int:
        return len(self.person)

    def take(self, idx: np.ndarray) -> DayEvents:
        return DayEvents(
            **{name: getattr(self, name)[idx] for name in _COLUMNS},
            active_people=self.active_people,
        )


_COLUMNS = (
    "person",
    "kind",
    "src",
    "ts",
    "ident",
    "device",
    "campaign",
    "landing",
    "referrer",
    "order_no",
    "mid_hi",
    "mid_lo",
    "r",
    "paper",
)


def _cat_pick(rng: np.random.Generator, cum: np.ndarray, n: int) -> np.ndarray:
    return np.minimum(np.searchsorted(cum, rng.random(n), side="right"), len(cum) - 1)


def _segment(
    owner: np.ndarray, counts: np.ndarray, tag: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(owner, position within segment, tag) for ``counts[i]`` events of ``owner[i]``."""
    who = np.repeat(owner, counts)
    starts = np.repeat(np.cumsum(counts) - counts, counts)
    return who, np.arange(len(who)) - starts, np.full(len(who), tag, dtype=np.int8)


def simulate_day(pop: Population, day: int, rng: np.random.Generator, clock: DayClock) -> DayEvents:
    n = int(pop.arrived_by[day])
    weekday = clock.date.weekday()
    t = (day - pop.arrival[:n]).astype(np.float32)
    engaged = t <= pop.life[:n]
    comeback = (day >= pop.res_day[:n]) & (day <= pop.res_day[:n] + pop.res_len[:n])
    p_base = pop.p_base[:n]
    p = (
        np.where(
            engaged,
            p_base * (0.5 + 0.5 * np.exp(-t / 14.0)),
            np.where(comeback, p_base * COMEBACK_FACTOR, DORMANT_P),
        )
        * ACTIVITY_WEEKDAY[weekday]
    )
    first = t == 0
    signs = pop.signup_day[:n] == day
    pays = pop.paid_day[:n] == day
    forced = first | signs | pays
    active = np.flatnonzero(forced | (rng.random(n, dtype=np.float32) < p))
    m = len(active)

    first_a, signs_a, pays_a = first[active], signs[active], pays[active]
    forced_a = forced[active]
    # Which device today: a member's second device on some days, never on forced days.
    slot = (
        (pop.second_day[active] <= day) & ~forced_a & (rng.random(m) < SECOND_DEVICE_SHARE)
    ).astype(np.int8)
    platform = np.where(slot == 1, pop.second_platform[active], pop.platform[active]).astype(
        np.int8
    )
    is_app = platform != cat.WEB
    lam = pop.lam[active] * np.where(engaged[active], 1.0, 0.7)
    n_regular = rng.poisson(np.where(first_a, 0.6 * lam, lam)) + (~forced_a)
    n_first = np.where(first_a, np.where(is_app, 3, 1), 0)
    n_open = (is_app & ~first_a).astype(np.int64)
    with_alias = signs_a & (rng.random(m) < ALIAS_SHARE)
    n_signup = np.where(signs_a, 2 + with_alias, 0)
    n_paid = pays_a.astype(np.int64)

    local = np.arange(m)
    parts = [
        _segment(local, n_first, _FIRST),
        _segment(local, n_open, _OPEN),
        _segment(local, n_regular, _REGULAR),
        _segment(local, n_signup, _SIGNUP),
        _segment(local, n_paid, _PAID),
    ]
    who = np.concatenate([q[0] for q in parts])
    pos = np.concatenate([q[1] for q in parts])
    tag = np.concatenate([q[2] for q in parts])
    total = len(who)

    # Order inside the day: landing first, app open next, signup at a random point,
    # the subscription after signup, regular events spread around them.
    signup_at = rng.uniform(0.01, 1.0, m)
    paid_at = np.where(
        signs_a, signup_at + (1.0 - signup_at) * rng.random(m) + 1e-5, rng.uniform(0.01, 1.0, m)
    )
    key = rng.uniform(0.01, 1.0, total)
    key = np.where(tag == _FIRST, pos * 1e-3, key)
    key = np.where(tag == _OPEN, 0.005, key)
    key = np.where(tag == _SIGNUP, signup_at[who] + pos * 1e-7, key)
    key = np.where(tag == _PAID, paid_at[who], key)
    order = np.lexsort((key, who))
    who, pos, tag, key = who[order], pos[order], tag[order], key[order]

    person = active[who].astype(np.int32)
    ident = (pop.signup_day[person] < day) | (signs_a[who] & (key >= signup_at[who]))
    app_ev = is_app[who]

    kind = np.zeros(total, dtype=np.int16)
    regular = tag == _REGULAR
    for app_flag, mix_app in ((False, "web"), (True, "app")):
        for id_flag in (False, True):
            mask = regular & (app_ev == app_flag) & (ident == id_flag)
            kinds, cum = cat.mix_table((mix_app, id_flag))
            kind[mask] = kinds[_cat_pick(rng, cum, int(mask.sum()))]
    first_kinds = np.array(
        [K["Home"], K["Application Installed"], K["screen:Home"]], dtype=np.int16
    )
    kind[tag == _FIRST] = first_kinds[pos[tag == _FIRST]]
    kind[tag == _OPEN] = K["Application Opened"]
    signup_kinds = np.array([K["Signed Up"], K["identify"], K["alias"]], dtype=np.int16)
    kind[tag == _SIGNUP] = signup_kinds[pos[tag == _SIGNUP]]
    kind[tag == _PAID] = K["Subscription Started"]

    landing = (tag == _FIRST) & (pos == 0)
    src = np.where(
        platform[who] == cat.WEB,
        cat.SRC_WEB,
        np.where(platform[who] == cat.IOS, cat.SRC_IOS, cat.SRC_ANDROID),
    )
    src = np.where(landing & app_ev, cat.SRC_MOBILE_WEB, src).astype(np.int8)
    slot_ev = slot[who].astype(np.int64)
    device = np.where(slot_ev == 1, person, pop.device[person]).astype(np.int64) * 2 + slot_ev
    # Install attribution: the landing URL, and context.campaign on the first app session.
    on_first_day = first_a[who]
    campaign = np.where(
        landing | (on_first_day & app_ev & (slot_ev == 0)), pop.campaign[person], -1
    ).astype(np.int16)
    referrer = np.where(landing | (kind == K["Signed Up"]), pop.referrer[person], -1).astype(
        np.int32
    )
    order_no = np.where(kind == K["Subscription Started"], 0, -1).astype(np.int16)

    # Times: one session per person-day, starting at a diurnal hour, ~35 s between events.
    start_ms = (_cat_pick(rng, HOUR_CUM, m) * 3_600_000 + rng.integers(0, 3_600_000, m)).astype(
        np.int64
    )
    start_ms = start_ms * clock.length_ms // 86_400_000
    gaps = (2_000 + rng.exponential(MEAN_GAP_MS, total)).astype(np.int64)
    elapsed = np.cumsum(gaps)
    group_start = np.searchsorted(who, local)  # first event row of each person
    counts = np.bincount(who, minlength=m)
    base = elapsed[group_start] - gaps[group_start]
    duration = elapsed[group_start + counts - 1] - base
    start_ms = np.clip(np.minimum(start_ms, clock.length_ms - 1_000 - duration), 0, None)
    local_ms = start_ms[who] + (elapsed - base[who])
    local_ms = np.minimum(local_ms, clock.length_ms - 1)
    ts = clock.start_ms + local_ms

    events = dict(
        person=person,
        kind=kind,
        src=src,
        ts=ts,
        ident=ident,
        device=device,
        campaign=campaign,
        landing=landing,
        referrer=referrer,
        order_no=order_no,
    )
    renewals = _renewals(pop, day, rng, clock)
    merged = {c: np.concatenate([events[c], renewals[c]]) for c in events}
    order = np.argsort(merged["ts"], kind="stable")
    n_all = len(order)
    raw = (
        rng.bit_generator.random_raw(3 * n_all).reshape(n_all, 3)
        if n_all
        else np.zeros((0, 3), np.uint64)
    )
    return DayEvents(
        **{c: v[order] for c, v in merged.items()},
        mid_hi=raw[:, 0],
        mid_lo=raw[:, 1],
        r=(raw[:, 2] >> np.uint64(33)).astype(np.int64),
        paper=paper_ids(rng, n_all),
        active_people=m,
    )


def _renewals(
    pop: Population, day: int, rng: np.random.Generator, clock: DayClock
) -> dict[str, np.ndarray]:
    """Server-side ``Order Completed`` for each subscription renewing today (a billing job)."""
    payers = pop.payers
    payers = payers[pop.arrival[payers] <= day]
    period = np.array([pl.period_days for pl in cat.PLANS])[pop.plan[payers]]
    since = day - pop.paid_day[payers]
    due = (since > 0) & (since % period == 0) & (day < pop.sub_end[payers])
    who = payers[due].astype(np.int32)
    r = len(who)
    local_ms = (3 * 3_600_000 + rng.integers(0, 2 * 3_600_000, r)) * clock.length_ms // 86_400_000
    return dict(
        person=who,
        kind=np.full(r, K["Order Completed"], dtype=np.int16),
        src=np.full(r, cat.SRC_SERVER, dtype=np.int8),
        ts=clock.start_ms + local_ms.astype(np.int64),
        ident=np.ones(r, dtype=bool),
        device=who.astype(np.int64) * 2,
        campaign=np.full(r, -1, dtype=np.int16),
        landing=np.zeros(r, dtype=bool),
        referrer=np.full(r, -1, dtype=np.int32),
        order_no=(since[due] // period[due]).astype(np.int16),
    )


def paper_ids(rng: np.random.Generator, n: int) -> np.ndarray:
    """Paper indices with a popularity skew (a few papers are summarized by many)."""
    return (PAPER_POOL * rng.random(n) ** 3).astype(np.int32)
