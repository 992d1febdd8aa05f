"""The seller's own settings on their User: working hours for sequence activities."""

import frappe
from frappe import _
from frappe.utils import get_time

from sales_accelerator.utils import bold


def check_working_hours(start, end, start_label: str, end_label: str, required: bool = False):
	"""Working hours end after they start, and are given both or neither (both when ``required``).
	Midnight is a time like any other (a timedelta of zero, read from the database)."""
	given = [value not in (None, "") for value in (start, end)]
	if not any(given) and not required:
		return
	if not all(given):
		frappe.throw(
			_("Give both {0} and {1}, or neither.").format(bold(_(start_label)), bold(_(end_label))),
			title=_("Working Hours"),
		)
	if get_time(end) <= get_time(start):
		frappe.throw(
			_("{0} must be later than {1}.").format(bold(_(end_label)), bold(_(start_label))),
			title=_("Working Hours"),
		)


def validate_user(doc, method=None):
	from sales_accelerator.setup.install import WORK_END_FIELD, WORK_START_FIELD

	if doc.is_new():
		for field in (WORK_START_FIELD, WORK_END_FIELD):
			# Frappe fills a new document's Time fields with the current time, microseconds and all
			# (times chosen in the desk have none): a new user has chosen no working hours yet
			if "." in str(doc.get(field) or ""):
				doc.set(field, None)
	check_working_hours(
		doc.get(WORK_START_FIELD), doc.get(WORK_END_FIELD), "Working Hours Start", "Working Hours End"
	)
