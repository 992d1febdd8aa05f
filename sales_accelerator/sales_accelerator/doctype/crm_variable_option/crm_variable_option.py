# Copyright (c) 2026, sales_accelerator contributors
# License: MIT. See license.txt

from frappe.model.document import Document


class CRMVariableOption(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		background_color: DF.Color | None
		display_order: DF.Int
		font_color: DF.Color | None
		option_name: DF.Data
		parent: DF.Data
		parentfield: DF.Data
		parenttype: DF.Data
		short_code: DF.Data | None
	# end: auto-generated types

	pass
