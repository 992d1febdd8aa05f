# Copyright (c) 2026, sales_accelerator contributors
# License: MIT. See license.txt

from sales_accelerator.controllers.sequence import SequenceDocument


class SequenceTemplate(SequenceDocument):
	def validate(self):
		self.validate_steps(require_complete=True)
		self.set_flow_numbers()
