# Copyright (c) 2026, sales_accelerator contributors
# License: MIT. See license.txt

import frappe
from frappe.model.document import Document


# One part of a record's score, kept by the app (see sales_accelerator.scoring.score)
class ScoreContribution(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		criterion: DF.Data | None
		criterion_row: DF.Data | None
		label: DF.Data | None
		last_at: DF.Datetime | None
		points: DF.Int
		reference_doctype: DF.Link | None
		reference_name: DF.DynamicLink | None
		rule: DF.DynamicLink | None
		rule_type: DF.Link | None
		score_field: DF.Data | None
		since: DF.Datetime | None
		times: DF.Int
	# end: auto-generated types

	pass


def on_doctype_update():
	frappe.db.add_index("Score Contribution", ["reference_doctype", "reference_name"])
	frappe.db.add_index("Score Contribution", ["rule_type", "rule"])
