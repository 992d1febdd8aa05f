# Copyright (c) 2026, sales_accelerator contributors
# License: MIT. See license.txt

import json

import frappe
from frappe import _
from frappe.model.document import Document

from sales_accelerator.utils import bold, check_record_type, check_unchanged

# what the app's own code sets once, when it connects the record
FIXED_FIELDS = ("sequence", "record_type", "record_name", "steps_snapshot")


class SequenceEnrollment(Document):
	"""Made and moved only by the app (connect, the runner, the API): every role may only read it."""

	def validate(self):
		check_record_type(self.record_type)
		if self.is_new():
			self.validate_snapshot()
		else:
			check_unchanged(self, FIXED_FIELDS, _("{0} of a Sequence Enrollment cannot be changed."))

	def validate_snapshot(self):
		"""The steps and settings the enrollment runs are its sequence's, as connecting copies them."""
		from sales_accelerator.sequences.enrollment import snapshot_of

		sequence = self.flags.sequence or frappe.get_doc("Sequence", self.sequence)
		if sequence.record_type != self.record_type:
			frappe.throw(
				_("Sequence {0} is for {1}, not {2}.").format(
					bold(sequence.title), _(sequence.record_type), _(self.record_type)
				)
			)
		try:
			snapshot = json.loads(self.steps_snapshot or "")
		except ValueError:
			snapshot = None
		if snapshot != json.loads(self.flags.snapshot or snapshot_of(sequence)):
			frappe.throw(
				_("{0} must be the steps of sequence {1}.").format(
					bold(_("Steps Snapshot")), bold(sequence.title)
				)
			)


def on_doctype_update():
	# the scheduler tick's query: active enrollments due now, oldest first
	frappe.db.add_index("Sequence Enrollment", ["status", "next_due"])
	frappe.db.add_index("Sequence Enrollment", ["record_type", "record_name"])
	# the reports: enrollments started in a period, read from this index alone (each row holds its
	# sequence's steps, which would make a scan of the table long), and a sequence's enrollments
	frappe.db.add_index(
		"Sequence Enrollment",
		[
			"started_on",
			"sequence",
			"status",
			"seller",
			"record_type",
			"record_name",
			"replied_on",
			"meeting_booked_on",
			"ended_on",
		],
		"sa_report_index",
	)
	frappe.db.add_index("Sequence Enrollment", ["sequence", "started_on"])
