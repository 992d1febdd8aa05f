"""The sums behind the app's reports, from rows already read: rates, medians, a sequence's funnel and
a seller's day. No database here."""

from collections import Counter, defaultdict
from datetime import date, datetime
from statistics import median

ENDED_EARLY = ("Exited", "Disconnected", "Failed")
STILL_RUNNING = ("Active", "Paused")

# The kinds of activity a seller does, as the Seller Activity report counts them (LinkedIn steps are
# one kind there).
SELLER_KINDS = {
	"Phone Call": "calls",
	"Email": "emails",
	"Task": "tasks",
	"Meeting": "meetings",
	"LinkedIn Research": "linkedin",
	"LinkedIn Connect": "linkedin",
	"LinkedIn Message": "linkedin",
	"LinkedIn Introduction": "linkedin",
}
CALL_OUTCOMES = {
	"Answered": "answered",
	"No Answer": "no_answer",
	"Left Voicemail": "left_voicemail",
	"Wrong Number": "wrong_number",
}
# What a seller's day counts, in the report's order.
SELLER_COUNTS = (
	"done",
	"skipped",
	"open",
	"overdue",
	*dict.fromkeys(SELLER_KINDS.values()),
	*CALL_OUTCOMES.values(),
)


def rate(part: int, whole: int) -> float | None:
	"""``part`` as a percentage of ``whole``, to one decimal; None when there is no whole."""
	return round(100.0 * part / whole, 1) if whole else None


def median_days(seconds: list[float]) -> float | None:
	"""The median of durations given in seconds, in days to one decimal."""
	return round(median(seconds) / 86400, 1) if seconds else None


def steps_taken(path_taken: str | None, current_step: str | None) -> tuple[set[str], dict[str, str]]:
	"""The steps an enrollment reached (those it left, and the one it is on or ended at) and the
	branch it took at each condition (``{step_id: "yes" | "no"}``), from its ``path_taken``
	("start, call, answered:no, ...")."""
	reached, branches = set(), {}
	for taken in (path_taken or "").split(","):
		step_id, _, branch = taken.strip().partition(":")
		if step_id:
			reached.add(step_id)
			if branch:
				branches[step_id] = branch
	if current_step:
		reached.add(current_step)
	return reached, branches


def funnel(steps: list[dict], enrollments) -> list[dict]:
	"""One row per step of the sequence (``steps``: dicts with ``step_id``, ``label``, ``step_type``,
	in the sequence's order): how many enrollments reached it, took its Yes / No branch, are on it
	now, and ended there early, with why. ``enrollments`` gives ``(path_taken, current_step, status,
	exit_reason)`` each. Steps that enrollments took but the sequence no longer has come last."""
	rows = {
		step["step_id"]: {
			"step_id": step["step_id"],
			"label": step.get("label") or step["step_id"],
			"step_type": step.get("step_type"),
			"reached": 0,
			"yes": 0,
			"no": 0,
			"here": 0,
			"dropped": 0,
			"reasons": Counter(),
		}
		for step in steps
	}

	def row(step_id):
		if step_id not in rows:
			rows[step_id] = {**funnel([{"step_id": step_id}], [])[0], "removed": True}
		return rows[step_id]

	for path_taken, current_step, status, exit_reason in enrollments:
		reached, branches = steps_taken(path_taken, current_step)
		for step_id in reached:
			row(step_id)["reached"] += 1
		for step_id, branch in branches.items():
			if branch in ("yes", "no"):
				row(step_id)[branch] += 1
		if current_step and status in STILL_RUNNING:
			row(current_step)["here"] += 1
		elif current_step and status in ENDED_EARLY:
			row(current_step)["dropped"] += 1
			row(current_step)["reasons"][exit_reason or status] += 1
	return list(rows.values())


def day_of(value) -> date | None:
	if isinstance(value, datetime):
		return value.date()
	return value


def seller_days(finished, open_) -> list[dict]:
	"""Per seller per day: activities done and skipped (on the day they were), and those open and
	overdue (on the day they are due), with what was done by kind and calls by outcome.

	``finished``: ``(seller, completed_on, status, step_type, outcome, count)`` rows;
	``open_``: ``(seller, due_day, open_count, overdue_count)`` rows. Newest day first, then by
	seller."""
	days = defaultdict(Counter)
	for seller, completed_on, status, step_type, outcome, count in finished:
		day = days[(day_of(completed_on), seller)]
		if status == "Completed":
			day["done"] += count
			if step_type in SELLER_KINDS:
				day[SELLER_KINDS[step_type]] += count
			if step_type == "Phone Call" and outcome in CALL_OUTCOMES:
				day[CALL_OUTCOMES[outcome]] += count
		elif status == "Skipped":
			day["skipped"] += count
	for seller, due_day, open_count, overdue_count in open_:
		day = days[(day_of(due_day), seller)]
		day["open"] += open_count
		day["overdue"] += overdue_count
	return [
		{"date": day, "seller": seller, **{field: counts[field] for field in SELLER_COUNTS}}
		for (day, seller), counts in sorted(days.items(), key=lambda item: (-_ordinal(item[0][0]), item[0][1] or ""))
	]


def _ordinal(day) -> int:
	return day.toordinal() if day else 0
