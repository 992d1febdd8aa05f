"""Benchmarks of Automation Rules, measured against a real site in one run.

    benchmarks/run automation [--quick]

Prints the median time of a Lead save (a field changed, then saved) with:
- no enabled rule on Lead;
- 200 enabled rules on Lead that do not match (other triggers, fields, filters, conditions)
  (goal: <= 1.05x the first);
- 5 matching rules, each creating a task (ToDo) and logging its run.
Conditions alternate in rounds, so drift of the machine touches all alike. Everything it creates
is deleted at the end.
"""

import json
import statistics
import sys
import time

import frappe

PREFIX = "_Bench SA rule"
SELLER = "sa.bench.rules@example.com"
IDLE_RULES = 200


def main(site: str, quick: bool):
	frappe.init(site=site, sites_path=".")
	frappe.connect()
	frappe.set_user("Administrator")
	saves, rounds = (100, 3) if quick else (400, 8)
	cleanup()
	try:
		make_seller()
		idle, matching = make_rules()
		frappe.db.commit()
		lead = frappe.get_doc(
			{"doctype": "Lead", "first_name": f"{PREFIX} lead", "lead_owner": SELLER}
		).insert()
		frappe.db.commit()
		results = {"none": [], f"{IDLE_RULES} not matching": [], "5 matching": []}
		for _round in range(rounds):
			for label, enabled, count in (
				("none", [], saves),
				(f"{IDLE_RULES} not matching", idle, saves),
				("5 matching", matching, saves // 10),  # slow and steady: fewer saves suffice
			):
				enable_only(enabled)
				results[label] += time_saves(lead.name, count)
		enable_only([])
		medians = {label: statistics.median(times) for label, times in results.items()}
		for label, median in medians.items():
			print(
				f"Lead save, {label} rules on Lead: median {median:.2f} ms over {len(results[label])} saves"
			)
		print(
			f"{IDLE_RULES} non-matching rules / none: {medians[f'{IDLE_RULES} not matching'] / medians['none']:.3f}x (goal <= 1.05x)"
		)
		print(f"5 matching rules (a task each) / none: {medians['5 matching'] / medians['none']:.2f}x")
	finally:
		cleanup()
		frappe.db.commit()
		frappe.destroy()


def time_saves(lead: str, count: int, change=None) -> list[float]:
	"""Milliseconds of each of ``count`` saves of the lead, ``change(doc, i)`` made before each (by
	default a new job title); what the saves made is rolled back."""
	doc = frappe.get_doc("Lead", lead)
	times = []
	for i in range(count):
		if change:
			change(doc, i)
		else:
			doc.job_title = f"Title {i}"
		start = time.perf_counter()
		doc.save()
		times.append((time.perf_counter() - start) * 1000)
	frappe.db.rollback()  # the saves' tasks, logs and score contributions are not kept
	return times


def make_seller():
	if not frappe.db.exists("User", SELLER):
		frappe.get_doc(
			{"doctype": "User", "email": SELLER, "first_name": "Bench Rules", "send_welcome_email": 0}
		).insert()
	settings = frappe.get_doc("Notification Settings", SELLER)
	settings.enabled = 0
	settings.save()


def make_rules() -> tuple[list[str], list[str]]:
	task = {"action_type": "Create Task", "subject": "Call {{ doc.lead_name }}", "assign_to": SELLER}
	idle = []
	for i in range(IDLE_RULES):
		kind = i % 5
		values = {
			0: {"trigger": "On Update", "filters": json.dumps([["territory", "=", f"Nowhere {i}"]])},
			1: {"trigger": "On Field Change", "field_name": "status", "to_value": "Converted"},
			2: {"trigger": "On Update", "condition": f"doc.annual_revenue > {10**9 + i}"},
			3: {"trigger": "On Create"},
			4: {"trigger": "On Field Change", "field_name": "email_id"},
		}[kind]
		idle.append(make_rule(f"{PREFIX} idle {i:02d}", values, task))
	matching = [make_rule(f"{PREFIX} match {i}", {"trigger": "On Update"}, task) for i in range(5)]
	return idle, matching


def make_rule(title: str, values: dict, action: dict) -> str:
	rule = frappe.get_doc(
		{"doctype": "Automation Rule", "title": title, "document_type": "Lead", "enabled": 0, **values}
	)
	rule.append("actions", action)
	return rule.insert().name


def enable_only(names: list[str]):
	for name in frappe.get_all("Automation Rule", {"title": ["like", f"{PREFIX}%"]}, pluck="name"):
		rule = frappe.get_doc("Automation Rule", name)
		if rule.enabled != (name in names):
			rule.enabled = int(name in names)
			rule.save()
	frappe.db.commit()


def cleanup():
	leads = frappe.get_all("Lead", {"lead_name": ["like", f"{PREFIX}%"]}, pluck="name")
	rules = frappe.get_all("Automation Rule", {"title": ["like", f"{PREFIX}%"]}, pluck="name")
	if rules:
		logs = frappe.get_all("Automation Rule Log", {"rule": ["in", rules]}, pluck="name")
		if logs:
			frappe.db.delete("Automation Rule Log Action", {"parent": ["in", logs]})
			frappe.db.delete("Automation Rule Log", {"name": ["in", logs]})
		frappe.db.delete("Automation Rule Action", {"parent": ["in", rules]})
		frappe.db.delete("Automation Rule", {"name": ["in", rules]})
	if leads:
		frappe.db.delete("ToDo", {"reference_type": "Lead", "reference_name": ["in", leads]})
		frappe.db.delete("Version", {"ref_doctype": "Lead", "docname": ["in", leads]})
		frappe.db.delete("Lead", {"name": ["in", leads]})
	from sales_accelerator.automation.rules import clear_rules_cache

	clear_rules_cache()


if __name__ == "__main__":
	main(sys.argv[1], "--quick" in sys.argv[2:])
