# Copyright (c) 2026, sales_accelerator contributors
# License: MIT. See license.txt

from sales_accelerator.controllers.colour_coded import ColourCodedDocument


class CRMAction(ColourCodedDocument):
	label_field = "action_name"
