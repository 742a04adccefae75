"""Google Ads Customer Match — mobile device ID list.

Template checked against Google Ads Help, "Customer Match data file formatting guidelines"
(https://support.google.com/google-ads/answer/7659867): a CSV in UTF-8 or ASCII whose one
column is headed ``Mobile Device ID`` (the "Mobile Device ID" template), one IDFA or AAID per
row, not hashed. The upload is tied to one app, so the app id (``destinations.
google_ads_mobile.app_id`` in audiences.yaml) is recorded in the manifest. Google serves a
list once about 100 members are matched and active: smaller lists are not written.
"""

from pipelines.audiences.destinations import Destination

DESTINATION = Destination(
    name="google_ads_mobile",
    label="Google Ads Customer Match (mobile device IDs)",
    columns=("Mobile Device ID",),
    header=True,
    min_size=100,
    row_unit="device",
    template_url="https://support.google.com/google-ads/answer/7659867",
    notes="raw lower-case IDFA/AAID; upload to the Customer Match list of the app named by app_id",
)
