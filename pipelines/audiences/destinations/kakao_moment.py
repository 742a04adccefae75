"""Kakao Moment — customer file (고객파일) of advertising ids.

Kakao Moment custom-audience targets accept customer files of ADIDs (Android ADID / iOS
IDFA); see Kakao Developers, "Customer file management"
(https://developers.kakao.com/docs/latest/ko/kakaomoment/customer-files) and "Customer data
management" (https://developers.kakao.com/docs/ko/kakaomoment/customer-data, fileType
``ADID``, registered from a ``.csv``). Those pages describe the API, not the file layout,
and Kakao Business's upload guide could not be checked, so the layout is our documented
choice: one ad id per line, no header, UTF-8, raw (not hashed) lower-case UUIDs with
hyphens — verify on the 고객파일 upload screen before the first real upload. Kakao
publishes no minimum there either; we do not write files under 100 ids (configurable).
"""

from pipelines.audiences.destinations import Destination

DESTINATION = Destination(
    name="kakao_moment",
    label="Kakao Moment customer file (ADID)",
    columns=("adid",),
    header=False,
    min_size=100,
    row_unit="device",
    template_url="https://developers.kakao.com/docs/latest/ko/kakaomoment/customer-files",
    notes="one raw lower-case ADID/IDFA per line, no header",
)
