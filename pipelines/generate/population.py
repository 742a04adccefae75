"""The simulated population: one row per person, as numpy arrays.

Everything that makes a person's history coherent across days is drawn here, once:
arrival day, platform, channel and campaign, a latent engagement level, the day they
sign up and pay, how long they stay before churning and whether they come back.
Each day is then simulated from these arrays alone (see ``activity``), so days are
independent given the population and can be generated in parallel, in any order.

People are sorted by arrival day, so "everyone who has arrived by day d" is the
prefix ``[:arrived_by[d]]`` and per-day work touches only that prefix.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from pipelines.generate import catalog as cat

NEVER = np.iinfo(np.int32).max // 2  # "not within the period" for day columns

# Arrivals grow ~3x over the period and dip at weekends (Mon..Sun).
ARRIVAL_GROWTH = np.log(3.0)
ARRIVAL_WEEKDAY = np.array([1.08, 1.06, 1.04, 1.0, 0.95, 0.78, 0.84])


@dataclass(frozen=True)
class PopulationParams:
    """Behavioural knobs. Defaults give ≈0.14 events per person-day over a year."""

    engagement_sigma: float = 0.9
    signup_rate: float = 0.8  # P(signup) = 1 - exp(-rate * engagement)
    same_day_signup: float = 0.68
    pay_base: float = 0.012
    pay_slope: float = 0.06
    resurrect_member: float = 0.30
    resurrect_visitor: float = 0.10
    shared_device: float = 0.0008
    second_device: float = 0.12
    consent_present: float = 0.9
    consent_ad_user_data: float = 0.85
    consent_ad_personalization: float = 0.93  # given ad_user_data


@dataclass
class Population:
    """Per-person latent state. Day columns are day indices (0 = ``start``) or NEVER."""

    seed: int
    days: int
    start: dt.date
    arrival: np.ndarray  # int32, sorted
    arrived_by: np.ndarray  # int64 [days]: people with arrival <= d
    platform: np.ndarray  # int8 (catalog.WEB/IOS/ANDROID) of the first device
    channel: np.ndarray  # int8 index into catalog.CHANNELS
    campaign: np.ndarray  # int16 index into catalog.CAMPAIGNS
    engagement: np.ndarray  # float32, mean ≈ 1
    signup_day: np.ndarray  # int32
    method: np.ndarray  # int8 index into catalog.SIGNUP_METHODS
    referrer: np.ndarray  # int32 person index or -1
    paid_day: np.ndarray  # int32
    plan: np.ndarray  # int8 index into catalog.PLANS
    sub_end: np.ndarray  # int32: first day without a renewal
    life: np.ndarray  # float32 days from arrival until churn
    res_day: np.ndarray  # int32: start of a comeback, or NEVER
    res_len: np.ndarray  # float32
    p_base: np.ndarray  # float32 daily activity probability while engaged
    lam: np.ndarray  # float32 mean extra events per active day
    device: np.ndarray  # int32 person whose first device this person uses (shared devices)
    second_platform: np.ndarray  # int8 or -1
    second_day: np.ndarray  # int32
    consent: np.ndarray  # int8: -1 absent, else bit0 ad_user_data, bit1 ad_personalization

    @property
    def size(self) -> int:
        return len(self.arrival)

    @property
    def payers(self) -> np.ndarray:
        """Indices of people who start a subscription within the period."""
        return np.flatnonzero(self.paid_day < NEVER)


def _sample_categories(rng: np.random.Generator, shares: np.ndarray, n: int) -> np.ndarray:
    cum = np.cumsum(shares / shares.sum())
    return np.minimum(np.searchsorted(cum, rng.random(n), side="right"), len(shares) - 1)


def _arrivals(rng: np.random.Generator, users: int, days: int, start: dt.date) -> np.ndarray:
    d = np.arange(days)
    weekday = (start.weekday() + d) % 7
    weights = np.exp(ARRIVAL_GROWTH * d / max(days, 1)) * ARRIVAL_WEEKDAY[weekday]
    return np.sort(_sample_categories(rng, weights, users)).astype(np.int32)


def _channels(rng: np.random.Generator, platform: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n = len(platform)
    channel = np.empty(n, dtype=np.int8)
    web = platform == cat.WEB
    for mask, shares in (
        (web, np.array([c.share_web for c in cat.CHANNELS])),
        (~web, np.array([c.share_app for c in cat.CHANNELS])),
    ):
        channel[mask] = _sample_categories(rng, shares, int(mask.sum()))
    campaign = np.empty(n, dtype=np.int16)
    for c, ch in enumerate(cat.CHANNELS):
        rows = np.array([i for i, cp in enumerate(cat.CAMPAIGNS) if cp.channel == ch.name])
        weights = np.array([cat.CAMPAIGNS[i].weight for i in rows])
        mask = channel == c
        campaign[mask] = rows[_sample_categories(rng, weights, int(mask.sum()))]
    return channel, campaign


def build_population(
    users: int, days: int, seed: int, start: dt.date, params: PopulationParams | None = None
) -> Population:
    """Draw the whole population from ``seed`` (the spawn child 0 of the run's seed)."""
    p = params or PopulationParams()
    rng = np.random.default_rng(np.random.SeedSequence(seed).spawn(1)[0])
    n = users
    arrival = _arrivals(rng, n, days, start)
    arrived_by = np.searchsorted(arrival, np.arange(days), side="right").astype(np.int64)

    platform = _sample_categories(rng, np.array(cat.PLATFORM_SHARES), n).astype(np.int8)
    channel, campaign = _channels(rng, platform)
    channel_mult = np.array([c.engagement for c in cat.CHANNELS])[channel]
    platform_mult = np.array([1.0, 1.1, 0.95])[platform]
    sigma = p.engagement_sigma
    engagement = (
        rng.lognormal(-sigma * sigma / 2, sigma, n) * channel_mult * platform_mult
    ).astype(np.float32)

    # Signup: more likely and sooner for engaged people; some come back to sign up later.
    signs = rng.random(n) < np.clip(1 - np.exp(-p.signup_rate * engagement), 0.03, 0.95)
    delay = np.where(rng.random(n) < p.same_day_signup, 0, rng.geometric(0.15, n))
    signup_day = np.where(signs, arrival + delay, NEVER)
    signup_day = np.where(signup_day < days, signup_day, NEVER).astype(np.int32)
    member = signup_day < NEVER
    method = np.zeros(n, dtype=np.int8)
    for plat, shares in cat.SIGNUP_METHOD_SHARES.items():
        mask = platform == plat
        method[mask] = _sample_categories(rng, np.array(shares), int(mask.sum()))

    # Engaged period, churn and comebacks (churn hazard falls with engagement).
    life_member = rng.exponential(4.0 + 45.0 * engagement**1.2)
    life_visitor = rng.exponential(1.0 + 3.0 * engagement)
    life = np.where(signs, np.maximum(life_member, delay + rng.exponential(3.0, n)), life_visitor)
    comeback = rng.random(n) < np.where(signs, p.resurrect_member, p.resurrect_visitor)
    res_day = arrival + life + 14 + rng.exponential(40.0, n)
    res_day = np.where(comeback & (res_day < days), res_day, NEVER).astype(np.int32)
    res_len = rng.exponential(5.0 + 12.0 * engagement).astype(np.float32)
    p_base = np.where(
        signs,
        np.clip(0.12 + 0.32 * engagement**0.7, 0, 0.92),
        np.clip(0.08 + 0.15 * engagement**0.5, 0, 0.6),
    ).astype(np.float32)
    lam = np.where(signs, 2.6 * engagement**0.6, 1.0 * engagement**0.4).astype(np.float32)

    # Paying: a share of members, more of the engaged, within days or weeks of signup.
    pays = member & (rng.random(n) < np.clip(p.pay_base + p.pay_slope * engagement, 0, 0.5))
    pay_delay = np.where(rng.random(n) < 0.12, 0, np.ceil(rng.exponential(10.0, n)))
    paid_day = signup_day + pay_delay
    pays &= paid_day <= arrival + life
    paid_day = np.where(pays & (paid_day < days), paid_day, NEVER).astype(np.int32)
    plan = _sample_categories(rng, np.array([pl.share for pl in cat.PLANS]), n).astype(np.int8)
    sub_end = np.minimum(arrival + life + rng.uniform(0, 45, n), NEVER).astype(np.int32)

    # Referrals: an earlier member (weighted by engagement) shared the link.
    referrer = np.full(n, -1, dtype=np.int32)
    referred = np.flatnonzero(channel == cat.REFERRAL)
    members = np.flatnonzero(member)
    members = members[np.argsort(signup_day[members], kind="stable")]
    cumw = np.cumsum(engagement[members].astype(np.float64))
    known = np.searchsorted(signup_day[members], arrival[referred], side="left")
    has = known > 0
    if has.any():
        totals = cumw[known[has] - 1]
        picked = np.searchsorted(cumw, rng.random(int(has.sum())) * totals, side="right")
        referrer[referred[has]] = members[np.minimum(picked, known[has] - 1)]
    orphan = referred[~has]  # no member yet to refer them: they came direct
    channel[orphan] = cat.DIRECT
    campaign[orphan] = next(i for i, c in enumerate(cat.CAMPAIGNS) if c.channel == "direct")

    # Shared devices (rare): a new member signs up on an earlier member's phone.
    device = np.arange(n, dtype=np.int32)
    for plat in (cat.IOS, cat.ANDROID):
        owners = members[platform[members] == plat]
        sharers = np.flatnonzero(member & (platform == plat) & (rng.random(n) < p.shared_device))
        known = np.searchsorted(signup_day[owners], arrival[sharers], side="left")
        ok = known > 0
        chosen = owners[(rng.random(int(ok.sum())) * known[ok]).astype(np.int64)]
        free = (device[chosen] == chosen) & ~np.isin(chosen, sharers)  # no chains
        device[sharers[ok][free]] = chosen[free]

    # A second device for some members (web <-> app), from some days after signup.
    second = member & (rng.random(n) < p.second_device)
    second_platform = np.where(
        platform == cat.WEB, np.where(rng.random(n) < 0.4, cat.IOS, cat.ANDROID), cat.WEB
    ).astype(np.int8)
    second_platform = np.where(second, second_platform, -1).astype(np.int8)
    second_day = np.where(second, signup_day + 1 + rng.exponential(20.0, n), NEVER)
    second_day = np.where(second_day < days, second_day, NEVER).astype(np.int32)
    second_platform[second_day >= NEVER] = -1

    has_consent = rng.random(n) < p.consent_present
    user_data = rng.random(n) < p.consent_ad_user_data
    personalization = user_data & (rng.random(n) < p.consent_ad_personalization)
    consent = np.where(
        has_consent, user_data.astype(np.int8) | (personalization.astype(np.int8) << 1), -1
    )

    return Population(
        seed=seed,
        days=days,
        start=start,
        arrival=arrival,
        arrived_by=arrived_by,
        platform=platform,
        channel=channel,
        campaign=campaign,
        engagement=engagement,
        signup_day=signup_day,
        method=method,
        referrer=referrer,
        paid_day=paid_day,
        plan=plan,
        sub_end=sub_end,
        life=life.astype(np.float32),
        res_day=res_day,
        res_len=res_len,
        p_base=p_base,
        lam=lam,
        device=device,
        second_platform=second_platform,
        second_day=second_day,
        consent=consent.astype(np.int8),
    )
