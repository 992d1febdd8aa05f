"""Webhook actions, delivered in the background: address check, time-out, retries.

A queued call is a row of its Automation Rule Log (outcome "Queued", the request in ``payload``).
A worker claims the row before calling, so two workers never send it twice; a failed call is
retried later by the scheduler (``retry_at``), then marked Failed.
"""

import json
import socket
from urllib.parse import urlsplit

import frappe
import requests
from frappe import _
from frappe.utils import add_to_date, cint, cstr, now_datetime

from sales_accelerator.engine import automation as engine

ROW = "Automation Rule Log Action"
LEASE_MINUTES = 5


def enqueue_deliveries(log):
	for row in log.actions:
		if row.outcome == "Queued":
			frappe.enqueue(
				"sales_accelerator.automation.webhooks.deliver",
				queue="short",
				row=row.name,
				enqueue_after_commit=True,
			)


def retry_due(limit: int = 200) -> int:
	"""Scheduler: queue the webhook calls whose retry time has come."""
	names = frappe.get_all(
		ROW,
		filters={"outcome": "Queued", "retry_at": ["<=", now_datetime()]},
		pluck="name",
		limit=limit,
	)
	for name in names:
		frappe.enqueue("sales_accelerator.automation.webhooks.deliver", queue="short", row=name)
	return len(names)


def claim(row: str) -> bool:
	"""Lease the row to this worker; False when another worker holds it or it is no longer queued."""
	now = now_datetime()
	frappe.db.sql(
		f"""update `tab{ROW}` set retry_at=%(until)s
		where name=%(row)s and outcome='Queued' and (retry_at is null or retry_at <= %(now)s)""",
		{"row": row, "now": now, "until": add_to_date(now, minutes=LEASE_MINUTES)},
	)
	claimed = frappe.db._cursor.rowcount == 1
	frappe.db.commit()
	return claimed


def deliver(row: str, commit: bool = True):
	"""Make one queued webhook call (claimed first); record the outcome or schedule a retry."""
	if commit and not claim(row):
		return
	action = frappe.get_doc(ROW, row)
	request = json.loads(action.payload)
	attempts = cint(action.attempts) + 1
	values = {"attempts": attempts}
	try:
		response = call(request["url"], request["method"], request["body"])
		values.update(
			outcome="Done",
			retry_at=None,
			detail=_("{0} {1}: HTTP {2}").format(request["method"], request["url"], response.status_code),
		)
	except Exception as e:
		delay = engine.retry_delay(attempts) if not isinstance(e, RefusedAddress) else None
		detail = _("{0} {1}: {2}").format(request["method"], request["url"], cstr(e))
		if delay is None:
			values.update(outcome="Failed", retry_at=None, detail=detail)
		else:
			values.update(
				retry_at=add_to_date(now_datetime(), seconds=delay),
				detail=_("{0} (attempt {1}; retrying)").format(detail, attempts),
			)
	frappe.db.set_value(ROW, row, values, update_modified=False)
	if values.get("outcome") == "Failed":
		outcomes = frappe.get_all(ROW, filters={"parent": action.parent}, pluck="outcome")
		frappe.db.set_value(
			"Automation Rule Log",
			action.parent,
			{"status": engine.log_status(outcomes), "error": values["detail"]},
			update_modified=False,
		)
	if commit:
		frappe.db.commit()


class RefusedAddress(frappe.ValidationError):
	pass


def call(url: str, method: str, body: str) -> requests.Response:
	"""Send the request if its host is allowed; redirects are not followed (they could lead inside)."""
	check_address(url)
	settings = frappe.get_cached_doc("Sales Accelerator Settings")
	response = requests.request(
		method,
		url,
		data=body.encode(),
		headers={"Content-Type": "application/json", "User-Agent": "sales_accelerator-webhook"},
		timeout=cint(settings.webhook_timeout) or 10,
		allow_redirects=False,
	)
	response.raise_for_status()
	return response


def check_address(url: str, addresses: list[str] | None = None):
	"""Refuse private, loopback and link-local addresses unless the admin's allow-list permits them.
	``addresses``: what the host resolves to (default: ask DNS now)."""
	host = urlsplit(url).hostname or ""
	if addresses is None:
		try:
			addresses = sorted({info[4][0] for info in socket.getaddrinfo(host, None)})
		except OSError:
			addresses = []
	allowlist = cstr(
		frappe.db.get_single_value("Sales Accelerator Settings", "webhook_allowlist")
	).splitlines()
	reason = engine.address_refusal(host, addresses, allowlist)
	if reason:
		raise RefusedAddress(
			_(
				"Refused: {0}. An admin can allow it in Sales Accelerator Settings > Webhook Allow-list."
			).format(reason)
		)
