# Copyright (c) 2026, sales_accelerator contributors
# License: MIT. See license.txt

from sales_accelerator.controllers.colour_coded import ColourCodedDocument


class CRMStatus(ColourCodedDocument):
	label_field = "status_name"
