"""Request Approval: ask the record owner's manager; on approval the rule's remaining actions run.

What runs on approval is what was asked about: the remaining actions and the rule's author are
snapshotted in the Automation Approval when it is requested, so editing the rule in between changes
nothing the approver agreed to.

The decision is a change of the Automation Approval's status, so rules on "Automation Approval"
(On Field Change of status, to Approved or Rejected) can act on it too.
"""

import json

import frappe
from frappe import _
from frappe.utils import now_datetime

from sales_accelerator.utils import bold

# the action fields a snapshot keeps (everything an action reads)
SNAPSHOT_SKIP = (
	"name",
	"parent",
	"parentfield",
	"parenttype",
	"doctype",
	"owner",
	"creation",
	"modified",
	"modified_by",
	"docstatus",
)

APPROVAL = "Automation Approval"


def approver_for(run, action) -> str:
	from sales_accelerator.automation.actions import owners_manager

	approver = action.approver or owners_manager(run.doc)
	if not approver:
		raise frappe.ValidationError(
			_(
				"No approver: the record's owner has no manager (Employee > Reports To), and Sales Accelerator Settings names no fallback approver."
			)
		)
	return approver


def request(run, action):
	from sales_accelerator.automation.actions import notify_users

	doc = run.doc
	remaining = [row for row in run.actions if row.idx > action.idx]
	snapshot = {
		"author": run.author,
		"actions": [
			{
				k: v
				for k, v in (row.as_dict() if hasattr(row, "as_dict") else dict(row)).items()
				if k not in SNAPSHOT_SKIP
			}
			for row in remaining
		],
	}
	approval = frappe.get_doc(
		{
			"doctype": APPROVAL,
			"status": "Pending",
			"reference_doctype": doc.doctype,
			"reference_name": doc.name,
			"approver": approver_for(run, action),
			"rule": run.rule.name,
			"message": run.render(action.message) or run.render(action.subject) or run.rule.name,
			"resume_from": action.idx,
			"snapshot": json.dumps(snapshot, default=str),
		}
	).insert(ignore_permissions=True)
	notify_users(
		[approval.approver],
		APPROVAL,
		approval.name,
		_("Approval requested: {0} for {1} {2}").format(
			bold(approval.message), _(doc.doctype), bold(doc.name)
		),
	)
	return approval


def decide(name: str, decision: str, remark: str | None = None) -> dict:
	"""Approve or reject (the approver, or a System Manager). Approval runs the rule's remaining actions."""
	if decision not in ("Approved", "Rejected"):
		frappe.throw(_("Decision must be Approved or Rejected, not {0}.").format(bold(decision)))
	approval = frappe.get_doc(APPROVAL, name)
	user = frappe.session.user
	if user != approval.approver and "System Manager" not in frappe.get_roles(user):
		raise frappe.PermissionError(
			_("Only {0} can decide on {1}.").format(bold(approval.approver), bold(name))
		)
	if approval.status != "Pending":
		frappe.throw(
			_("{0} was already {1}.").format(bold(name), _(approval.status).lower()),
			title=_("Already Decided"),
		)
	approval.update({"status": decision, "decided_by": user, "decided_at": now_datetime(), "remark": remark})
	approval.save(ignore_permissions=True)
	record = frappe.get_doc(approval.reference_doctype, approval.reference_name)
	record.add_comment(
		"Info",
		_("{0} {1} the request of Automation Rule {2}{3}").format(
			bold(frappe.utils.get_fullname(user)),
			_("approved") if decision == "Approved" else _("rejected"),
			bold(approval.rule),
			f": {frappe.utils.escape_html(remark)}" if remark else "",
		),
	)
	log = None
	if decision == "Approved" and approval.rule and frappe.db.exists("Automation Rule", approval.rule):
		from sales_accelerator.automation.rules import run_rule

		snapshot = json.loads(approval.snapshot) if approval.snapshot else None
		if snapshot is not None:
			log = run_rule(approval.rule, record, "Approved", snapshot=snapshot)
		else:  # requested before snapshots were kept
			log = run_rule(approval.rule, record, "Approved", start=approval.resume_from)
	return {"status": approval.status, "log": log}
