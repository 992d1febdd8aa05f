import pytest

from sales_accelerator.engine import EngineError
from sales_accelerator.engine.colours import contrast_ratio, is_readable, normalize_hex


@pytest.mark.parametrize(
	"raw, expected",
	[
		("#1F6FEB", "#1f6feb"),
		("1f6feb", "#1f6feb"),
		("#abc", "#aabbcc"),
		(" ABC ", "#aabbcc"),
		("", None),
		(None, None),
		("   ", None),
	],
)
def test_normalize_hex_accepts_hex_forms(raw, expected):
	assert normalize_hex(raw) == expected


@pytest.mark.parametrize("raw", ["red", "#12345", "#1234567", "#ggg", "rgb(0,0,0)", "#", "12 34 56"])
def test_normalize_hex_rejects_non_hex_and_names_the_value(raw):
	with pytest.raises(EngineError) as error:
		normalize_hex(raw)
	assert raw in str(error.value)
	assert error.value.args_ == (raw,)


def test_contrast_ratio_spans_wcag_range():
	assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21, rel=1e-3)
	assert contrast_ratio("#ffffff", "#000000") == pytest.approx(21, rel=1e-3)
	assert contrast_ratio("#777777", "#777777") == pytest.approx(1)


def test_same_or_close_colours_are_unreadable_but_missing_ones_are_fine():
	assert not is_readable("#ffffff", "#ffffff")
	assert not is_readable("#dbeafe", "#e0e7ff")
	assert is_readable("#1e40af", "#dbeafe")
	assert is_readable(None, "#ffffff")
	assert is_readable("#ffffff", None)


def test_shipped_defaults_are_valid_and_readable():
	from sales_accelerator.setup.defaults import CRM_ACTIONS, CRM_STATUSES

	for row in [*CRM_ACTIONS, *CRM_STATUSES]:
		font, background = normalize_hex(row[3]), normalize_hex(row[4])
		assert contrast_ratio(font, background) >= 4.5, row  # WCAG AA for text
