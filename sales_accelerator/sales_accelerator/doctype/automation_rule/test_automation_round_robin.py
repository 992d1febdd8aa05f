# Copyright (c) 2026, sales_accelerator contributors
# License: MIT. See license.txt

import json
from collections import Counter

import frappe
from frappe.tests.utils import FrappeTestCase

from sales_accelerator.tests import make_lead, make_quiet_user, make_rule

SELLERS = [f"sa.rr.seller{i}@example.com" for i in range(5)]
ROUND_ROBIN = "_Test SA round robin"


class TestRoundRobinAssignment(FrappeTestCase):
	"""Seed 003's assignment rule, spread over several sellers: an Assign action that takes its users
	from a Round Robin Assignment Rule gives each new lead to the next seller, once."""

	@classmethod
	def setUpClass(cls):
		from sales_accelerator.automation.rules import clear_rules_cache

		# runs last, after the class's rollback: later tests must not see this class's rule in the cache
		cls.addClassCleanup(clear_rules_cache)
		super().setUpClass()
		for email in SELLERS:
			make_quiet_user(email, "Sales User")
		if not frappe.db.exists("Assignment Rule", ROUND_ROBIN):
			frappe.get_doc(
				{
					"doctype": "Assignment Rule",
					"name": ROUND_ROBIN,
					"document_type": "Lead",
					"description": "Imported leads, in turn",
					"assign_condition": "False",
					"disabled": 1,  # the users' list of the Assign action: Frappe's own automatic assignment stays out
					"rule": "Round Robin",
					"users": [{"user": email} for email in SELLERS],
					"assignment_days": [{"day": "Monday"}],
				}
			).insert()
		make_rule(
			"_Test round robin imported leads",
			filters=json.dumps([["source", "=", "Mass Mailing"]]),
			actions=[{"action_type": "Assign", "assignment_rule": ROUND_ROBIN, "subject": "Imported lead"}],
		)

	def test_new_leads_are_spread_evenly_and_each_assigned_once(self):
		leads = [
			make_lead(f"_Test round robin {frappe.generate_hash(length=6)}", source="Mass Mailing")
			for _ in range(23)
		]
		assigned = {
			lead.name: json.loads(lead._assign or "[]")
			for lead in frappe.get_all("Lead", {"name": ["in", leads]}, ["name", "_assign"])
		}
		self.assertTrue(all(len(users) == 1 for users in assigned.values()), assigned)
		per_seller = Counter(users[0] for users in assigned.values())
		self.assertEqual(set(per_seller), set(SELLERS))
		self.assertLessEqual(max(per_seller.values()) - min(per_seller.values()), 1, per_seller)
		todos = Counter(
			frappe.get_all(
				"ToDo", {"reference_type": "Lead", "reference_name": ["in", leads]}, pluck="reference_name"
			)
		)
		self.assertEqual(set(todos.values()), {1})
