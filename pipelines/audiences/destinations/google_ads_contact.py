"""Google Ads Customer Match — contact list (hashed email / phone, names, country, zip).

Template checked against Google Ads Help, "Customer Match data file formatting guidelines"
(https://support.google.com/google-ads/answer/7659867): English headers ``Email``, ``Phone``,
``First Name``, ``Last Name``, ``Country``, ``Zip`` (the combined template), CSV in UTF-8.
Email, Phone, First Name and Last Name are SHA-256 hex of the normalized value; Country (ISO
3166-1 alpha-2) and Zip are never hashed. Normalization follows Google's "Format user data"
(https://developers.google.com/data-manager/api/devguides/concepts/formatting): emails
lower-cased without whitespace, and for gmail.com / googlemail.com without dots and
``+suffix`` in the local part (``email_sha256_google``); phones in E.164 with ``+``
(``phone_sha256``). Zip is left empty: Retainly collects no postal codes, so address
matching does not apply, but the column keeps the template's shape. Minimum 100 members.
"""

from pipelines.audiences.destinations import Destination

DESTINATION = Destination(
    name="google_ads_contact",
    label="Google Ads Customer Match (contact info)",
    columns=("Email", "Phone", "First Name", "Last Name", "Country", "Zip"),
    header=True,
    min_size=100,
    row_unit="person",
    template_url="https://support.google.com/google-ads/answer/7659867",
    notes="Email: Google-normalized SHA-256; Phone: E.164 with '+' SHA-256; Zip empty",
)
