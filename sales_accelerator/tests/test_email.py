"""Sequence emails: the seller's and the event's details, escaped as people's text, in automated
emails and in the composer of a seller's email step."""

import json

import frappe
from frappe.tests.utils import FrappeTestCase

from sales_accelerator.integrations.email import email_context, render_template_email
from sales_accelerator.setup.install import shipped_email_templates
from sales_accelerator.tests import (
	active_sequence_from_template,
	make_contact,
	make_employee,
	make_lead,
	make_outgoing_email_account,
	make_quiet_user,
	make_sequence,
	make_user,
)

SELLER = "sa.email.seller@example.com"
OUTSIDER = "sa.email.outsider@example.com"
DESIGNATION = "_Test SA Account Executive"
# no tags: Frappe would sanitize them when the Sequence is saved; quotes and ampersands it keeps
EVENT = {
	"event_name": 'Spring "Summit"',
	"event_start": "2027-03-12 14:00:00",
	"event_location": "Hall A & B",
}


class TestSequenceEmails(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		make_outgoing_email_account()
		make_quiet_user(SELLER, "Sales User")  # a notification email would commit the test
		make_user(OUTSIDER, "Sales User")
		if not frappe.db.exists("Designation", DESIGNATION):
			frappe.get_doc({"doctype": "Designation", "designation_name": DESIGNATION}).insert()
		frappe.db.set_value("Employee", make_employee(SELLER), "designation", DESIGNATION)
		frappe.db.set_value("User", SELLER, "email_signature", "Sa Email Seller\nAcme Ltd")

	def test_the_context_gives_the_sellers_and_the_events_details(self):
		sequence = make_sequence(
			title="_Test event emails", steps=[{"step_id": "t", "step_type": "Task"}], **EVENT
		)
		context = email_context(SELLER, sequence.name)
		seller = context["seller"]
		self.assertEqual(
			(seller.full_name, seller.designation, seller.email, seller.signature),
			(
				frappe.db.get_value(
					"User", SELLER, "full_name"
				),  # ERPNext names the user after their Employee
				DESIGNATION,
				SELLER,
				"Sa Email Seller<br>Acme Ltd",
			),
		)
		event = context["sequence"]
		self.assertEqual((event.title, event.event_name), ("_Test event emails", 'Spring "Summit"'))
		self.assertIn("2027", event.event_start)
		self.assertIn("14:00", event.event_start)
		self.assertEqual(event.event_location, "Hall A & B")

		nothing = email_context(None, None)
		self.assertFalse(any(nothing["seller"].values()) or any(nothing["sequence"].values()))

	def test_values_are_escaped_in_the_message_and_the_signature_stays_sanitized_html(self):
		template = "_Test SA escaping"
		if not frappe.db.exists("Email Template", template):
			frappe.get_doc(
				{
					"doctype": "Email Template",
					"name": template,
					"subject": "For {{ first_name }}",
					"use_html": 1,
					"response_html": "<p>{{ first_name }} at {{ sequence.event_name }}</p>{{ seller.signature }}",
				}
			).insert()
		frappe.db.set_value("User", SELLER, "email_signature", "<p>Ann</p><script>alert(1)</script>")
		self.addCleanup(frappe.db.set_value, "User", SELLER, "email_signature", "Sa Email Seller\nAcme Ltd")
		sequence = make_sequence(
			title="_Test escaping", steps=[{"step_id": "t", "step_type": "Task"}], **EVENT
		)
		lead = frappe.get_doc({"doctype": "Lead", "first_name": "<b>Ana</b> & Co"})
		email = render_template_email(lead, template, email_context(SELLER, sequence.name))
		self.assertEqual(email["subject"], "For <b>Ana</b> & Co")  # plain text
		self.assertIn("&lt;b&gt;Ana&lt;/b&gt; &amp; Co at Spring &#34;Summit&#34;", email["message"])
		self.assertIn("<p>Ann</p>", email["message"])
		self.assertNotIn("<script", email["message"])

	def test_every_shipped_email_renders_whole_with_or_without_the_sequences_details(self):
		lead = frappe.get_doc({"doctype": "Lead", "first_name": "Ana", "company_name": "Kowalski Foods"})
		sequence = make_sequence(
			title="_Test all emails", steps=[{"step_id": "t", "step_type": "Task"}], **EVENT
		)
		for context in (None, email_context(SELLER, sequence.name), email_context(OUTSIDER, None)):
			for template in shipped_email_templates():
				email = render_template_email(lead, template["name"], context)
				for text in (email["subject"], email["message"]):
					self.assertNotIn("{{", text, template["name"])  # an unknown name shows so
					self.assertNotIn("None", text, template["name"])
				self.assertIn("Hello Ana", email["message"], template["name"])

	def test_the_outbound_introduction_is_signed_by_its_seller(self):
		from sales_accelerator.sequences.enrollment import connect

		frappe.db.set_value("User", SELLER, "email_signature", "Sa Email Seller\nAcme Ltd")
		sequence = active_sequence_from_template("High-volume outbound prospecting", "_Test signed intro")
		lead = make_lead(
			f"_Test Signed {frappe.generate_hash(length=6)}",
			email_id=f"{frappe.generate_hash(length=8)}@example.com",
		)
		connect(sequence, "Lead", [lead], seller=SELLER)
		intro = frappe.db.get_value(
			"Sequence Activity", {"record_name": lead, "step_id": "email_intro"}, "reference_name"
		)
		content = frappe.db.get_value("Communication", intro, "content")
		for detail in ("Sa Email Seller", DESIGNATION, "Acme Ltd"):
			self.assertIn(detail, content)

	def test_the_composer_gets_the_event_invitation_filled_for_the_seller_only(self):
		from sales_accelerator.api import activity_email
		from sales_accelerator.sequences.enrollment import connect

		sequence = active_sequence_from_template(
			"Invitation to an upcoming event",
			f"_Test invitation {frappe.generate_hash(length=4)}",
			**EVENT,
		)
		contact = make_contact(f"_Test Invited {frappe.generate_hash(length=5)}", "invited@example.com")
		connect(sequence, "Contact", [contact], seller=SELLER)
		invite = frappe.db.get_value(
			"Sequence Activity", {"record_name": contact, "step_id": "email_invite", "status": "Open"}
		)
		with self.set_user(SELLER):
			email = activity_email(invite)
		self.assertIn("Spring &#34;Summit&#34;", email["message"])
		self.assertIn("Hall A &amp; B", email["message"])
		with self.set_user(OUTSIDER), self.assertRaises(frappe.PermissionError):
			activity_email(invite)

	def test_the_shipped_texts_use_the_sellers_and_the_events_details(self):
		texts = {t["name"]: json.dumps(t) for t in shipped_email_templates()}
		for detail in ("seller.full_name", "seller.designation", "seller.signature"):
			self.assertIn(detail, texts["SA Outbound: Introduction"])
		for name in ("SA Event: Confirmation", "SA Event: Confirmation after call"):
			for detail in ("sequence.event_name", "sequence.event_start", "sequence.event_location"):
				self.assertIn(detail, texts[name])
