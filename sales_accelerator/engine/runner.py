"""How a connected record moves through its sequence: one decision per step, no database.

The Frappe layer keeps the position (current step, when it started) and asks :func:`decide`
what to do with the current step, given the facts it looked up (is the condition met, the
field's value, is the step's activity done). It carries the decision out and asks again, until a
decision says to wait.
"""

import datetime
from dataclasses import dataclass

from sales_accelerator.engine import sequence as seq
from sales_accelerator.engine.timing import add_duration, into_working_hours

# what the Frappe layer does for a decision
ADVANCE = "advance"  # go on to ``next_step`` (None: the sequence is complete)
MAKE_ACTIVITY = "make_activity"  # create the step's activity (once), then ask again
SEND_EMAIL = "send_email"  # send the step's email (once), then advance
UPDATE_RECORD = "update_record"  # update the record's field (once), then advance
WAIT_UNTIL = "wait_until"  # look again at ``due`` (or when something happens)
WAIT_FOR_SELLER = "wait_for_seller"  # the step's activity is open; the seller acts next


@dataclass(frozen=True)
class Decision:
	action: str
	next_step: str | None = None
	due: datetime.datetime | None = None
	branch: str | None = None


@dataclass(frozen=True)
class Facts:
	"""What the Frappe layer knows about the current step."""

	now: datetime.datetime
	step_started: datetime.datetime
	activity_status: str | None = None  # of the step's own activity: None (none yet), Open, Completed…
	condition_met: bool = False
	condition_failed: bool = False  # already known not to happen (a call logged as not answered)
	field_value: object = None
	effect_done: bool = False  # the step's email was sent / field updated already


@dataclass(frozen=True)
class Calendar:
	"""The sequence's working-days rule, the seller's working hours (none: any time of day) and
	time zone."""

	business_days: bool = False
	holidays: frozenset = frozenset()
	system_tz: str = "UTC"
	user_tz: str | None = None
	day_start: datetime.time | None = None
	day_end: datetime.time | None = None

	def add(self, start, days=0, hours=0, minutes=0):
		"""When a wait or time-out that began at ``start`` ends: at the same time of day, or at the
		start of the seller's next working hours if that time is outside them."""
		end = add_duration(
			start,
			days=days,
			hours=hours,
			minutes=minutes,
			business_days=self.business_days,
			holidays=self.holidays,
			system_tz=self.system_tz,
			user_tz=self.user_tz,
		)
		return self._working(end)

	def due(self, opened):
		"""When an activity opened at ``opened`` is due: the end of the seller's working day it falls
		in (or of their next one); the end of the day without working hours."""
		if self.day_start is None:
			return opened.replace(hour=23, minute=59, second=59, microsecond=0)
		return self._working(opened, end_of_day=True)

	def _working(self, moment, end_of_day=False):
		if self.day_start is None:
			return moment
		return into_working_hours(
			moment,
			self.day_start,
			self.day_end,
			business_days=self.business_days,
			holidays=self.holidays,
			system_tz=self.system_tz,
			user_tz=self.user_tz,
			end_of_day=end_of_day,
		)


def follow(steps: list[dict], step_id: str, branch: str = "next") -> str | None:
	"""Where a step goes on ``branch`` (next / yes / no); None at the end of a path."""
	for name, target in seq.edges(steps)[step_id]:
		if name == branch:
			return target
	return None


def decide(steps: list[dict], step_id: str, facts: Facts, calendar: Calendar) -> Decision:
	step = next(s for s in steps if s["step_id"] == step_id)
	kind = step["step_type"]

	if kind == seq.START:
		return Decision(ADVANCE, follow(steps, step_id))

	if kind == seq.AUTOMATED_EMAIL:
		if not facts.effect_done:
			return Decision(SEND_EMAIL)
		return Decision(ADVANCE, follow(steps, step_id))

	if kind == seq.UPDATE_FIELD:
		if not facts.effect_done:
			return Decision(UPDATE_RECORD)
		return Decision(ADVANCE, follow(steps, step_id))

	if kind in seq.ACTIVITY_TYPES:
		if facts.activity_status is None:
			return Decision(MAKE_ACTIVITY)
		if facts.activity_status in ("Completed", "Skipped"):
			return Decision(ADVANCE, follow(steps, step_id))
		return Decision(WAIT_FOR_SELLER)

	if kind == seq.WAIT:
		until = calendar.add(
			facts.step_started,
			days=step.get("wait_days") or 0,
			hours=step.get("wait_hours") or 0,
			minutes=step.get("wait_minutes") or 0,
		)
		if facts.now >= until:
			return Decision(ADVANCE, follow(steps, step_id))
		return Decision(WAIT_UNTIL, due=until)

	if kind == seq.CONDITION:
		if facts.condition_met:
			return Decision(ADVANCE, follow(steps, step_id, "yes"), branch="yes")
		if facts.condition_failed:
			return Decision(ADVANCE, follow(steps, step_id, "no"), branch="no")
		deadline = calendar.add(
			facts.step_started, days=step.get("timeout_days") or 0, hours=step.get("timeout_hours") or 0
		)
		if facts.now >= deadline:
			return Decision(ADVANCE, follow(steps, step_id, "no"), branch="no")
		return Decision(WAIT_UNTIL, due=deadline)

	if kind == seq.COMMAND:
		branch = "yes" if compare(facts.field_value, step.get("operator"), step.get("value")) else "no"
		return Decision(ADVANCE, follow(steps, step_id, branch), branch=branch)

	raise ValueError(f"unknown step kind {kind}")


def compare(actual, operator: str, expected) -> bool:
	"""A command's test: the record's value against the step's value (numbers compare as numbers)."""
	if operator == "is set":
		return actual not in (None, "", 0)
	if operator == "is not set":
		return actual in (None, "", 0)
	if operator in ("in", "not in"):
		options = [o.strip().casefold() for o in str(expected or "").split(",")]
		found = str(actual or "").strip().casefold() in options
		return found if operator == "in" else not found
	if operator == "like":
		return str(expected or "").strip("%").casefold() in str(actual or "").casefold()

	left, right = _comparable(actual), _comparable(expected)
	if type(left) is not type(right):
		left, right = str(actual or "").casefold(), str(expected or "").casefold()
	return {
		"=": left == right,
		"!=": left != right,
		">": left > right,
		">=": left >= right,
		"<": left < right,
		"<=": left <= right,
	}[operator]


def _comparable(value):
	if isinstance(value, bool):
		return float(value)
	if isinstance(value, int | float):
		return float(value)
	if isinstance(value, datetime.datetime | datetime.date):
		return str(value)
	try:
		return float(str(value).strip())
	except (TypeError, ValueError):
		return str(value if value is not None else "").strip().casefold()


def condition_subject(steps: list[dict], step_id: str) -> str | None:
	"""The activity a condition is about: its ``condition_step``, else the nearest activity before it
	on the table (the flow is drawn top-down, so that is the one the seller expects)."""
	step = next(s for s in steps if s["step_id"] == step_id)
	if step.get("condition_step"):
		return step["condition_step"]
	position = steps.index(step)
	for earlier in reversed(steps[:position]):
		if earlier["step_type"] in seq.ACTIVITY_TYPES:
			return earlier["step_id"]
	return None


def remaining_steps(steps: list[dict], step_id: str) -> int:
	"""The most steps (excluding waits) still ahead of ``step_id`` on any path, itself included."""
	by_id = {s["step_id"]: s for s in steps}
	graph = seq.edges(steps)
	memo = {}

	def ahead(sid):
		if sid not in memo:
			own = 1 if seq.counts_as_step(by_id[sid]) else 0
			memo[sid] = own + max((ahead(t) for _b, t in graph[sid]), default=0)
		return memo[sid]

	return ahead(step_id)


# -- when a record is closed and its enrollments end ----------------------------------------------
CLOSED_WHEN = {
	# record type: [(field, values that close it, reason)]
	"Lead": [("status", ("Converted", "Do Not Contact"), "Lead is {0}")],
	"Opportunity": [("status", ("Converted", "Lost", "Closed"), "Opportunity is {0}")],
	"Customer": [("disabled", (1,), "Customer is disabled")],
	"Contact": [("unsubscribed", (1,), "Contact unsubscribed (Do Not Contact)")],
	"Prospect": [],
}


def closed_reason(record_type: str, values: dict) -> tuple[str, object] | None:
	"""Why a record is closed for sequences (converted, lost, won, disabled, Do Not Contact): the
	untranslated reason and the value that fills its ``{0}``; None while it is open."""
	for field, closing, reason in CLOSED_WHEN.get(record_type, []):
		value = values.get(field)
		if value in closing:
			return reason, value
	return None


def closing_fields(record_type: str) -> list[str]:
	"""The record's fields :func:`closed_reason` reads."""
	return [field for field, _closing, _reason in CLOSED_WHEN.get(record_type, [])]


def has_field_updates(steps: list[dict]) -> bool:
	"""Whether a sequence writes to the records it runs on (so connecting one needs write access)."""
	return any(step.get("step_type") == seq.UPDATE_FIELD for step in steps)


def error_summary(error: str | None, limit: int = 1000) -> str | None:
	"""The line of an error (often a whole traceback, as Frappe keeps a failed email's) that says
	what went wrong: its last non-empty line."""
	lines = [line.strip() for line in (error or "").splitlines() if line.strip()]
	return lines[-1][:limit] if lines else None
