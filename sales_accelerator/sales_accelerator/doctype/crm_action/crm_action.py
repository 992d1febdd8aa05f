# Copyright (c) 2026, sales_accelerator contributors
# License: MIT. See license.txt

from sales_accelerator.controllers.colour_coded import ColourCodedDocument


class CRMAction(ColourCodedDocument):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		action_name: DF.Data
		background_color: DF.Color | None
		category: DF.Literal["Internal", "Sales"]
		disabled: DF.Check
		display_order: DF.Int
		font_color: DF.Color | None
		short_code: DF.Data
	# end: auto-generated types

	label_field = "action_name"
