# Copyright (c) 2026, sales_accelerator contributors
# License: MIT. See license.txt

import frappe
from frappe.tests.utils import FrappeTestCase

from sales_accelerator.api import create_sequence_from_template
from sales_accelerator.setup.install import sync_sequence_templates

# title: (record type, steps excluding waits, longest duration, paths): seed 002's steps and durations
TEMPLATES = {
	"Follow-up for no-show contacts": ("Contact", 7, "5 days", 4),
	"High-volume outbound prospecting": ("Lead", 7, "9 days", 4),
	"Invitation to an upcoming event": ("Contact", 6, "5 days", 4),
	"Meeting for product demo requests": ("Opportunity", 9, "5 days", 4),
	"Upcoming account renewal": ("Customer", 13, "50 days", 1),
	"Post-webinar follow-up": ("Lead", 10, "7 days", 5),
}


class TestSequenceTemplate(FrappeTestCase):
	def test_six_templates_are_installed_with_computed_numbers(self):
		rows = frappe.get_all(
			"Sequence Template",
			filters={"is_standard": 1},
			fields=["name", "record_type", "step_count", "duration", "path_count"],
		)
		self.assertEqual(
			{r.name: (r.record_type, r.step_count, r.duration, r.path_count) for r in rows}, TEMPLATES
		)

	def test_each_template_instantiates_validates_and_activates(self):
		for template in TEMPLATES:
			name = create_sequence_from_template(template, f"_Test {template}")
			sequence = frappe.get_doc("Sequence", name)
			self.assertEqual((sequence.status, sequence.from_template), ("Draft", template))
			self.assertEqual(sequence.record_type, TEMPLATES[template][0])
			self.assertEqual(sequence.step_count, TEMPLATES[template][1])
			sequence.activate()
			self.assertEqual(frappe.db.get_value("Sequence", name, "status"), "Active", template)

	def test_email_steps_use_shipped_email_templates_with_merge_fields(self):
		for template in TEMPLATES:
			for step in frappe.get_doc("Sequence Template", template).steps:
				if step.step_type in ("Email", "Automated Email"):
					email = frappe.get_doc("Email Template", step.email_template)
					self.assertIn("{{", email.response_html, step.email_template)
					self.assertTrue(email.subject)
		lead = frappe._dict(doctype="Lead", first_name="Ana", company_name="Kowalski Foods")
		rendered = frappe.get_doc("Email Template", "SA Outbound: Introduction").get_formatted_email(lead)
		self.assertIn("Hello Ana", rendered["message"])
		self.assertIn("Kowalski Foods", rendered["message"])

	def test_no_show_flow(self):
		steps = flow("Follow-up for no-show contacts")
		self.assertEqual(steps["start"].next, "email_missed")
		self.assertEqual(steps["replied_1"].branches, ("call_share_1", "call_1"))
		self.assertEqual(steps["answered_1"].branches, ("task_discuss", "wait_2d"))
		self.assertEqual((steps["wait_2d"].row.wait_days, steps["wait_2d"].next), (2, "email_placeholder"))
		self.assertEqual(steps["replied_2"].branches, ("call_share_2", "task_other_contacts"))
		self.assertIn("other contacts", steps["task_other_contacts"].row.subject)

	def test_outbound_flow_ends_by_disqualifying_the_lead(self):
		steps = flow("High-volume outbound prospecting")
		self.assertEqual(
			[steps[s].row.step_type for s in ("email_intro", "research", "call_1")],
			["Automated Email", "LinkedIn Research", "Phone Call"],
		)
		self.assertEqual(steps["answered_1"].branches, ("connect", "email_follow_up"))
		self.assertEqual(steps["connect"].next, "meeting")
		self.assertEqual(steps["wait_3d"].row.wait_days, 3)
		self.assertEqual(steps["answered_2"].branches, ("meeting", "wait_2d"))
		self.assertEqual(steps["answered_3"].branches, ("meeting", "wait_4d"))
		self.assertEqual((steps["wait_4d"].row.wait_days, steps["wait_4d"].next), (4, "disqualify"))
		disqualify = steps["disqualify"].row
		self.assertEqual(
			(disqualify.step_type, disqualify.field_name, disqualify.value),
			("Update Field", "qualification_status", "Unqualified"),
		)
		self.assertIn("Unqualified", frappe.get_meta("Lead").get_field("qualification_status").options)

	def test_event_flow_marks_for_future_events(self):
		steps = flow("Invitation to an upcoming event")
		self.assertEqual(steps["replied_1"].branches, ("email_confirm", "email_follow_up"))
		self.assertEqual(steps["replied_2"].branches, ("email_confirm", "call"))
		self.assertEqual(steps["answered"].branches, ("email_confirm_call", "mark_future"))
		self.assertEqual(
			(steps["mark_future"].row.field_name, steps["mark_future"].row.value),
			("_user_tags", "Future events"),
		)

	def test_demo_flow_disqualifies_the_opportunity(self):
		steps = flow("Meeting for product demo requests")
		self.assertEqual(steps["wait_1d"].next, "email_slot")
		self.assertEqual(steps["replied"].branches, ("email_demo_invite", "call_1"))
		self.assertEqual(steps["answered_1"].branches, ("email_demo_invite", "wait_2d"))
		self.assertEqual(steps["answered_2"].branches, ("email_demo_invite", "disqualify"))
		self.assertEqual(steps["email_demo_invite"].next, "demo")
		self.assertEqual(
			(steps["disqualify"].row.field_name, steps["disqualify"].row.value), ("status", "Closed")
		)
		self.assertIn("Closed", frappe.get_meta("Opportunity").get_field("status").options)

	def test_renewal_flow_is_thirteen_steps_over_fifty_days(self):
		steps = frappe.get_doc("Sequence Template", "Upcoming account renewal").steps
		self.assertEqual(steps[1].subject, "Review the account and its renewal data")
		self.assertEqual(steps[-1].subject, "Thank the customer for renewing")
		self.assertEqual(sum(s.wait_days for s in steps if s.step_type == "Wait"), 50)
		self.assertEqual(
			[s.subject for s in steps if s.step_id in ("proposal", "approval")],
			["Prepare the renewal proposal", "Discuss the renewal proposal with sales for approval"],
		)
		self.assertFalse([s for s in steps if s.step_type in ("Condition", "Command")])

	def test_webinar_flow_qualifies_or_disqualifies(self):
		steps = flow("Post-webinar follow-up")
		self.assertEqual(steps["email_thanks"].row.step_type, "Automated Email")
		for confirmation in ("email_confirm_1", "email_confirm_2", "email_confirm_call", "email_confirm_3"):
			self.assertEqual(steps[confirmation].next, "qualify", confirmation)
		self.assertEqual(steps["qualify"].next, "demo")
		self.assertEqual(
			(steps["qualify"].row.field_name, steps["qualify"].row.value),
			("qualification_status", "Qualified"),
		)
		self.assertEqual(steps["replied_3"].branches, ("email_confirm_3", "disqualify"))
		self.assertEqual(
			(steps["disqualify"].row.field_name, steps["disqualify"].row.value),
			("qualification_status", "Unqualified"),
		)

	def test_migrate_brings_back_a_missing_shipped_template(self):
		frappe.db.delete(
			"Sequence Step", {"parent": "Post-webinar follow-up", "parenttype": "Sequence Template"}
		)
		frappe.db.delete("Sequence Template", {"name": "Post-webinar follow-up"})
		sync_sequence_templates()
		template = frappe.get_doc("Sequence Template", "Post-webinar follow-up")
		self.assertEqual(template.step_count, TEMPLATES["Post-webinar follow-up"][1])
		self.assertTrue(template.is_shipped_version)


def flow(template: str) -> dict:
	"""Steps of a template by id, with where each goes next."""
	from sales_accelerator.controllers.sequence import step_dicts
	from sales_accelerator.engine.sequence import edges

	rows = frappe.get_doc("Sequence Template", template).steps
	graph = edges(step_dicts(rows))
	result = {}
	for row in rows:
		targets = graph[row.step_id]
		result[row.step_id] = frappe._dict(
			row=row,
			next=targets[0][1] if len(targets) == 1 else None,
			branches=tuple(t for _b, t in targets) if len(targets) == 2 else None,
		)
	return result


class TestShippedTemplatesAreTheAdmins(FrappeTestCase):
	"""App updates refresh a shipped template only while nobody has changed it."""

	TEMPLATE = "Follow-up for no-show contacts"

	def test_an_edited_template_is_kept_by_migrate_and_can_be_restored(self):
		template = frappe.get_doc("Sequence Template", self.TEMPLATE)
		self.assertTrue(template.is_shipped_version)
		shipped_rows = len(template.steps)
		template.description = "Our own follow-up"
		template.steps[1].subject = "Our own first email"
		extra = template.append(
			"steps", {"step_id": "extra_task", "step_type": "Task", "subject": "Note why"}
		)
		template.steps.remove(extra)
		template.steps.insert(2, extra)  # right after the first email: the flow goes through it
		for idx, row in enumerate(template.steps, start=1):
			row.idx = idx
		template.save()
		self.assertFalse(template.is_shipped_version)

		sync_sequence_templates()  # what every migrate does
		template.reload()
		self.assertEqual(
			(template.description, template.steps[1].subject, len(template.steps)),
			("Our own follow-up", "Our own first email", shipped_rows + 1),
		)
		self.assertFalse(template.is_shipped_version)

		template.restore_shipped_version()
		template.reload()
		self.assertTrue(template.is_shipped_version)
		self.assertEqual(len(template.steps), shipped_rows)
		self.assertNotEqual(template.description, "Our own follow-up")

	def test_an_unchanged_template_follows_the_apps_new_version(self):
		from sales_accelerator.controllers.sequence import definition_hash

		# the template as an older version of the app shipped it, untouched since
		template = frappe.get_doc("Sequence Template", self.TEMPLATE)
		template.description = "An older shipped description"
		template.flags.shipped = True
		template.save()
		self.assertTrue(template.is_shipped_version)
		self.assertEqual(template.shipped_hash, definition_hash(template))

		sync_sequence_templates()
		template.reload()
		self.assertNotEqual(template.description, "An older shipped description")
		self.assertTrue(template.is_shipped_version)

	def test_a_template_saved_unchanged_is_still_the_shipped_version(self):
		template = frappe.get_doc("Sequence Template", self.TEMPLATE)
		modified = template.modified
		sync_sequence_templates()  # nothing to do: not saved again
		self.assertEqual(frappe.db.get_value("Sequence Template", self.TEMPLATE, "modified"), modified)
		template.save()
		self.assertTrue(template.is_shipped_version)
