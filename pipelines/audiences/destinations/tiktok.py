"""TikTok custom audience — customer file with multiple ID types.

Template checked against TikTok Ads Help, "List of supported IDs and formats for a customer
file" (https://ads.tiktok.com/help/article/list-of-supported-ids-and-formats-for-a-customer-file,
August 2025): headers ``MAID`` (IDFA / GAID, original value, consistent case: we write
lower-case), ``Email_SHA256`` (lower-cased, SHA-256) and ``Phone_SHA256`` (symbols including
``+`` and leading zeros removed, country code added, SHA-256 — TikTok's own example hash
65b7e6dc… is SHA-256 of "37493828222", without '+': ``phone_sha256_digits``). Several ID
types may share one file, one person per row.

Decision: TikTok also asks to drop a ``+suffix`` from every email's local part; only hashes
are stored (``email_sha256`` = trimmed, lower-cased), so tagged addresses may match less
often — documented in docs/audiences.md. Minimum size: TikTok needs 1,000 matched users to
use a custom audience, so smaller files are not written.
"""

from pipelines.audiences.destinations import Destination

DESTINATION = Destination(
    name="tiktok",
    label="TikTok custom audience (customer file)",
    columns=("MAID", "Email_SHA256", "Phone_SHA256"),
    header=True,
    min_size=1000,
    row_unit="person",
    template_url="https://ads.tiktok.com/help/article/list-of-supported-ids-and-formats-for-a-customer-file",
    notes="MAID raw lower-case; Email/Phone SHA-256 (phone: digits with country code, no '+')",
)
