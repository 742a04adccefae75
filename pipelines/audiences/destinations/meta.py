"""Meta (Facebook / Instagram) custom audience — customer list file.

Template checked against Meta Business Help, "How to format a customer list"
(https://www.facebook.com/business/help/2082575038703844) for the column headers ``email``,
``phone`` and ``madid``, and the Marketing API "Customer File Custom Audiences" hashing rules
(https://developers.facebook.com/docs/marketing-api/audiences/guides/custom-audiences):
EMAIL trimmed and lower-cased, then SHA-256; PHONE digits only with the country code, no
``+`` or leading zeros, then SHA-256 (``phone_sha256_digits``); MADID (IDFA / AAID) lower-case
with hyphens and never hashed. One row per member, with the member's primary ad id. Meta
asks for lists of at least 100 people.
"""

from pipelines.audiences.destinations import Destination

DESTINATION = Destination(
    name="meta",
    label="Meta custom audience (customer list)",
    columns=("email", "phone", "madid"),
    header=True,
    min_size=100,
    row_unit="person",
    template_url="https://www.facebook.com/business/help/2082575038703844",
    notes="email/phone SHA-256 (phone: digits with country code, no '+'); madid raw lower-case",
)
