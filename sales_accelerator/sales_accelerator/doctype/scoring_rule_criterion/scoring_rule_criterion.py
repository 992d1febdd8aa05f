# Copyright (c) 2026, sales_accelerator contributors
# License: MIT. See license.txt

from frappe.model.document import Document


class ScoringRuleCriterion(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		condition: DF.Code | None
		criterion: DF.Literal[
			"Field Value",
			"Email Opened",
			"Email Replied",
			"Meeting Booked",
			"Call Answered",
			"Activity Completed",
			"Quotation Submitted",
			"Sales Order Submitted",
			"Sales Invoice Overdue",
		]
		filters: DF.Code | None
		max_times: DF.Int
		parent: DF.Data
		parentfield: DF.Data
		parenttype: DF.Data
		points: DF.Int
	# end: auto-generated types
	pass
