import pytest

from rag.ingest.dates import iso_date, iso_from_extractor


@pytest.mark.parametrize(
    ("stated", "iso"),
    [
        ("2024-03-14", "2024-03-14"),
        (" 2024-03-14T09:30:00+03:00 ", "2024-03-14T09:30:00+03:00"),
        ("2024-03-14T09:30:00Z", "2024-03-14T09:30:00+00:00"),
        ("2024-03-14T09:30:00+0300", "2024-03-14T09:30:00+03:00"),
        ("2024-03-14T09:30:00", "2024-03-14T09:30:00"),  # no zone stated, none added
        ("Thu, 14 Mar 2024 09:30:00 +0300", "2024-03-14T09:30:00+03:00"),
        ("Thu, 14 Mar 2024 06:30:00 GMT", "2024-03-14T06:30:00+00:00"),
        ("Thu, 14 Mar 2024 09:30:00 -0000", "2024-03-14T09:30:00"),  # RFC 822: zone unknown
        ("", None),
        (None, None),
        ("last Tuesday", None),
        ("2024-02-30", None),
    ],
)
def test_stated_dates_become_iso_8601_with_the_precision_given(stated, iso):
    assert iso_date(stated) == iso


def test_a_day_from_the_page_extractor_gets_no_invented_midnight():
    assert iso_from_extractor("2023-11-02T00:00:00") == "2023-11-02"
    assert iso_from_extractor("2023-11-02T00:00:00+0000") == "2023-11-02T00:00:00+00:00"
    assert iso_from_extractor(None) is None
