"""Webhook actions, delivered in the background: address check, time-out, retries.

A queued call is a row of its Automation Rule Log (outcome "Queued", the request in ``payload``).
A worker claims the row before calling, so two workers never send it twice; a failed call is
retried later by the scheduler (``retry_at``), then marked Failed. A queued call whose job was lost
before any worker claimed it is picked up by the scheduler after ``STALE_MINUTES``.

The host is resolved once, the addresses are checked, and the request goes to the checked address
(``Host`` header, and for https the SNI and the certificate check, still name the host): a DNS
answer that changes between the check and the call (rebinding) cannot lead it inside.
"""

import json
import socket
from urllib.parse import urlsplit

import certifi
import frappe
import urllib3
from frappe import _
from frappe.utils import add_to_date, cint, cstr, now_datetime

from sales_accelerator.engine import automation as engine

ROW = "Automation Rule Log Action"
LEASE_MINUTES = 5
STALE_MINUTES = 5


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
		filters=[
			["outcome", "=", "Queued"],
			["retry_at", "is", "set"],  # Frappe reads a null as the earliest date for "<="
			["retry_at", "<=", now_datetime()],
		],
		pluck="name",
		limit=limit,
	)
	names += frappe.get_all(  # queued, never claimed: its job was lost
		ROW,
		filters={
			"outcome": "Queued",
			"retry_at": ["is", "not set"],
			"creation": ["<", add_to_date(now_datetime(), minutes=-STALE_MINUTES)],
		},
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
		status = call(request["url"], request["method"], request["body"])
		values.update(
			outcome="Done",
			retry_at=None,
			detail=_("{0} {1}: HTTP {2}").format(request["method"], request["url"], status),
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


class WebhookFailed(Exception):
	pass


def call(url: str, method: str, body: str) -> int:
	"""Send the request to the checked address if its host is allowed; returns the HTTP status.
	Redirects are not followed (they could lead inside)."""
	parts = urlsplit(url)
	address = check_address(url)
	host, port = parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)
	timeout = cint(frappe.get_cached_doc("Sales Accelerator Settings").webhook_timeout) or 10
	options = {"timeout": urllib3.Timeout(total=timeout), "retries": False}
	if parts.scheme == "https":
		pool = urllib3.HTTPSConnectionPool(
			address,
			port,
			server_hostname=host,  # SNI
			assert_hostname=host,  # the certificate must name the host, not the address
			cert_reqs="CERT_REQUIRED",
			ca_certs=certifi.where(),
			**options,
		)
	else:
		pool = urllib3.HTTPConnectionPool(address, port, **options)
	path = parts.path or "/"
	if parts.query:
		path += "?" + parts.query
	try:
		response = pool.urlopen(
			method,
			path,
			body=body.encode(),
			headers={
				"Host": parts.netloc.rpartition("@")[2],
				"Content-Type": "application/json",
				"User-Agent": "sales_accelerator-webhook",
			},
			redirect=False,
			assert_same_host=False,
		)
	finally:
		pool.close()
	if response.status >= 400:
		raise WebhookFailed(_("HTTP {0}").format(response.status))
	return response.status


def resolve(host: str) -> list[str]:
	try:
		found = dict.fromkeys(info[4][0] for info in socket.getaddrinfo(host, None))
	except OSError:
		return []
	return sorted(found, key=lambda address: ":" in address)  # IPv4 first: reachable more often


def check_address(url: str, addresses: list[str] | None = None) -> str:
	"""Refuse non-public addresses and ports other than 80 and 443 unless the admin's allow-list
	permits them; returns the address to connect to. ``addresses``: what the host resolves to
	(default: ask DNS now, once)."""
	parts = urlsplit(url)
	host = parts.hostname or ""
	try:
		port = parts.port or (443 if parts.scheme == "https" else 80)
	except ValueError:
		raise RefusedAddress(_("Refused: {0} has no valid port.").format(url)) from None
	if addresses is None:
		addresses = resolve(host)
	allowlist = cstr(
		frappe.db.get_single_value("Sales Accelerator Settings", "webhook_allowlist")
	).splitlines()
	reason = engine.address_refusal(host, addresses, allowlist, port)
	if reason:
		raise RefusedAddress(
			_(
				"Refused: {0}. An admin can allow it in Sales Accelerator Settings > Webhook Allow-list."
			).format(reason)
		)
	return addresses[0].split("%")[0] if addresses else host
