# Copyright (c) 2026, sales_accelerator contributors
# License: MIT. See license.txt

from frappe.model.document import Document

from sales_accelerator.integrations.users import check_working_hours


class SalesAcceleratorSettings(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		default_crm_status: DF.Link | None
		show_status_on_records: DF.Check
	# end: auto-generated types

	def validate(self):
		check_working_hours(
			self.work_day_start, self.work_day_end, "Working Hours Start", "Working Hours End", required=True
		)
