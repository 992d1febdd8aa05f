"""Sequences as graphs: step kinds, edges, validation, paths and their duration.

A sequence is a list of step dicts (the rows of its Sequence Step table) with these keys:

``step_id`` (unique), ``step_type`` (see STEP_TYPES), ``next_step`` / ``yes_step`` / ``no_step``
(step ids), ``is_end`` (the path stops after this step), ``subject``, ``email_template``,
``wait_days`` / ``wait_hours`` / ``wait_minutes``, ``condition``, ``timeout_days`` /
``timeout_hours``, ``field_name`` / ``operator`` / ``value``.

A non-branching step whose ``next_step`` is empty continues with the following row, unless it
``is_end`` or is the last row. Conditions and commands go to ``yes_step`` or ``no_step``.
"""

from collections.abc import Iterable

from sales_accelerator.engine import EngineError

START = "Start"
WAIT = "Wait"
CONDITION = "Condition"
COMMAND = "Command"
UPDATE_FIELD = "Update Field"
AUTOMATED_EMAIL = "Automated Email"
EMAIL = "Email"

ACTIVITY_TYPES = (
	AUTOMATED_EMAIL,
	EMAIL,
	"Phone Call",
	"Task",
	"Meeting",
	"LinkedIn Research",
	"LinkedIn Connect",
	"LinkedIn Message",
	"LinkedIn Introduction",
)
BRANCH_TYPES = (CONDITION, COMMAND)
STEP_TYPES = (START, *ACTIVITY_TYPES, WAIT, CONDITION, COMMAND, UPDATE_FIELD)

CONDITIONS = (
	"Email Opened",
	"Email Replied",
	"Link Clicked",
	"Call Answered",
	"Meeting Booked",
	"Activity Completed",
)
# decided by the seller's own activity, as soon as it is completed with its outcome: their time-out
# never runs, so they hold the sequence no time (the others wait on the person up to their time-out)
OUTCOME_CONDITIONS = ("Call Answered", "Activity Completed")
OPERATORS = ("=", "!=", ">", ">=", "<", "<=", "in", "not in", "like", "is set", "is not set")
VALUELESS_OPERATORS = ("is set", "is not set")

MINUTES_PER_DAY = 24 * 60
MAX_STEPS = 200  # a sequence longer than this is a mistake, and would make every check costly
MAX_LISTED_PATHS = 100  # paths listed one by one; the count and the longest duration cover them all
MAX_TREE_NODES = 400  # beyond this, a step already drawn is shown as "continues" instead of again


def counts_as_step(step: dict) -> bool:
	"""Steps a seller sees as work (activities and record updates): not start, waits or branches,
	nor automated emails, which the system sends by itself (seed 002 counts its templates' steps so)."""
	kind = step["step_type"]
	return (kind in ACTIVITY_TYPES and kind != AUTOMATED_EMAIL) or kind == UPDATE_FIELD


def wait_minutes(step: dict) -> int:
	days, hours, minutes = (int(step.get(k) or 0) for k in ("wait_days", "wait_hours", "wait_minutes"))
	return days * MINUTES_PER_DAY + hours * 60 + minutes


def timeout_minutes(step: dict) -> int:
	days, hours = (int(step.get(k) or 0) for k in ("timeout_days", "timeout_hours"))
	return days * MINUTES_PER_DAY + hours * 60


def step_minutes(step: dict) -> int:
	"""How long a step holds the sequence: a wait's duration; the time-out of a condition that waits on
	the person (a reply, an open, a click, a booking); else 0, as for a condition on a call's or an
	activity's outcome, known when the seller completes it."""
	if step["step_type"] == WAIT:
		return wait_minutes(step)
	if step["step_type"] == CONDITION and step.get("condition") not in OUTCOME_CONDITIONS:
		return timeout_minutes(step)
	return 0


def label(step: dict) -> str:
	"""How errors name a step: its row and its subject or kind."""
	name = step.get("subject") or step.get("condition") or step["step_type"]
	return f"#{step.get('idx') or '?'} {name}"


def edges(steps: list[dict]) -> dict[str, list[tuple[str, str]]]:
	"""Outgoing edges of every step: ``{step_id: [(branch, target_id), ...]}``; branch is next/yes/no."""
	out = {}
	for position, step in enumerate(steps):
		sid = step["step_id"]
		if step["step_type"] in BRANCH_TYPES:
			out[sid] = [(b, step.get(f"{b}_step")) for b in ("yes", "no") if step.get(f"{b}_step")]
		elif step.get("next_step"):
			out[sid] = [("next", step["next_step"])]
		elif not step.get("is_end") and position + 1 < len(steps):
			out[sid] = [("next", steps[position + 1]["step_id"])]
		else:
			out[sid] = []
	return out


def validate(steps: list[dict], require_complete: bool = True) -> None:
	"""Raise :class:`EngineError` naming the first broken step.

	With ``require_complete`` (activation) every rule applies; without it (saving a draft) only the
	structural ones (ids, links) do, so a half-built sequence can be saved.
	"""
	if not steps:
		raise EngineError("A sequence needs steps; the first is {0}", "Sequence starts here")
	if len(steps) > MAX_STEPS:
		raise EngineError("A sequence can have at most {0} steps; this one has {1}", MAX_STEPS, len(steps))
	if steps[0]["step_type"] != START:
		raise EngineError("Step {0} must be {1}", label(steps[0]), "Sequence starts here")

	by_id = {}
	for step in steps:
		if step["step_type"] not in STEP_TYPES:
			raise EngineError("Step {0} has an unknown kind {1}", label(step), step["step_type"])
		if not step.get("step_id"):
			raise EngineError("Step {0} has no Step ID", label(step))
		if step["step_id"] in by_id:
			raise EngineError("Step {0} reuses the Step ID {1}", label(step), step["step_id"])
		if step is not steps[0] and step["step_type"] == START:
			raise EngineError("Step {0}: only the first step can be {1}", label(step), "Sequence starts here")
		by_id[step["step_id"]] = step

	graph = edges(steps)
	for step in steps:
		for branch, target in graph[step["step_id"]]:
			if target not in by_id:
				raise EngineError(
					"Step {0}: its {1} branch points to {2}, which is not a step", label(step), branch, target
				)
			if target == steps[0]["step_id"]:
				raise EngineError("Step {0}: its {1} branch goes back to the start", label(step), branch)

	_check_no_loops(steps, graph, by_id)
	if not require_complete:
		return

	for step in steps:
		_check_step_settings(step, graph)
	reachable = _reachable(steps[0]["step_id"], graph)
	for step in steps:
		if step["step_id"] not in reachable:
			raise EngineError("Step {0} cannot be reached from the start", label(step))
	for step in steps:
		if step["step_type"] == WAIT and not graph[step["step_id"]]:
			raise EngineError(
				"Step {0}: a path cannot end with a wait; remove it or add a step after it", label(step)
			)
	if not any(s["step_type"] in (*ACTIVITY_TYPES, UPDATE_FIELD) for s in steps):
		raise EngineError("A sequence needs at least one activity after {0}", "Sequence starts here")


def _check_step_settings(step: dict, graph: dict) -> None:
	kind = step["step_type"]
	if kind in BRANCH_TYPES:
		for branch in ("yes", "no"):
			if not step.get(f"{branch}_step"):
				raise EngineError("Step {0} needs a {1} branch", label(step), branch.title())
	if kind == AUTOMATED_EMAIL and not step.get("email_template"):
		raise EngineError("Step {0}: an automated email needs an Email Template", label(step))
	if kind == EMAIL and not (step.get("email_template") or step.get("subject")):
		raise EngineError("Step {0}: an email needs an Email Template or a subject", label(step))
	if kind == WAIT and wait_minutes(step) <= 0:
		raise EngineError("Step {0}: a wait needs a duration", label(step))
	if kind == CONDITION:
		if step.get("condition") not in CONDITIONS:
			raise EngineError("Step {0} needs a condition, one of {1}", label(step), ", ".join(CONDITIONS))
		if timeout_minutes(step) <= 0:
			raise EngineError(
				"Step {0}: a condition needs a time-out after which the No branch is taken", label(step)
			)
	if kind in (COMMAND, UPDATE_FIELD) and not step.get("field_name"):
		raise EngineError("Step {0} needs a field", label(step))
	if kind == COMMAND:
		if step.get("operator") not in OPERATORS:
			raise EngineError("Step {0} needs an operator, one of {1}", label(step), ", ".join(OPERATORS))
		if step["operator"] not in VALUELESS_OPERATORS and step.get("value") in (None, ""):
			raise EngineError("Step {0} needs a value to compare with", label(step))


def _check_no_loops(steps, graph, by_id) -> None:
	state = {}  # step id -> 1 while on the current path, 2 when done

	for root in (s["step_id"] for s in steps):
		if root in state:
			continue
		stack = [(root, iter(graph[root]))]
		state[root] = 1
		while stack:
			node, children = stack[-1]
			for _branch, target in children:
				if state.get(target) == 1:
					raise EngineError(
						"Step {0} loops back to step {1}", label(by_id[node]), label(by_id[target])
					)
				if target not in state:
					state[target] = 1
					stack.append((target, iter(graph[target])))
					break
			else:
				state[node] = 2
				stack.pop()


def _reachable(start: str, graph: dict) -> set[str]:
	seen, todo = {start}, [start]
	while todo:
		for _branch, target in graph[todo.pop()]:
			if target not in seen:
				seen.add(target)
				todo.append(target)
	return seen


def paths(steps: list[dict], limit: int | None = None) -> list[list[str]]:
	"""Paths from the start to an end, as lists of step ids, in flow order (the graph must have no
	loops); at most ``limit`` of them. There can be exponentially many: count them with
	:func:`describe`, which never lists more than it shows."""
	graph = edges(steps)
	found, stack = [], [[steps[0]["step_id"]]]
	while stack and (limit is None or len(found) < limit):
		path = stack.pop()
		targets = [t for _b, t in graph[path[-1]]]
		if not targets:
			found.append(path)
		for target in reversed(targets):
			stack.append([*path, target])
	return found


def _topological_order(start: str, graph: dict) -> list[str]:
	"""The steps reachable from ``start``, each after every step leading to it (no recursion)."""
	order, seen, stack = [], {start}, [(start, iter(graph[start]))]
	while stack:
		node, children = stack[-1]
		for _branch, target in children:
			if target not in seen:
				seen.add(target)
				stack.append((target, iter(graph[target])))
				break
		else:
			order.append(node)
			stack.pop()
	return order[::-1]


def describe(steps: list[dict]) -> dict:
	"""Numbers shown on a sequence: steps excluding waits (see :func:`counts_as_step`), how many paths
	there are, the longest path's duration (see :func:`step_minutes`), and the first paths with their
	own numbers. Linear in the number of steps, however many paths the branches make."""
	validate(steps, require_complete=False)
	by_id = {s["step_id"]: s for s in steps}
	graph = edges(steps)
	path_count, longest = {}, {}  # per step: paths from it to an end, and the longest one's minutes
	for sid in reversed(_topological_order(steps[0]["step_id"], graph)):
		targets = [t for _b, t in graph[sid]]
		path_count[sid] = sum(path_count[t] for t in targets) if targets else 1
		longest[sid] = step_minutes(by_id[sid]) + max((longest[t] for t in targets), default=0)
	start = steps[0]["step_id"]
	return {
		"step_count": sum(1 for s in steps if counts_as_step(s)),
		"max_minutes": longest[start],
		"path_count": path_count[start],
		"paths": [
			{
				"steps": path,
				"step_count": sum(1 for sid in path if counts_as_step(by_id[sid])),
				"minutes": sum(step_minutes(by_id[sid]) for sid in path),
			}
			for path in paths(steps, limit=MAX_LISTED_PATHS)
		],
	}


def format_minutes(minutes: int) -> str:
	"""``7 days``, ``1 day 2 hours``, ``45 minutes``: the largest units, no zeros."""
	days, rest = divmod(int(minutes), MINUTES_PER_DAY)
	hours, mins = divmod(rest, 60)
	parts = [
		f"{n} {unit}{'s' if n != 1 else ''}"
		for n, unit in ((days, "day"), (hours, "hour"), (mins, "minute"))
		if n
	]
	return " ".join(parts) or "0 minutes"


def tree(steps: list[dict]) -> dict:
	"""The flow as nested nodes for drawing: ``{step, branch, children: [...]}`` from the start.

	A step reached by two branches appears under each (the designer shows every path in full),
	until the drawing has ``MAX_TREE_NODES`` nodes: from then on a step drawn before is a node that
	``continues`` (no children), so the drawing stays small however the branches multiply.
	"""
	by_id = {s["step_id"]: s for s in steps}
	graph = edges(steps)
	drawn = set()
	nodes = 0

	def node(sid: str, branch: str | None) -> dict:
		nonlocal nodes
		if sid in drawn and nodes >= MAX_TREE_NODES:
			return {"step_id": sid, "branch": branch, "children": [], "continues": True}
		nodes += 1
		drawn.add(sid)
		children = [node(t, b) for b, t in graph.get(sid, []) if t in by_id]
		return {"step_id": sid, "branch": branch, "children": children}

	return node(steps[0]["step_id"], None)


def next_step_ids(steps: Iterable[dict]) -> list[str]:
	"""Step ids in table order (for pickers in the designer)."""
	return [s["step_id"] for s in steps]
