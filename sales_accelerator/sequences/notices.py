"""Telling sellers of the activities sequences opened for them, once a minute.

An activity opened by anyone but its seller (the scheduler moving a sequence on, a colleague, a
bulk connect) is marked *Seller Not Yet Notified*. Every minute each seller gets one Notification
Log per sequence: the activity itself when there is one, else "N new activities in sequence X",
which opens their Work Queue. Bulk work therefore costs a seller a notification, not thousands, and
no background job per activity waits in the queues in front of other work.
"""

import frappe
from frappe import _

from sales_accelerator.utils import bold

ACTIVITY = "Sequence Activity"
WORK_QUEUE = "/app/sequence-work-queue"


def send_activity_notices(limit: int = 50_000) -> int:
	"""Notify each seller of their new activities; returns how many notifications were made. An
	activity is taken off the pending list by a conditional update, so two runs at once never tell
	of it twice."""
	from frappe.desk.doctype.notification_log.notification_log import make_notification_logs

	groups = frappe.db.sql(
		f"""select seller, sequence, count(*) as pending, max(name) as one
		from `tab{ACTIVITY}` where notify_seller=1
		group by seller, sequence limit {int(limit)}""",
		as_dict=True,
	)
	made = 0
	for group in groups:
		frappe.db.sql(
			f"""update `tab{ACTIVITY}` set notify_seller=0
			where notify_seller=1 and seller=%(seller)s and sequence=%(sequence)s""",
			group,
		)
		taken = frappe.db._cursor.rowcount
		if not taken:
			continue  # another run told them
		make_notification_logs(notice(group, taken), [group.seller])
		made += 1
	return made  # committed by the scheduler's job, as each scheduled job is


def notice(group, count: int) -> frappe._dict:
	title = frappe.db.get_value("Sequence", group.sequence, "title") or group.sequence
	if count == 1 == group.pending:
		activity = frappe.db.get_value(
			ACTIVITY, group.one, ["name", "subject", "record_name", "enrollment", "owner"], as_dict=True
		)
		record = frappe.db.get_value("Sequence Enrollment", activity.enrollment, "record_title")
		return frappe._dict(
			type="Assignment",
			document_type=ACTIVITY,
			document_name=activity.name,
			subject=_("New in sequence {0}: {1} for {2}").format(
				bold(title), bold(activity.subject), bold(record or activity.record_name)
			),
			from_user=activity.owner,  # whoever caused it
		)
	return frappe._dict(
		type="Assignment",
		document_type="Sequence",
		document_name=group.sequence,
		subject=_("{0} new activities in sequence {1}").format(count, bold(title)),
		link=WORK_QUEUE,
		from_user=frappe.db.get_value(ACTIVITY, group.one, "owner"),
	)
