"""Assignment at scale, measured against a real site in one run.

    benchmarks/run assignment [--quick]

Seed 003's example (imported leads assigned by a rule) at 20,000 leads (2,000 with --quick), spread
by round robin over 5 sellers: an Automation Rule *On Create* with an *Assign* action that takes
its users from a Round Robin Assignment Rule. The leads go through Frappe's Data Import, as an admin
imports them. Prints the time, the leads per second, and checks that the spread is even (within
one) and that no lead was assigned twice. Everything it creates is deleted at the end.
"""

import csv
import io
import json
import sys
import time
from collections import Counter

import frappe

PREFIX = "_Bench SA assign"
SOURCE = "Mass Mailing"
SELLERS = [f"sa.bench.assign{i}@example.com" for i in range(5)]
RULE = f"{PREFIX} imported leads"
ROUND_ROBIN = f"{PREFIX} round robin"


def main(site: str, quick: bool):
	from frappe.core.doctype.data_import.data_import import import_file

	frappe.init(site=site, sites_path=".")
	frappe.connect()
	frappe.set_user("Administrator")
	count = 2000 if quick else 20000
	cleanup()
	try:
		make_sellers_and_rules()
		frappe.db.commit()
		upload = make_csv(count)
		frappe.db.commit()
		start = time.perf_counter()
		import_file("Lead", upload.file_url, "Insert")
		elapsed = time.perf_counter() - start
		check(count, elapsed)
	finally:
		cleanup()
		frappe.db.commit()
		frappe.destroy()


def make_sellers_and_rules():
	for email in SELLERS:
		if not frappe.db.exists("User", email):
			frappe.get_doc(
				{
					"doctype": "User",
					"email": email,
					"first_name": email.split("@")[0],
					"send_welcome_email": 0,
				}
			).insert()
		user = frappe.get_doc("User", email)
		user.add_roles("Sales User")
		settings = frappe.get_doc("Notification Settings", email)
		settings.enable_email_notifications = 0  # the notifications stay; no mail piles up
		settings.save()
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
			"assignment_days": [
				{"day": day}
				for day in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
			],
		}
	).insert()
	rule = frappe.get_doc(
		{
			"doctype": "Automation Rule",
			"title": RULE,
			"document_type": "Lead",
			"trigger": "On Create",
			"filters": json.dumps([["source", "=", SOURCE]]),
		}
	)
	rule.append(
		"actions", {"action_type": "Assign", "assignment_rule": ROUND_ROBIN, "subject": "Imported lead"}
	)
	rule.insert()


def make_csv(count: int):
	content = io.StringIO()
	writer = csv.writer(content)
	writer.writerow(["First Name", "Source"])
	writer.writerows([f"{PREFIX} {i:05d}", SOURCE] for i in range(count))
	return frappe.get_doc(
		{
			"doctype": "File",
			"file_name": "_bench_sa_assign.csv",
			"is_private": 1,
			"content": content.getvalue(),
		}
	).insert()


def check(count: int, elapsed: float):
	leads = frappe.get_all("Lead", {"first_name": ["like", f"{PREFIX}%"]}, ["name", "_assign"])
	assigned = [json.loads(lead._assign or "[]") for lead in leads]
	per_seller = Counter(users[0] for users in assigned if len(users) == 1)
	todos = frappe.db.sql(
		"""select reference_name, count(*) from `tabToDo` where reference_type='Lead'
		and status='Open' and allocated_to in %s group by reference_name having count(*) > 1""",
		[SELLERS],
	)
	spread = max(per_seller.values()) - min(per_seller.values()) if per_seller else None
	print(f"Imported {len(leads)} of {count} leads in {elapsed:.1f} s: {len(leads) / elapsed:.0f} leads/s")
	print("per seller: " + ", ".join(f"{per_seller[s]}" for s in SELLERS) + f" (spread {spread}, goal <= 1)")
	print(
		f"leads with more than one assignee: {sum(1 for users in assigned if len(users) > 1)}, with none: "
		f"{sum(1 for users in assigned if not users)}, with two open tasks: {len(todos)} (goal 0 each)"
	)
	ok = len(leads) == count and spread is not None and spread <= 1 and not todos
	ok = ok and all(len(users) == 1 for users in assigned)
	print("assignment at scale: " + ("all goals met" if ok else "GOALS NOT MET"))


def cleanup():
	leads = frappe.get_all("Lead", {"first_name": ["like", f"{PREFIX}%"]}, pluck="name")
	if leads:
		for doctype, field in (
			("ToDo", "reference_name"),
			("Automation Rule Log", "document_name"),
			("Notification Log", "document_name"),
			("Comment", "reference_name"),
		):
			frappe.db.delete(doctype, {field: ["in", leads]})
		frappe.db.delete("DocShare", {"share_doctype": "Lead", "share_name": ["in", leads]})
		frappe.db.delete("Lead", {"name": ["in", leads]})
	frappe.db.delete("Data Import Log", {"data_import": ["is", "not set"]})  # import_file's own rows
	for doctype, name in (("Automation Rule", RULE), ("Assignment Rule", ROUND_ROBIN)):
		if frappe.db.exists(doctype, name):
			frappe.delete_doc(doctype, name, force=True)
	for upload in frappe.get_all("File", {"file_name": "_bench_sa_assign.csv"}, pluck="name"):
		frappe.delete_doc("File", upload, force=True)


if __name__ == "__main__":
	main(sys.argv[1], "--quick" in sys.argv[2:])
