"""CRM Variables: the typed extra values a CRM Action Note carries."""

import datetime
import math
import re
from collections.abc import Iterable

from sales_accelerator.engine import EngineError

VARIABLE_TYPES: dict[str, str] = {
	# variable type -> Frappe fieldtype of the CRM Action Note field that holds its value
	"Text": "Data",
	"Currency": "Currency",
	"Date": "Date",
	"Numeric": "Float",
	"Dropdown": "Select",
}

FIELDNAME_PREFIX = "var_"
MAX_FIELDNAME_LENGTH = 61  # MariaDB column names are limited to 64 characters
MAX_TEXT_LENGTH = 140  # a Data field

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def fieldtype_for(variable_type: str) -> str:
	try:
		return VARIABLE_TYPES[variable_type]
	except KeyError:
		raise EngineError(
			"{0} is not a variable type; use one of {1}", variable_type, ", ".join(VARIABLE_TYPES)
		) from None


def fieldname_for(variable_name: str, taken: Iterable[str] = ()) -> str:
	"""The CRM Action Note fieldname for a new variable: ``var_`` + its name in snake case, unique in ``taken``."""
	slug = re.sub(r"[^a-z0-9]+", "_", variable_name.strip().lower()).strip("_") or "value"
	base = (FIELDNAME_PREFIX + slug)[:MAX_FIELDNAME_LENGTH]
	taken = set(taken)
	candidate, n = base, 1
	while candidate in taken:
		n += 1
		suffix = f"_{n}"
		candidate = base[: MAX_FIELDNAME_LENGTH - len(suffix)] + suffix
	return candidate


def _number(value) -> float:
	if isinstance(value, bool):
		raise ValueError
	if isinstance(value, int | float):
		number = float(value)
	else:
		number = float(str(value).strip())
	if math.isnan(number) or math.isinf(number):
		raise ValueError
	return number


def normalize_value(variable_name: str, variable_type: str, value, options: Iterable[dict] = ()):
	"""Check ``value`` against the variable's type and return it in the form the CRM Action Note stores.

	``options`` (for dropdowns) are dicts with ``option_name`` and ``short_code``; a dropdown value may
	be given by name or short code, in any case. Empty values return ``None``. A value that does not
	fit raises :class:`EngineError` naming the variable.
	"""
	if value is None or (isinstance(value, str) and not value.strip()):
		return None

	if variable_type == "Text":
		text = str(value).strip()
		if len(text) > MAX_TEXT_LENGTH:
			raise EngineError("{0} must be at most {1} characters long", variable_name, MAX_TEXT_LENGTH)
		return text

	if variable_type in ("Numeric", "Currency"):
		try:
			return _number(value)
		except (TypeError, ValueError):
			raise EngineError("{0} must be a number, not {1}", variable_name, value) from None

	if variable_type == "Date":
		if isinstance(value, datetime.datetime):
			return value.date().isoformat()
		if isinstance(value, datetime.date):
			return value.isoformat()
		text = str(value).strip()
		if _ISO_DATE.match(text):
			try:
				return datetime.date.fromisoformat(text).isoformat()
			except ValueError:
				pass
		raise EngineError("{0} must be a date written as YYYY-MM-DD, not {1}", variable_name, value)

	if variable_type == "Dropdown":
		text = str(value).strip()
		options = list(options)
		for option in options:
			if option["option_name"] == text:
				return text
		for option in options:
			if text.casefold() in (
				option["option_name"].casefold(),
				(option.get("short_code") or "").casefold(),
			):
				return option["option_name"]
		allowed = ", ".join(o["option_name"] for o in options)
		raise EngineError("{0} must be one of {1}, not {2}", variable_name, allowed, value)

	fieldtype_for(variable_type)  # raises for an unknown type
	return value


def select_options(options: Iterable[dict]) -> str:
	"""The ``options`` text of the Select field that holds a dropdown variable (empty choice first)."""
	return "\n" + "\n".join(o["option_name"] for o in sort_by_order(options))


def sort_by_order(rows: Iterable[dict]) -> list[dict]:
	"""Rows in their admin-given display order, then by position (rows without order come last)."""
	rows = list(rows)
	return sorted(
		rows,
		key=lambda r: (r.get("display_order") in (None, 0), r.get("display_order") or 0, r.get("idx") or 0),
	)


def find_duplicates(values: Iterable[str | None]) -> list[str]:
	"""Values that occur more than once, compared without case and surrounding space."""
	seen, duplicates = {}, []
	for value in values:
		if not value:
			continue
		key = value.strip().casefold()
		if key in seen and seen[key] not in duplicates:
			duplicates.append(seen[key])
		seen.setdefault(key, value.strip())
	return duplicates
