"""Due rows leased to one worker at a time, then run one by one: what the sequence runner and the
escalation rules share so that several workers on several machines never do an item twice."""

import frappe
from frappe.utils import add_to_date, cstr, now_datetime


def claim_due(
	doctype: str,
	status: str,
	due_field: str,
	batch_size: int,
	lease_minutes: int,
	commit: bool = True,
	attempts: int = 3,
) -> tuple[str, list[str]] | None:
	"""Lease up to ``batch_size`` rows of ``doctype`` in ``status`` whose ``due_field`` has come to a
	new token. Rows another worker is claiming at this moment are skipped (``SKIP LOCKED``), so
	concurrent ticks never wait on or deadlock with each other and never share a row."""
	now = now_datetime()
	token = frappe.generate_hash(length=20)
	for attempt in range(attempts):
		try:
			names = frappe.db.sql_list(
				f"""select name from `tab{doctype}`
				where status=%(status)s and `{due_field}` <= %(now)s
				and (claimed_until is null or claimed_until < %(now)s)
				order by `{due_field}` limit {int(batch_size)} for update skip locked""",
				{"now": now, "status": status},
			)
			if names:
				frappe.db.sql(
					f"update `tab{doctype}` set claimed_by=%(token)s, claimed_until=%(until)s where name in %(names)s",
					{"token": token, "until": add_to_date(now, minutes=lease_minutes), "names": names},
				)
			if commit:
				frappe.db.commit()  # the claim must be visible to other workers before the batch runs
			return (token, names) if names else None
		except Exception as e:
			if not transient(e) or attempt + 1 == attempts:
				raise
			frappe.db.rollback()
	return None


def transient(e: Exception) -> bool:
	"""A deadlock or a lock wait timeout: the database gave up on the statement or transaction, which
	may simply run again. Frappe raises its own errors for both, raw ones may come from elsewhere."""
	if isinstance(e, frappe.QueryDeadlockError | frappe.QueryTimeoutError):
		return True
	return bool(e.args) and (frappe.db.is_deadlocked(e) or frappe.db.is_timedout(e))


def run_claimed(
	names: list[str],
	token: str,
	process,
	doctype: str,
	due_field: str,
	retry_minutes: int,
	failure_title: str,
	commit: bool = True,
):
	"""``process(name, token=token)`` for each claimed row in its own transaction (without
	``commit``: its own savepoint), so one failure never stops the rest and each row's locks are held
	briefly. A failed row keeps its error, is released and is due again ``retry_minutes`` later; one
	the database chose as a deadlock's victim (which ends the whole transaction: that row's alone,
	when each row commits) is due again at once."""
	for name in names:
		frappe.db.savepoint("sa_claimed")
		try:
			process(name, token=token)
		except Exception as e:
			if (again := transient(e)) and commit:
				frappe.db.rollback()  # the savepoint went with the transaction
			else:
				frappe.db.rollback(save_point="sa_claimed")
			frappe.db.set_value(
				doctype,
				name,
				{
					"last_error": cstr(e)[:1000],
					"claimed_by": None,
					"claimed_until": None,
					due_field: add_to_date(now_datetime(), minutes=0 if again else retry_minutes),
				},
				update_modified=False,
			)
			frappe.log_error(title=failure_title.format(name), reference_doctype=doctype, reference_name=name)
		if commit:
			frappe.db.commit()


def dispatch(
	claim, process, method: str, batch_size: int, max_batches: int, inline: bool, commit: bool
) -> int:
	"""Claim up to ``max_batches`` batches with ``claim(batch_size, commit=commit)`` and run each: here
	with ``process(names, token, commit=commit)`` when ``inline`` (tests, benchmarks), else in an RQ
	job of ``method`` on the short queue, enqueued once the claim is committed. Returns how many rows
	were claimed."""
	claimed = 0
	for _batch in range(max_batches):
		found = claim(batch_size, commit=commit)
		if not found:
			break
		token, names = found
		claimed += len(names)
		if inline:
			process(names, token, commit=commit)
		else:
			frappe.enqueue(method, queue="short", names=names, token=token, enqueue_after_commit=True)
	return claimed
