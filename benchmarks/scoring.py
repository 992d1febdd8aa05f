"""Benchmarks of Scoring Rules, measured against a real site in one run.

    benchmarks/run scoring [--quick]

Prints:
- the median time of a Lead save (a field no criterion reads changed, then saved) with no Scoring
  Rule and with three enabled rules on Lead (13 criteria: field values, conditions, every kind of
  event and ERP signal, decay and limits), in alternating rounds (goal: <= 1.1x);
- the same for a save that changes the score (a Field Value criterion starts or stops holding);
- rescoring every lead, as the background job does after a rule change, over N bulk-made leads with
  their replies, opens and meetings: when the rules are first enabled (every contribution written),
  after a change of points (every contribution rewritten), and with nothing to change (the daily
  run) (goal: 100,000 leads in <= 10 minutes).
Everything it creates is deleted at the end.
"""

import json
import statistics
import sys
import time

import frappe
from automation import time_saves  # benchmarks/automation.py, beside this one
from frappe.utils import add_days, now_datetime

PREFIX = "_Bench SA score"
RULES = (f"{PREFIX} fit", f"{PREFIX} engagement", f"{PREFIX} orders")


def main(site: str, quick: bool):
	frappe.init(site=site, sites_path=".")
	frappe.connect()
	frappe.set_user("Administrator")
	saves, rounds = (100, 3) if quick else (200, 16)  # short alternating rounds: drift touches all alike
	records = 10_000 if quick else 100_000
	cleanup()
	try:
		make_rules()
		frappe.db.commit()
		measure_saves(saves, rounds)
		measure_rescoring(records)
	finally:
		cleanup()
		frappe.db.commit()
		frappe.destroy()


# -- saves ---------------------------------------------------------------------------------------------
def measure_saves(saves: int, rounds: int):
	# no email address: ERPNext looks its Gravatar up over the network on every save of a lead that has one
	lead = frappe.get_doc({"doctype": "Lead", "first_name": f"{PREFIX} lead"}).insert()
	frappe.db.commit()
	results = {"none": [], "3 rules": [], "3 rules, score changes": []}
	for _round in range(rounds):
		for label, enabled, changes in (
			("none", False, None),
			("3 rules", True, None),
			("3 rules, score changes", True, change_source),
		):
			enable_rules(enabled)
			results[label] += time_saves(lead.name, saves // 4 if changes else saves, changes)
	enable_rules(False)
	medians = {label: statistics.median(times) for label, times in results.items()}
	for label, median in medians.items():
		print(f"Lead save, {label}: median {median:.2f} ms over {len(results[label])} saves")
	print(
		f"3 rules, a field no criterion reads / no rule: {medians['3 rules'] / medians['none']:.3f}x (goal <= 1.1x)"
	)
	print(f"3 rules, the score changes / no rule: {medians['3 rules, score changes'] / medians['none']:.2f}x")


def change_source(doc, i: int):
	doc.source = "Campaign" if i % 2 == 0 else "Advertisement"


def make_rules():
	def rule(title, criteria, **values):
		doc = frappe.get_doc(
			{"doctype": "Scoring Rule", "title": title, "document_type": "Lead", "enabled": 0, **values}
		)
		for row in criteria:
			doc.append("criteria", row)
		doc.insert()

	rule(
		RULES[0],
		[
			{"criterion": "Field Value", "points": 30, "filters": json.dumps([["source", "=", "Campaign"]])},
			{"criterion": "Field Value", "points": 20, "condition": "doc.annual_revenue > 1000000"},
			{
				"criterion": "Field Value",
				"points": -10,
				"filters": json.dumps([["email_id", "is", "not set"]]),
			},
			{
				"criterion": "Field Value",
				"points": 5,
				"filters": json.dumps([["territory", "!=", "Nowhere"]]),
			},
		],
		maximum_score="60",
	)
	rule(
		RULES[1],
		[
			{"criterion": "Email Replied", "points": 20, "max_times": 3},
			{"criterion": "Email Opened", "points": 3, "max_times": 5},
			{"criterion": "Meeting Booked", "points": 15},
			{"criterion": "Call Answered", "points": 10, "max_times": 2},
			{"criterion": "Activity Completed", "points": 2, "max_times": 10},
			{"criterion": "Field Value", "points": 5, "condition": "doc.city == 'Jakarta'"},
		],
		decay_points=5,
		decay_every_days=14,
		minimum_score="0",
	)
	rule(
		RULES[2],
		[
			{"criterion": "Quotation Submitted", "points": 10, "max_times": 3},
			{"criterion": "Sales Order Submitted", "points": 25},
			{"criterion": "Sales Invoice Overdue", "points": -40},
		],
	)


def enable_rules(enabled: bool):
	"""Enable or disable the rules without the rescore job their saves would start."""
	from sales_accelerator.scoring.rules import clear_rules_cache

	frappe.db.set_value("Scoring Rule", {"name": ["in", RULES]}, "enabled", int(enabled))
	clear_rules_cache()
	frappe.db.commit()


# -- rescoring -----------------------------------------------------------------------------------------
def measure_rescoring(count: int):
	from sales_accelerator.scoring.jobs import rescore_all

	make_leads(count)
	enable_rules(True)
	total = frappe.db.count("Lead")

	def timed(label):
		start = time.perf_counter()
		changed = rescore_all("Lead", RULES[0])
		elapsed = time.perf_counter() - start
		contributions = frappe.db.count("Score Contribution", {"reference_doctype": "Lead"})
		print(
			f"rescoring {total} leads, {label}: {elapsed:.1f} s, {total / elapsed:.0f} leads/s, "
			f"{changed} scores changed, {contributions} contributions"
		)
		return elapsed

	first = timed("rules first enabled")
	frappe.db.sql(
		"update `tabScoring Rule Criterion` set points=points+1 where parent in %(rules)s and points > 0",
		{"rules": RULES},
	)
	enable_rules(True)
	changed = timed("after a change of points")
	idle = timed("nothing to change (the daily run)")
	per_100k = max(first, changed) * 100_000 / total
	print(f"rescoring 100,000 leads after a rule change: {per_100k / 60:.1f} min (goal <= 10 min)")
	print(f"the daily run over 100,000 leads with nothing to change: {idle * 100_000 / total / 60:.1f} min")


def make_leads(count: int):
	"""``count`` leads (half from a campaign, some with big revenue or in Jakarta), a reply from a
	fifth of them (linked, or only from their address), a read email to a tenth, and a meeting with a
	twentieth."""
	now = now_datetime()
	user = "Administrator"
	leads = []
	for i in range(count):
		leads.append(
			(
				f"{PREFIX}-{i:07d}",
				now,
				now,
				user,
				user,
				f"{PREFIX} {i}",
				f"{PREFIX} {i}",
				f"bench.score.{i}@example.com",
				"Campaign" if i % 2 else "Advertisement",
				2_000_000 if i % 7 == 0 else 0,
				"Jakarta" if i % 11 == 0 else None,
				"Lead",
				"All Territories",
			)
		)
	frappe.db.bulk_insert(
		"Lead",
		[
			"name",
			"creation",
			"modified",
			"owner",
			"modified_by",
			"first_name",
			"lead_name",
			"email_id",
			"source",
			"annual_revenue",
			"city",
			"status",
			"territory",
		],
		leads,
	)
	communications = []
	for i in range(0, count, 5):
		linked = i % 10 == 0
		communications.append(
			communication(
				f"{PREFIX}-reply-{i}",
				"Received",
				f"Lead {i} <bench.score.{i}@example.com>" if not linked else f"bench.score.{i}@example.com",
				f"{PREFIX}-{i:07d}" if linked else None,
				add_days(now, -(i % 30)),
			)
		)
	for i in range(1, count, 10):
		communications.append(
			communication(
				f"{PREFIX}-open-{i}", "Sent", "seller@example.com", f"{PREFIX}-{i:07d}", now, read=1
			)
		)
	frappe.db.bulk_insert(
		"Communication",
		[
			"name",
			"creation",
			"modified",
			"owner",
			"modified_by",
			"communication_type",
			"communication_medium",
			"sent_or_received",
			"sender",
			"reference_doctype",
			"reference_name",
			"subject",
			"read_by_recipient",
			"read_by_recipient_on",
		],
		communications,
	)
	events, participants = [], []
	for i in range(3, count, 20):
		name = f"{PREFIX}-event-{i}"
		events.append((name, now, now, user, user, f"{PREFIX} demo {i}", now, "Private", "Open"))
		participants.append((f"{name}-p", name, "Event", "event_participants", "Lead", f"{PREFIX}-{i:07d}"))
	frappe.db.bulk_insert(
		"Event",
		[
			"name",
			"creation",
			"modified",
			"owner",
			"modified_by",
			"subject",
			"starts_on",
			"event_type",
			"status",
		],
		events,
	)
	frappe.db.bulk_insert(
		"Event Participants",
		["name", "parent", "parenttype", "parentfield", "reference_doctype", "reference_docname"],
		participants,
	)
	frappe.db.commit()
	print(f"made {count} leads, {len(communications)} emails (replies and read ones), {len(events)} meetings")


def communication(name, direction, sender, lead, when, read=0):
	return (
		name,
		when,
		when,
		"Administrator",
		"Administrator",
		"Communication",
		"Email",
		direction,
		sender,
		"Lead" if lead else None,
		lead,
		"Our offer",
		read,
		when if read else None,
	)


def cleanup():
	like = f"{PREFIX}%"
	leads = frappe.db.sql_list(
		"select name from `tabLead` where name like %s or lead_name like %s", (like, like)
	)
	for start in range(0, len(leads), 5000):
		chunk = leads[start : start + 5000]
		frappe.db.delete("Score Contribution", {"reference_doctype": "Lead", "reference_name": ["in", chunk]})
		frappe.db.delete("Version", {"ref_doctype": "Lead", "docname": ["in", chunk]})
		frappe.db.delete("Lead", {"name": ["in", chunk]})
	frappe.db.delete("Communication", {"name": ["like", like]})
	frappe.db.delete("Event Participants", {"parent": ["like", like]})
	frappe.db.delete("Event", {"name": ["like", like]})
	frappe.db.delete("Score Contribution", {"rule": ["in", RULES]})
	frappe.db.delete("Scoring Rule Criterion", {"parent": ["in", RULES]})
	frappe.db.delete("Scoring Rule", {"name": ["in", RULES]})
	from sales_accelerator.scoring.rules import clear_rules_cache

	clear_rules_cache()
	frappe.db.commit()


if __name__ == "__main__":
	main(sys.argv[1], "--quick" in sys.argv[2:])
