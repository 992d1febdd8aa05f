import datetime

import pytest

from sales_accelerator.engine import EngineError
from sales_accelerator.engine.variables import (
	VARIABLE_TYPES,
	fieldname_for,
	fieldtype_for,
	find_duplicates,
	normalize_value,
	select_options,
	sort_by_order,
)

ZONES = [
	{"option_name": "EST", "short_code": "E", "display_order": 2, "idx": 1},
	{"option_name": "PST", "short_code": "P", "display_order": 1, "idx": 2},
	{"option_name": "CET", "short_code": None, "display_order": 0, "idx": 3},
]


def test_every_seed_type_maps_to_a_frappe_fieldtype():
	assert set(VARIABLE_TYPES) == {"Text", "Currency", "Date", "Numeric", "Dropdown"}
	assert fieldtype_for("Dropdown") == "Select"
	assert fieldtype_for("Numeric") == "Float"
	with pytest.raises(EngineError, match="Colour is not a variable type"):
		fieldtype_for("Colour")


def test_fieldname_is_snake_case_prefixed_and_unique():
	assert fieldname_for("Time zone") == "var_time_zone"
	assert fieldname_for("  Expected close (date)! ") == "var_expected_close_date"
	assert fieldname_for("Time-zone", taken={"var_time_zone"}) == "var_time_zone_2"
	assert fieldname_for("Time zone", taken={"var_time_zone", "var_time_zone_2"}) == "var_time_zone_3"
	assert fieldname_for("!!!") == "var_value"
	long_name = fieldname_for("x" * 200, taken={"var_" + "x" * 57})
	assert len(long_name) <= 61 and long_name.endswith("_2")


@pytest.mark.parametrize(
	"variable_type, raw, expected",
	[
		("Text", "  Grocery store ", "Grocery store"),
		("Numeric", "42", 42.0),
		("Numeric", 3, 3.0),
		("Numeric", "-1.5", -1.5),
		("Currency", "1999.99", 1999.99),
		("Currency", 0, 0.0),
		("Date", "2026-02-28", "2026-02-28"),
		("Date", datetime.date(2026, 1, 2), "2026-01-02"),
		("Date", datetime.datetime(2026, 1, 2, 13, 0), "2026-01-02"),
		("Dropdown", "EST", "EST"),
		("Dropdown", "pst", "PST"),
		("Dropdown", "e", "EST"),
		("Text", "", None),
		("Numeric", None, None),
		("Dropdown", "   ", None),
	],
)
def test_values_are_normalized_to_what_the_note_stores(variable_type, raw, expected):
	assert normalize_value("V", variable_type, raw, ZONES) == expected


@pytest.mark.parametrize(
	"variable_type, raw, fragment",
	[
		("Numeric", "abc", "Budget must be a number, not abc"),
		("Numeric", "nan", "must be a number"),
		("Numeric", True, "must be a number"),
		("Currency", "12,50", "must be a number"),
		("Date", "tomorrow", "Budget must be a date written as YYYY-MM-DD, not tomorrow"),
		("Date", "2026-02-30", "must be a date"),
		("Date", "28-02-2026", "must be a date"),
		("Dropdown", "GMT", "Budget must be one of EST, PST, CET, not GMT"),
		("Text", "x" * 141, "at most 140 characters"),
	],
)
def test_mistyped_values_are_refused_naming_the_variable(variable_type, raw, fragment):
	with pytest.raises(EngineError) as error:
		normalize_value("Budget", variable_type, raw, ZONES)
	assert fragment in str(error.value)
	assert error.value.args_[0] == "Budget"


def test_dropdown_options_follow_display_order_with_unordered_last():
	assert [o["option_name"] for o in sort_by_order(ZONES)] == ["PST", "EST", "CET"]
	assert select_options(ZONES) == "\nPST\nEST\nCET"


def test_find_duplicates_ignores_case_space_and_empty_values():
	assert find_duplicates(["EST", "est ", "PST", None, "", "", "PST"]) == ["EST", "PST"]
	assert find_duplicates(["A", "B"]) == []
