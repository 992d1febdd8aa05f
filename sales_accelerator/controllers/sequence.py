"""Shared controller code of Sequence and Sequence Template: steps, validation and flow numbers."""

import json

import frappe
from frappe import _
from frappe.model.document import Document

from sales_accelerator.controllers.colour_coded import throw_engine_error
from sales_accelerator.engine import EngineError
from sales_accelerator.engine import sequence as engine
from sales_accelerator.utils import bold

STEP_FIELDS = (
	"step_id",
	"step_type",
	"subject",
	"description",
	"next_step",
	"yes_step",
	"no_step",
	"is_end",
	"email_template",
	"wait_days",
	"wait_hours",
	"wait_minutes",
	"condition",
	"condition_step",
	"timeout_days",
	"timeout_hours",
	"field_name",
	"operator",
	"value",
)
# Fields that define what a sequence does (copied from templates; frozen while a sequence is active).
DEFINITION_FIELDS = (
	"title",
	"description",
	"record_type",
	"exit_on_reply",
	"exit_on_close",
	"business_days_only",
	"holiday_list",
)
TAG_FIELD = "_user_tags"


def step_dicts(rows) -> list[dict]:
	"""Steps as the plain dicts the engine reads."""
	steps = []
	for row in rows:
		step = {field: row.get(field) for field in STEP_FIELDS}
		for field in ("step_id", "next_step", "yes_step", "no_step", "condition_step"):
			step[field] = (step[field] or "").strip() or None
		step["idx"] = row.get("idx")
		steps.append(step)
	return steps


def definition_hash(doc) -> str:
	"""A fingerprint of what a sequence or template does: its settings and steps, with empty values
	and zeros alike (a row read back from the database has 0 where a new one had nothing)."""
	import hashlib

	def plain(value):
		return None if value in (None, "", 0, "0") else str(value)

	definition = {
		"settings": {field: plain(doc.get(field)) for field in DEFINITION_FIELDS if field != "title"},
		"steps": [{field: plain(row.get(field)) for field in STEP_FIELDS} for row in doc.steps],
	}
	return hashlib.sha256(json.dumps(definition, sort_keys=True).encode()).hexdigest()


def flow(steps: list[dict]) -> dict:
	"""What the designer draws: the tree of steps, every path with its duration, or the error."""
	try:
		described = engine.describe(steps)  # validates the steps' structure first
	except EngineError as e:
		return {"error": _(e.message).format(*e.args_)}
	return {
		"error": None,
		"tree": engine.tree(steps),
		"steps": {s["step_id"]: s for s in steps},
		"step_count": described["step_count"],
		"duration": format_duration(described["max_minutes"]),
		"path_count": described["path_count"],
		"paths": [{**path, "duration": format_duration(path["minutes"])} for path in described["paths"]],
	}


def format_duration(minutes: int) -> str:
	days, rest = divmod(int(minutes), engine.MINUTES_PER_DAY)
	hours, mins = divmod(rest, 60)
	parts = []
	if days:
		parts.append(_("{0} days").format(days) if days != 1 else _("1 day"))
	if hours:
		parts.append(_("{0} hours").format(hours) if hours != 1 else _("1 hour"))
	if mins:
		parts.append(_("{0} minutes").format(mins) if mins != 1 else _("1 minute"))
	return " ".join(parts) or _("0 minutes")


class SequenceDocument(Document):
	"""Base of Sequence and Sequence Template."""

	def ensure_start_step(self):
		if not self.steps or self.steps[0].step_type != engine.START:
			self.insert_start_step()

	def insert_start_step(self):
		start = self.append(
			"steps", {"step_id": "start", "step_type": engine.START, "subject": _("Sequence starts here")}
		)
		self.steps.remove(start)
		self.steps.insert(0, start)
		for idx, row in enumerate(self.steps, start=1):
			row.idx = idx

	def validate_steps(self, require_complete: bool):
		self.ensure_start_step()
		for row in self.steps:
			row.step_id = (row.step_id or "").strip()
		try:
			engine.validate(step_dicts(self.steps), require_complete=require_complete)
		except EngineError as e:
			throw_engine_error(e)
		self.validate_step_fields()

	def validate_step_fields(self):
		"""Commands and field updates name a real field of the record type."""
		meta = frappe.get_meta(self.record_type)
		for row in self.steps:
			if row.step_type not in (engine.COMMAND, engine.UPDATE_FIELD) or not row.field_name:
				continue
			if row.field_name == TAG_FIELD and row.step_type == engine.UPDATE_FIELD:
				continue
			if not meta.has_field(row.field_name) and row.field_name not in ("name", "owner"):
				frappe.throw(
					_("Step #{0} {1}: {2} has no field {3}.").format(
						row.idx,
						bold(row.subject or _(row.step_type)),
						_(self.record_type),
						bold(row.field_name),
					),
					title=_("Unknown Field"),
				)
			if row.step_type == engine.UPDATE_FIELD:
				self.validate_field_update(meta, row)

	def validate_field_update(self, meta, row):
		"""An Update Field step writes only a plain value field anyone who may edit the record may set:
		never a password, a table, a layout field, a field above permission level 0, or name/owner."""
		from sales_accelerator.engine.records import field_update_refusal

		field = meta.get_field(row.field_name)
		refusal = field_update_refusal(field.fieldtype, field.permlevel) if field else "standard"
		if refusal:
			frappe.throw(
				_("Step #{0} {1}: a sequence may not update the field {2} of {3}.").format(
					row.idx, bold(row.subject or _(row.step_type)), bold(row.field_name), _(self.record_type)
				),
				title=_("Field Not Allowed"),
			)

	def set_flow_numbers(self):
		try:
			described = engine.describe(step_dicts(self.steps))
		except EngineError:
			described = {"step_count": 0, "max_minutes": 0, "path_count": 0}
		self.step_count = described["step_count"]
		self.duration_minutes = described["max_minutes"]
		self.duration = format_duration(described["max_minutes"])
		self.path_count = described["path_count"]

	def definition(self) -> str:
		"""What the sequence does, as text: equal definitions behave the same."""
		return json.dumps(
			{
				"fields": {f: self.get(f) for f in DEFINITION_FIELDS},
				"steps": [{f: row.get(f) for f in STEP_FIELDS} for row in self.steps],
			},
			sort_keys=True,
			default=str,
		)
