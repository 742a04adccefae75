"""Fixed vocabularies of the demo product ("Moonlight", an AI paper-summarization SaaS
with Korean users): platforms, acquisition channels and campaigns, event kinds, signup
methods, plans, names and e-mail domains.

Everything the generator draws from lives here as small tables, so the simulation code
deals only in integer codes and the SQL renderer turns codes into strings with list
lookups. Shares are the realistic mix we aim for, not measured data.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote_plus

import numpy as np

SITE = "https://moonlight.example"
APP_NAME = "Moonlight"

# --- platforms (a person's main device) and event sources (who sent an event) ----------
WEB, IOS, ANDROID = 0, 1, 2
PLATFORMS = ("web", "ios", "android")
PLATFORM_SHARES = (0.45, 0.23, 0.32)

# An event's source decides its library and context shape. MOBILE_WEB is the landing
# page an app user sees before installing (analytics.js on a phone browser).
SRC_WEB, SRC_IOS, SRC_ANDROID, SRC_MOBILE_WEB, SRC_SERVER = 0, 1, 2, 3, 4
LIBRARIES = (
    ("analytics.js", "npm:next-1.70.0"),
    ("analytics-ios", "4.1.8"),
    ("analytics-android", "4.11.3"),
    ("analytics.js", "npm:next-1.70.0"),
    ("analytics-node", "2.1.2"),
)

# Per-device variety: a device hash picks an entry (Windows and macOS dominate desktops).
WEB_OS = ("Mac OS X", "Windows", "Windows", "Mac OS X", "Linux")
MOBILE_OS = {IOS: "iOS", ANDROID: "Android"}
# (manufacturer, model) and OS versions of phones.
DEVICE_MODELS = {
    IOS: (
        ("Apple", "iPhone15,2"),
        ("Apple", "iPhone14,5"),
        ("Apple", "iPhone16,1"),
        ("Apple", "iPhone13,2"),
        ("Apple", "iPad13,4"),
        ("Apple", "iPhone15,4"),
    ),
    ANDROID: (
        ("samsung", "SM-S921N"),
        ("samsung", "SM-A546S"),
        ("samsung", "SM-F946N"),
        ("samsung", "SM-S918N"),
        ("Google", "Pixel 8"),
        ("LGE", "LM-V510N"),
    ),
}
OS_VERSIONS = {
    IOS: ("17.4.1", "17.5", "16.7.8", "17.3.1", "18.0"),
    ANDROID: ("14", "13", "12", "14", "13"),
}
APP_VERSIONS = (("2.4.1", "241"), ("2.5.0", "250"), ("2.3.7", "237"))

# --- acquisition ------------------------------------------------------------------------


@dataclass(frozen=True)
class Channel:
    """A source/medium pair and how people arriving through it behave."""

    name: str
    source: str | None
    medium: str | None
    share_web: float
    share_app: float
    engagement: float  # multiplier on the latent engagement (organic/referral beat paid)
    click_id: str | None = None  # query parameter the ad platform appends


CHANNELS = (
    Channel("google_cpc", "google", "cpc", 0.19, 0.10, 0.95, "gclid"),
    Channel("facebook_paid", "facebook", "paid_social", 0.05, 0.09, 0.75, "fbclid"),
    Channel("instagram_paid", "instagram", "paid_social", 0.05, 0.11, 0.75, "fbclid"),
    Channel("instagram_social", "instagram", "social", 0.05, 0.07, 0.95),
    Channel("kakao_cpc", "kakao", "cpc", 0.05, 0.07, 0.80),
    Channel("kakao_social", "kakao", "social", 0.06, 0.06, 1.05),
    Channel("naver_organic", "naver", "organic", 0.13, 0.09, 1.15),
    Channel("naver_cpc", "naver", "cpc", 0.06, 0.05, 0.95),
    Channel("referral", "referral", "referral", 0.08, 0.08, 1.30),
    Channel("direct", None, None, 0.28, 0.28, 1.10),
)
CHANNEL_INDEX = {c.name: i for i, c in enumerate(CHANNELS)}
REFERRAL = CHANNEL_INDEX["referral"]
DIRECT = CHANNEL_INDEX["direct"]


@dataclass(frozen=True)
class Campaign:
    """One landing variant of a channel: UTM values, landing path and HTTP referrer."""

    channel: str
    name: str | None
    weight: float
    referrer: str
    path: str = "/"
    term: str | None = None
    content: str | None = None

    @property
    def source(self) -> str | None:
        return CHANNELS[CHANNEL_INDEX[self.channel]].source

    @property
    def medium(self) -> str | None:
        return CHANNELS[CHANNEL_INDEX[self.channel]].medium

    def query(self) -> str:
        """The UTM part of the landing URL's query string (click ids are appended later)."""
        pairs = [
            ("utm_source", self.source),
            ("utm_medium", self.medium),
            ("utm_campaign", self.name),
            ("utm_term", self.term),
            ("utm_content", self.content),
        ]
        return "&".join(f"{k}={quote_plus(v)}" for k, v in pairs if v is not None)

    def context_campaign(self) -> dict[str, str] | None:
        """``context.campaign`` as a mobile SDK reports an install attribution."""
        if self.source is None:
            return None
        fields = {
            "source": self.source,
            "medium": self.medium,
            "name": self.name,
            "term": self.term,
            "content": self.content,
        }
        return {k: v for k, v in fields.items() if v is not None}


_G = "https://www.google.com/"
_FB = "https://l.facebook.com/"
_IG = "https://l.instagram.com/"
_NV = "https://search.naver.com/"
CAMPAIGNS = (
    Campaign("google_cpc", "paper_summary_search", 0.45, _G, term="논문 요약"),
    Campaign("google_cpc", "paper_summary_search", 0.20, _G, term="paper summary ai"),
    Campaign("google_cpc", "brand_moonlight_kr", 0.20, _G, term="moonlight"),
    Campaign("google_cpc", "ai_research_tools", 0.15, _G, "/lp/research", term="arxiv summarizer"),
    Campaign("facebook_paid", "spring_launch_kr", 0.40, _FB, "/lp/summary", content="video_15s"),
    Campaign("facebook_paid", "lookalike_q2", 0.40, _FB, "/lp/summary", content="carousel_v2"),
    Campaign("facebook_paid", "retargeting_30d", 0.20, _FB, content="static_kr_01"),
    Campaign("instagram_paid", "spring_launch_kr", 0.45, _IG, "/lp/summary", content="reel_v1"),
    Campaign("instagram_paid", "lookalike_q2", 0.55, _IG, "/lp/summary", content="story_v3"),
    Campaign("instagram_social", "bio_link", 0.70, _IG),
    Campaign("instagram_social", None, 0.30, _IG),
    Campaign("kakao_cpc", "kakao_moment_spring", 0.60, "https://kakao.com/", "/lp/summary"),
    Campaign("kakao_cpc", "kakao_bizboard_q2", 0.40, "https://kakao.com/"),
    Campaign("kakao_social", "kakao_share", 1.00, ""),
    Campaign("naver_organic", None, 0.70, _NV),
    Campaign("naver_organic", "naver_blog_review", 0.30, "https://blog.naver.com/"),
    Campaign("naver_cpc", "naver_powerlink_papers", 0.70, _NV, term="논문 요약 ai"),
    Campaign("naver_cpc", "naver_brand_search", 0.30, _NV, term="문라이트"),
    Campaign("referral", "invite_friends", 1.00, "", "/invite"),
    Campaign("direct", None, 1.00, ""),
)

# --- events -------------------------------------------------------------------------------

TRACK, PAGE, SCREEN, IDENTIFY, ALIAS = "track", "page", "screen", "identify", "alias"
# (type, name); the index is the event kind code used everywhere.
EVENT_KINDS = (
    (PAGE, "Home"),
    (PAGE, "Paper"),
    (PAGE, "Pricing"),
    (PAGE, "Library"),
    (PAGE, "Search"),
    (SCREEN, "Home"),
    (SCREEN, "Library"),
    (SCREEN, "Paper"),
    (TRACK, "Application Installed"),
    (TRACK, "Application Opened"),
    (TRACK, "Paper Viewed"),
    (TRACK, "Search Performed"),
    (TRACK, "Summary Created"),
    (TRACK, "Paper Uploaded"),
    (TRACK, "Share Link Created"),
    (TRACK, "Signed Up"),
    (IDENTIFY, None),
    (ALIAS, None),
    (TRACK, "Subscription Started"),
    (TRACK, "Order Completed"),
)
KIND = {(name or typ): i for i, (typ, name) in enumerate(EVENT_KINDS) if typ != SCREEN}
KIND.update({f"screen:{name}": i for i, (typ, name) in enumerate(EVENT_KINDS) if typ == SCREEN})
PAGE_PATHS = {
    "Home": "/",
    "Paper": "/paper/",
    "Pricing": "/pricing",
    "Library": "/library",
    "Search": "/search",
}
PAGE_TITLES = {
    "Home": "Moonlight | AI 논문 요약",
    "Paper": "논문 요약 | Moonlight",
    "Pricing": "요금제 | Moonlight",
    "Library": "내 서재 | Moonlight",
    "Search": "검색 | Moonlight",
}

# Regular (non-forced) events: which kinds, with what weights, by device and login state.
_K = KIND
REGULAR_MIX = {
    ("web", False): {
        _K["Home"]: 30,
        _K["Paper"]: 25,
        _K["Pricing"]: 10,
        _K["Search"]: 5,
        _K["Paper Viewed"]: 15,
        _K["Search Performed"]: 15,
    },
    ("web", True): {
        _K["Home"]: 10,
        _K["Paper"]: 12,
        _K["Library"]: 10,
        _K["Pricing"]: 3,
        _K["Paper Viewed"]: 15,
        _K["Search Performed"]: 12,
        _K["Summary Created"]: 22,
        _K["Paper Uploaded"]: 10,
        _K["Share Link Created"]: 6,
    },
    ("app", False): {
        _K["screen:Home"]: 40,
        _K["screen:Paper"]: 25,
        _K["Paper Viewed"]: 20,
        _K["Search Performed"]: 15,
    },
    ("app", True): {
        _K["screen:Home"]: 12,
        _K["screen:Library"]: 14,
        _K["screen:Paper"]: 12,
        _K["Paper Viewed"]: 14,
        _K["Search Performed"]: 12,
        _K["Summary Created"]: 22,
        _K["Paper Uploaded"]: 8,
        _K["Share Link Created"]: 6,
    },
}


def mix_table(key: tuple[str, bool]) -> tuple[np.ndarray, np.ndarray]:
    """(kind codes, cumulative probabilities) of one regular-event mix."""
    mix = REGULAR_MIX[key]
    kinds = np.array(list(mix), dtype=np.int16)
    weights = np.array(list(mix.values()), dtype=np.float64)
    return kinds, np.cumsum(weights / weights.sum())


# --- signup, plans --------------------------------------------------------------------------

SIGNUP_METHODS = ("kakao", "google", "apple", "instagram", "email")
# Korean mix: Kakao first, then Google; Sign in with Apple mostly on iOS.
SIGNUP_METHOD_SHARES = {
    WEB: (0.42, 0.33, 0.02, 0.07, 0.16),
    IOS: (0.38, 0.20, 0.27, 0.07, 0.08),
    ANDROID: (0.50, 0.33, 0.00, 0.08, 0.09),
}


@dataclass(frozen=True)
class Plan:
    name: str
    price_krw: int
    period_days: int
    share: float


PLANS = (
    Plan("pro_monthly", 9_900, 30, 0.70),
    Plan("pro_annual", 99_000, 365, 0.18),
    Plan("team_monthly", 29_000, 30, 0.12),
)

# --- people -----------------------------------------------------------------------------------

SURNAMES = (
    ("김", "kim", 0.215),
    ("이", "lee", 0.147),
    ("박", "park", 0.085),
    ("최", "choi", 0.047),
    ("정", "jung", 0.044),
    ("강", "kang", 0.024),
    ("조", "cho", 0.021),
    ("윤", "yoon", 0.021),
    ("장", "jang", 0.02),
    ("임", "lim", 0.018),
    ("한", "han", 0.015),
    ("오", "oh", 0.015),
    ("서", "seo", 0.014),
    ("신", "shin", 0.014),
    ("권", "kwon", 0.014),
    ("황", "hwang", 0.013),
    ("안", "ahn", 0.013),
    ("송", "song", 0.013),
)
GIVEN_NAMES = (
    ("민준", "minjun"),
    ("서연", "seoyeon"),
    ("지호", "jiho"),
    ("하은", "haeun"),
    ("도윤", "doyun"),
    ("지우", "jiwoo"),
    ("서준", "seojun"),
    ("수아", "sua"),
    ("예준", "yejun"),
    ("지유", "jiyu"),
    ("현우", "hyunwoo"),
    ("민서", "minseo"),
    ("준서", "junseo"),
    ("서윤", "seoyun"),
    ("우진", "woojin"),
    ("채원", "chaewon"),
    ("지훈", "jihoon"),
    ("유나", "yuna"),
    ("성민", "sungmin"),
    ("은지", "eunji"),
    ("동현", "donghyun"),
    ("수빈", "subin"),
    ("재원", "jaewon"),
    ("다은", "daeun"),
)
EMAIL_DOMAINS = (
    ("gmail.com", 0.55),
    ("naver.com", 0.22),
    ("kakao.com", 0.05),
    ("daum.net", 0.04),
    ("hanmail.net", 0.03),
    ("snu.ac.kr", 0.04),
    ("kaist.ac.kr", 0.04),
    ("korea.ac.kr", 0.03),
)
GMAIL = 0
# IP address first octets of large Korean ISPs (KT, SKB, LG U+ and mobile carriers).
IP_PREFIXES = (211, 175, 121, 220, 223, 58, 1, 106, 39, 110, 112, 118, 183, 222)
IP_POOL_BITS = 16  # people share 65,536 addresses (carrier NAT makes sharing realistic)


def ip_pool() -> list[str]:
    """A fixed pool of Korean-looking IPv4 addresses (index = 16 bits of a person hash)."""
    rng = np.random.default_rng(0x1B)
    prefix = rng.choice(IP_PREFIXES, 1 << IP_POOL_BITS)
    rest = rng.integers(0, 256, (1 << IP_POOL_BITS, 3))
    rest[:, 2] = np.clip(rest[:, 2], 1, 254)
    return [f"{p}.{a}.{b}.{c}" for p, (a, b, c) in zip(prefix.tolist(), rest.tolist(), strict=True)]


ZERO_AD_ID = "00000000-0000-0000-0000-000000000000"
BAD_TIMESTAMPS = ("2024-13-45T99:61:00+09:00", "yesterday 10pm", "31/02/2024 25:00")
