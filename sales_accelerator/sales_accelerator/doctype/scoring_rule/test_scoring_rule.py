# Copyright (c) 2026, sales_accelerator contributors
# License: MIT. See license.txt

import json
from unittest.mock import patch

import frappe
from frappe.tests.utils import FrappeTestCase
from frappe.utils import add_days, now_datetime, nowdate

from sales_accelerator.api import complete_activity, connect, score_breakdown
from sales_accelerator.scoring import jobs
from sales_accelerator.scoring.rules import CACHE_KEY
from sales_accelerator.scoring.score import score_records
from sales_accelerator.tasks import apply_score_decay, score_read_receipts
from sales_accelerator.tests import make_quiet_user, make_sequence, rule_doc

SELLER = "sa.score.seller@example.com"
OUTSIDER = "sa.score.outsider@example.com"
CAMPAIGN = [["source", "=", "Campaign"]]


def scoring_rule(title="_Test lead score", criteria=(), **values):
	"""A Scoring Rule on Lead (an earlier one of that title is removed), saved; its rescore job is
	not started (the tests run it themselves)."""
	if frappe.db.exists("Scoring Rule", title):
		frappe.delete_doc("Scoring Rule", title, force=True)
	rule = frappe.get_doc({"doctype": "Scoring Rule", "title": title, "document_type": "Lead", **values})
	for row in criteria:
		rule.append(
			"criteria", {**row, "filters": json.dumps(row["filters"]) if row.get("filters") else None}
		)
	with patch("frappe.enqueue"):
		return rule.insert()


def campaign(points=30):
	return {"criterion": "Field Value", "points": points, "filters": CAMPAIGN}


def reply(points=20, max_times=2):
	return {"criterion": "Email Replied", "points": points, "max_times": max_times}


def rescores(enqueue) -> list[str]:
	"""The record types of the rescoring jobs a patched ``frappe.enqueue`` was asked for."""
	return [c.kwargs["doctype"] for c in enqueue.call_args_list if c.args[0].endswith("jobs.rescore_all")]


def score(lead):
	return frappe.db.get_value("Lead", lead, "sa_score")


def received(lead=None, sender=None):
	"""An email received: linked to the lead, or from an address."""
	return frappe.get_doc(
		{
			"doctype": "Communication",
			"communication_type": "Communication",
			"communication_medium": "Email",
			"sent_or_received": "Received",
			"subject": "Re: our offer",
			"content": "Sounds good",
			"sender": sender or "someone@example.com",
			"reference_doctype": "Lead" if lead else None,
			"reference_name": lead,
		}
	).insert(ignore_permissions=True)


class ScoringTestCase(FrappeTestCase):
	SHOW_TRANSACTION_COMMIT_WARNINGS = True

	def setUp(self):
		frappe.set_user("Administrator")
		make_quiet_user(SELLER, "Sales User")
		make_quiet_user(OUTSIDER, "Sales User")

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.db.rollback()
		frappe.flags.sa_automation_stack = None

	def lead(self, source="Campaign", **values):
		address = values.pop("email_id", None) or f"{frappe.generate_hash(length=10)}@example.com"
		return (
			frappe.get_doc(
				{
					"doctype": "Lead",
					"first_name": f"_Test score {frappe.generate_hash(length=6)}",
					"email_id": address,
					"source": source,
					**values,
				}
			)
			.insert()
			.name
		)

	def explained(self, lead) -> dict:
		breakdown = score_breakdown("Lead", lead)
		self.assertEqual(breakdown["score"], score(lead))
		self.assertEqual(breakdown["score"], sum(c["points"] for c in breakdown["contributions"]))
		return breakdown


class TestScoring(ScoringTestCase):
	def test_a_campaign_lead_scores_on_save_and_the_breakdown_explains_it(self):
		scoring_rule(criteria=[campaign(30)])
		lead = self.lead()
		self.assertEqual(score(lead), 30)
		(contribution,) = self.explained(lead)["contributions"]
		self.assertEqual(
			{k: contribution[k] for k in ("rule", "criterion", "points")},
			{"rule": "_Test lead score", "criterion": "Field Value", "points": 30},
		)
		self.assertEqual(contribution["label"], "source = Campaign")
		self.assertLessEqual(abs((now_datetime() - contribution["since"]).total_seconds()), 5)

		doc = frappe.get_doc("Lead", lead)
		doc.source = "Advertisement"
		doc.save()
		self.assertEqual((doc.sa_score, score(lead)), (0, 0))
		self.assertEqual(self.explained(lead)["contributions"], [])
		self.assertEqual(score(self.lead(source="Cold Calling")), 0)

	def test_a_field_value_keeps_the_moment_it_began_to_hold(self):
		scoring_rule(
			criteria=[campaign(30), {"criterion": "Field Value", "points": 5, "condition": "doc.city"}]
		)
		lead = self.lead()
		since = self.explained(lead)["contributions"][0]["since"]
		frappe.db.sql(
			"update `tabScore Contribution` set since=%s where reference_name=%s", ("2026-01-01", lead)
		)
		doc = frappe.get_doc("Lead", lead)
		doc.city = "Jakarta"
		doc.save()
		self.assertEqual(score(lead), 35)
		rows = {c["criterion"] + str(c["points"]): c for c in self.explained(lead)["contributions"]}
		self.assertEqual(str(rows["Field Value30"]["since"]), "2026-01-01 00:00:00")
		self.assertGreaterEqual(rows["Field Value5"]["since"], since)

	def test_a_save_that_changes_no_field_a_criterion_reads_reads_and_writes_nothing(self):
		scoring_rule(
			criteria=[campaign(30), {"criterion": "Field Value", "points": 5, "condition": "doc.city"}]
		)
		doc = frappe.get_doc("Lead", self.lead())
		with patch("sales_accelerator.scoring.score.stored_rows") as stored:
			doc.job_title = "Buyer"
			doc.save()
		stored.assert_not_called()
		doc.city = "Jakarta"
		doc.save()
		self.assertEqual(score(doc.name), 35)

	def test_replies_count_each_time_up_to_max_times(self):
		scoring_rule(criteria=[campaign(30), reply(20, max_times=2)])
		address = f"{frappe.generate_hash(length=10)}@example.com"
		lead = self.lead(email_id=address)
		received(lead=lead)
		self.assertEqual(score(lead), 50)
		received(sender=f"The Lead <{address}>")  # not linked: from its address
		self.assertEqual(score(lead), 70)
		received(sender=address.upper())
		self.assertEqual(score(lead), 70, "Max Times 2")
		replied = [c for c in self.explained(lead)["contributions"] if c["criterion"] == "Email Replied"]
		self.assertEqual((replied[0]["points"], replied[0]["times"]), (40, 2))
		received(sender="someone.else@example.com")
		self.assertEqual(score(lead), 70)

	def test_a_save_that_makes_an_event_criterion_count_on_the_record_reads_its_events(self):
		scoring_rule(criteria=[{**reply(20), "filters": [["territory", "=", "_Test Score Land"]]}])
		if not frappe.db.exists("Territory", "_Test Score Land"):
			frappe.get_doc({"doctype": "Territory", "territory_name": "_Test Score Land"}).insert()
		lead = self.lead()
		received(lead=lead)
		self.assertEqual(score(lead), 0, "not a lead of that territory")
		doc = frappe.get_doc("Lead", lead)
		doc.territory = "_Test Score Land"
		doc.save()
		self.assertEqual((doc.sa_score, score(lead)), (20, 20))
		doc.territory = "All Territories"
		doc.save()
		self.assertEqual(score(lead), 0)

	def test_opens_meetings_calls_and_activities_count_when_they_happen(self):
		scoring_rule(
			criteria=[
				{"criterion": "Email Opened", "points": 3, "max_times": 5},
				{"criterion": "Meeting Booked", "points": 15},
				{"criterion": "Call Answered", "points": 10, "max_times": 3},
				{"criterion": "Activity Completed", "points": 2, "max_times": 10},
			]
		)
		lead = self.lead()
		self.assertEqual(score(lead), 0)

		sent = frappe.get_doc(
			{
				"doctype": "Communication",
				"communication_type": "Communication",
				"communication_medium": "Email",
				"sent_or_received": "Sent",
				"subject": "Our offer",
				"reference_doctype": "Lead",
				"reference_name": lead,
			}
		).insert(ignore_permissions=True)
		from frappe.core.doctype.communication.email import update_communication_as_read

		update_communication_as_read(sent.name)  # Frappe's read receipt: no doc event
		self.assertEqual(score(lead), 0)
		score_read_receipts()
		self.assertEqual(score(lead), 3)

		event = frappe.get_doc(
			{
				"doctype": "Event",
				"subject": "Demo",
				"starts_on": add_days(now_datetime(), 2),
				"event_participants": [{"reference_doctype": "Lead", "reference_docname": lead}],
			}
		).insert(ignore_permissions=True)
		self.assertEqual(score(lead), 18)
		event.status = "Cancelled"
		event.save(ignore_permissions=True)
		self.assertEqual(score(lead), 3, "a cancelled meeting no longer counts")
		event.status = "Open"
		event.save(ignore_permissions=True)
		self.assertEqual(score(lead), 18)
		frappe.delete_doc("Event", event.name, ignore_permissions=True)
		self.assertEqual(score(lead), 3, "nor a deleted one")

		frappe.get_doc(
			{
				"doctype": "Call Log",
				"id": f"_test-{frappe.generate_hash(length=8)}",
				"type": "Incoming",
				"status": "Completed",
				"links": [{"link_doctype": "Lead", "link_name": lead}],
			}
		).insert(ignore_permissions=True)
		self.assertEqual(score(lead), 13)

		# a sequence's call answered: one call (its activity and the app's Call Log of it), one activity
		frappe.set_user(SELLER)
		sequence = make_sequence(
			"_Test score calls", steps=[{"step_id": "call", "step_type": "Phone Call", "subject": "Call"}]
		)
		sequence.activate()
		connect(sequence.name, "Lead", [lead])
		activity = frappe.db.get_value("Sequence Activity", {"record_name": lead, "status": "Open"})
		complete_activity(activity, "Answered")
		frappe.set_user("Administrator")
		self.assertTrue(frappe.db.exists("Call Log", f"SA-{activity}"))
		self.assertEqual(score(lead), 25)
		criteria = {c["criterion"]: c for c in self.explained(lead)["contributions"]}
		self.assertEqual((criteria["Call Answered"]["points"], criteria["Call Answered"]["times"]), (20, 2))
		self.assertEqual(criteria["Activity Completed"]["points"], 2)

	def test_decay_takes_old_interest_away_but_never_below_nothing(self):
		scoring_rule(criteria=[campaign(30), reply(20)], decay_points=5, decay_every_days=7)
		lead = self.lead()
		received(lead=lead)
		self.assertEqual(score(lead), 50)
		apply_score_decay(inline=True, commit=False, now=add_days(now_datetime(), 6))
		self.assertEqual(score(lead), 50)
		apply_score_decay(inline=True, commit=False, now=add_days(now_datetime(), 15))
		self.assertEqual(score(lead), 40)
		decay = self.explained(lead)["contributions"][-1]
		self.assertEqual((decay["criterion"], decay["points"], decay["times"]), ("Decay", -10, 2))
		apply_score_decay(inline=True, commit=False, now=add_days(now_datetime(), 400))
		self.assertEqual(score(lead), 0)
		# new interest: the decay starts again from the latest reply
		received(lead=lead)
		self.assertEqual(score(lead), 70)

	def test_the_score_is_clamped_to_the_rules_limits(self):
		scoring_rule(
			criteria=[
				campaign(30),
				reply(20, max_times=0),
				{"criterion": "Field Value", "points": -50, "condition": "not doc.email_id"},
			],
			minimum_score="0",
			maximum_score="60",
		)
		lead = self.lead()
		for _i in range(3):
			received(lead=lead)
		self.assertEqual(score(lead), 60)
		clamp = self.explained(lead)["contributions"][-1]
		self.assertEqual((clamp["criterion"], clamp["points"]), ("Maximum Score", -30))
		quiet = self.lead(source="Advertisement")
		doc = frappe.get_doc("Lead", quiet)
		doc.email_id = ""
		doc.save()
		self.assertEqual(score(quiet), 0)
		self.assertEqual(self.explained(quiet)["contributions"][-1]["criterion"], "Minimum Score")

	def test_a_threshold_rule_fires_once_when_the_score_reaches_it(self):
		rule_doc(
			"_Test hot lead",
			trigger="On Field Change",
			field_name="sa_score",
			from_value="< 50",
			to_value=">= 50",
			actions=[
				{"action_type": "Add CRM Note", "crm_action": "PHN", "subject": "Hot: {{ doc.sa_score }}"}
			],
		).insert()
		scoring_rule(criteria=[campaign(30), reply(20, max_times=5)])
		lead = self.lead()
		received(lead=lead)  # 50: the reply's score change is an ordinary field change
		received(lead=lead)  # 70
		doc = frappe.get_doc("Lead", lead)
		doc.city = "Warsaw"
		doc.save()
		notes = frappe.get_all("CRM Action Note", filters={"reference_name": lead}, pluck="note")
		self.assertEqual(notes, ["Hot: 50"])
		self.assertEqual(frappe.db.count("Automation Rule Log", {"rule": "_Test hot lead"}), 1)
		# it fires again only when the score comes back to 50 after falling below
		doc.source = "Advertisement"
		doc.save()  # 40
		doc.source = "Campaign"
		doc.save()  # 70: a save that crosses it
		self.assertEqual(frappe.db.count("Automation Rule Log", {"rule": "_Test hot lead"}), 2)

	def test_a_change_score_action_is_kept_through_rescoring(self):
		rule_doc(
			"_Test score bonus",
			trigger="On Update",
			filters=json.dumps([["city", "=", "Kuala Lumpur"]]),
			actions=[{"action_type": "Change Score", "field_to_set": "sa_score", "value": "+5"}],
		).insert()
		scoring_rule(criteria=[campaign(30)])
		lead = self.lead()
		doc = frappe.get_doc("Lead", lead)
		doc.city = "Kuala Lumpur"
		doc.save()
		self.assertEqual(score(lead), 35)
		jobs.rescore_all("Lead", commit=False)
		self.assertEqual(score(lead), 35)
		bonus = self.explained(lead)["contributions"][-1]
		self.assertEqual(
			(bonus["rule"], bonus["criterion"], bonus["points"]), ("_Test score bonus", "Change Score", 5)
		)


class TestRescoring(ScoringTestCase):
	def test_a_rule_change_rescores_existing_leads_in_the_background(self):
		before = [self.lead() for _i in range(3)]
		other = self.lead(source="Advertisement")
		with patch("frappe.enqueue") as enqueue:
			rule = frappe.get_doc(
				{
					"doctype": "Scoring Rule",
					"title": "_Test rescored",
					"document_type": "Lead",
					"criteria": [{"criterion": "Field Value", "points": 30, "filters": json.dumps(CAMPAIGN)}],
				}
			).insert()
		self.assertEqual(enqueue.call_args.args[0], "sales_accelerator.scoring.jobs.rescore_all")
		self.assertEqual(enqueue.call_args.kwargs["doctype"], "Lead")
		self.assertEqual(enqueue.call_args.kwargs["queue"], "long")
		self.assertEqual([score(lead) for lead in before], [0, 0, 0], "not in the save")

		with patch("frappe.publish_progress") as progress:
			jobs.rescore_all("Lead", rule.name, commit=False, chunk=2)
		self.assertEqual([score(lead) for lead in [*before, other]], [30, 30, 30, 0])
		self.assertGreaterEqual(progress.call_count, 2)
		self.assertEqual(progress.call_args.kwargs["docname"], rule.name)
		self.assertEqual(progress.call_args.args[0], 100)
		self.assertTrue(frappe.db.get_value("Scoring Rule", rule.name, "last_rescored_on"))

		rule.criteria[0].points = 40
		with patch("frappe.enqueue") as enqueue:
			rule.save()
			rule.description = "Only the description changed"
			rule.save()
		self.assertEqual(
			rescores(enqueue), ["Lead"], "a change that scores nothing differently rescores nothing"
		)
		jobs.rescore_all("Lead", rule.name, commit=False)
		self.assertEqual([score(lead) for lead in before], [40, 40, 40])

		rule.enabled = 0
		with patch("frappe.enqueue") as enqueue:
			rule.save()
		self.assertEqual(rescores(enqueue), ["Lead"])
		jobs.rescore_all("Lead", rule.name, commit=False)
		self.assertEqual([score(lead) for lead in before], [0, 0, 0])
		self.assertFalse(frappe.db.exists("Score Contribution", {"reference_name": ["in", before]}))

	def test_a_job_started_under_other_rules_goes_through_the_records_again(self):
		lead = self.lead()
		rule = scoring_rule(criteria=[campaign(30)])
		passes = []

		def score_then_change_the_rule(doctype, names, now=None):
			changed = score_records(doctype, names, now)
			if not passes:  # another admin changes the rule while the first pass runs
				frappe.db.set_value("Scoring Rule Criterion", rule.criteria[0].name, "points", 45)
				frappe.cache.delete_value(CACHE_KEY)
			passes.append(names)
			return changed

		with patch("sales_accelerator.scoring.jobs.score_records", score_then_change_the_rule):
			jobs.rescore_all("Lead", rule.name, commit=False)
		self.assertEqual(len(passes), 2)
		self.assertEqual(score(lead), 45)

	def test_deleting_a_rule_or_a_scored_lead_is_not_blocked(self):
		rule = scoring_rule(criteria=[campaign(30)])
		lead, kept = self.lead(), self.lead()
		frappe.delete_doc("Lead", lead)
		self.assertFalse(frappe.db.exists("Score Contribution", {"reference_name": lead}))
		with patch("frappe.enqueue") as enqueue:
			frappe.delete_doc("Scoring Rule", rule.name)
		self.assertEqual(rescores(enqueue), ["Lead"])
		jobs.rescore_all("Lead", commit=False)
		self.assertEqual(score(kept), 0)


class TestScoreSecurity(ScoringTestCase):
	def test_nobody_writes_a_score_by_hand(self):
		scoring_rule(criteria=[campaign(30)])
		lead = self.lead(lead_owner=SELLER)
		frappe.set_user(SELLER)
		frappe.client.set_value("Lead", lead, "sa_score", 999)
		self.assertEqual(score(lead), 30)
		doc = frappe.client.get("Lead", lead)
		doc["sa_score"], doc["city"] = 1000, "Jakarta"
		frappe.client.save(doc)
		self.assertEqual((score(lead), frappe.db.get_value("Lead", lead, "city")), (30, "Jakarta"))
		made = frappe.client.insert({"doctype": "Lead", "first_name": "_Test score rest", "sa_score": 77})
		self.assertEqual(score(made["name"]), 0)
		frappe.set_user("Administrator")
		frappe.client.set_value("Lead", lead, "sa_score", 5)
		self.assertEqual(score(lead), 30, "not even an administrator: scores are the rules'")

	def test_a_stale_form_does_not_undo_a_score_change(self):
		scoring_rule(criteria=[campaign(30), reply(20)])
		lead = self.lead()
		form = frappe.get_doc("Lead", lead)  # opened before the reply
		received(lead=lead)
		form.city = "Jakarta"
		form.save()
		self.assertEqual(score(lead), 50)

	def test_the_breakdown_is_for_those_who_may_read_the_record(self):
		scoring_rule(criteria=[campaign(30)])
		lead = self.lead()
		frappe.get_doc(
			{"doctype": "User Permission", "user": OUTSIDER, "allow": "Lead", "for_value": self.lead()}
		).insert()
		frappe.set_user(OUTSIDER)
		self.assertRaises(frappe.PermissionError, score_breakdown, "Lead", lead)
		self.assertRaises(frappe.ValidationError, score_breakdown, "ToDo", lead)
		frappe.set_user("Administrator")
		frappe.share.add("Lead", lead, SELLER)
		frappe.set_user(SELLER)
		self.assertEqual(score_breakdown("Lead", lead)["score"], 30)

	def test_rules_are_for_managers_of_sequences_and_readable_by_sales_managers(self):
		scoring_rule(criteria=[campaign(30)])
		manager = make_quiet_user("sa.score.manager@example.com", "Sales Manager")
		sequences = make_quiet_user("sa.score.sequences@example.com", "Sequence Manager")
		frappe.set_user(manager)
		self.assertTrue(frappe.has_permission("Scoring Rule", "read", "_Test lead score"))
		self.assertFalse(frappe.has_permission("Scoring Rule", "write", "_Test lead score"))
		self.assertFalse(frappe.has_permission("Scoring Rule", "create"))
		frappe.set_user(SELLER)
		self.assertFalse(frappe.has_permission("Scoring Rule", "read"))
		frappe.set_user(sequences)
		self.assertTrue(frappe.has_permission("Scoring Rule", "create"))
		self.assertTrue(frappe.has_permission("Scoring Rule", "delete", "_Test lead score"))

	def test_a_rule_that_cannot_work_is_refused_naming_what_is_wrong(self):
		cases = [
			({"document_type": "ToDo"}, "Document Type"),
			({"score_field": "lead_name"}, "not a whole-number"),
			({"score_field": "nothing"}, "no field"),
			({"criteria": [{"criterion": "Field Value", "points": 5}]}, "(Field Value): give filters"),
			({"criteria": [campaign(0)]}, "Points are required"),
			({"criteria": [{"criterion": "Sales Invoice Overdue", "points": 5}]}, "must be negative"),
			({"criteria": [{**campaign(5), "filters": [["colour", "=", "red"]]}]}, "no such field"),
			(
				{"criteria": [{"criterion": "Field Value", "points": 5, "condition": "doc.__class__"}]},
				"Condition",
			),
			({"minimum_score": "10", "maximum_score": "5"}, "above Maximum Score"),
			({"minimum_score": "ten"}, "whole number"),
			({"decay_points": 5, "decay_every_days": 0}, "Decay Every"),
		]
		for values, message in cases:
			values = {"criteria": [campaign(10)], **values}
			with self.subTest(message), self.assertRaises(frappe.ValidationError) as error:
				scoring_rule(**values)
			self.assertIn(message, str(error.exception))


class TestSalesSignals(ScoringTestCase):
	def setUp(self):
		super().setUp()
		self.company = frappe.db.get_single_value("Global Defaults", "default_company")
		if not frappe.db.exists("Item", "_Test SA Service"):
			frappe.get_doc(
				{
					"doctype": "Item",
					"item_code": "_Test SA Service",
					"item_group": frappe.get_all(
						"Item Group", filters={"is_group": 0}, pluck="name", limit=1
					)[0],
					"stock_uom": "Nos",
					"is_stock_item": 0,
				}
			).insert()

	def customer(self, **values):
		return (
			frappe.get_doc(
				{
					"doctype": "Customer",
					"customer_name": f"_Test score {frappe.generate_hash(length=6)}",
					**values,
				}
			)
			.insert()
			.name
		)

	def sales_document(self, doctype, **values):
		doc = frappe.get_doc(
			{
				"doctype": doctype,
				"company": self.company,
				"items": [
					{
						"item_code": "_Test SA Service",
						"qty": 1,
						"rate": 100,
						"delivery_date": add_days(nowdate(), 7),
					}
				],
				**values,
			}
		)
		doc.insert()
		doc.submit()
		return doc

	def test_quotations_orders_and_overdue_invoices_of_the_customer_count(self):
		scoring_rule(
			criteria=[
				{"criterion": "Quotation Submitted", "points": 10, "max_times": 3},
				{"criterion": "Sales Order Submitted", "points": 25},
				{"criterion": "Sales Invoice Overdue", "points": -40},
			]
		)
		lead = self.lead()
		self.sales_document("Quotation", quotation_to="Lead", party_name=lead)
		self.assertEqual(score(lead), 10)
		customer = self.customer(lead_name=lead)
		self.sales_document("Quotation", quotation_to="Customer", party_name=customer)
		self.assertEqual(score(lead), 20, "a quotation to the customer made from the lead")
		order = self.sales_document("Sales Order", customer=customer, transaction_date=nowdate())
		self.assertEqual(score(lead), 45)
		order.cancel()
		self.assertEqual(score(lead), 20)
		invoice = self.sales_document(
			"Sales Invoice",
			customer=customer,
			set_posting_time=1,
			posting_date=add_days(nowdate(), -40),
			due_date=add_days(nowdate(), -10),
		)
		self.assertEqual(score(lead), -20)
		overdue = next(c for c in self.explained(lead)["contributions"] if c["points"] < 0)
		self.assertEqual(str(overdue["since"].date()), str(add_days(invoice.due_date, 1)))
		frappe.db.set_value(
			"Sales Invoice", invoice.name, "outstanding_amount", 0
		)  # paid, as ERPNext records it
		apply_score_decay(inline=True, commit=False)
		self.assertEqual(score(lead), 20)
