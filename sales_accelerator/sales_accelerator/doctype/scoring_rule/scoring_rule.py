# Copyright (c) 2026, sales_accelerator contributors
# License: MIT. See license.txt

import json

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import cint, cstr

from sales_accelerator.automation.rules import check_condition
from sales_accelerator.controllers.colour_coded import throw_engine_error
from sales_accelerator.engine import EngineError
from sales_accelerator.engine import scoring as engine
from sales_accelerator.scoring.jobs import enqueue_rescore
from sales_accelerator.scoring.rules import SCORE_FIELD, clear_rules_cache
from sales_accelerator.utils import bold, check_record_type

# what the records' scores depend on: a change of any of these rescores them
SCORING_FIELDS = (
	"document_type",
	"enabled",
	"score_field",
	"decay_points",
	"decay_every_days",
	"minimum_score",
	"maximum_score",
)
CRITERION_FIELDS = ("name", "criterion", "points", "max_times", "filters", "condition")


class ScoringRule(Document):
	# begin: auto-generated types
	# This code is auto-generated. Do not modify anything in this block.

	from typing import TYPE_CHECKING

	if TYPE_CHECKING:
		from frappe.types import DF

		from sales_accelerator.sales_accelerator.doctype.scoring_rule_criterion.scoring_rule_criterion import (
			ScoringRuleCriterion,
		)

		criteria: DF.Table[ScoringRuleCriterion]
		decay_every_days: DF.Int
		decay_points: DF.Int
		description: DF.SmallText | None
		document_type: DF.Link
		enabled: DF.Check
		last_rescored_on: DF.Datetime | None
		maximum_score: DF.Data | None
		minimum_score: DF.Data | None
		score_field: DF.Autocomplete
		title: DF.Data

	# end: auto-generated types

	def validate(self):
		check_record_type(self.document_type, _("Document Type"))
		self.score_field = (self.score_field or SCORE_FIELD).strip()
		self.validate_score_field()
		meta = frappe.get_meta(self.document_type)
		fields = {df.fieldname: df.fieldtype for df in meta.fields}
		permlevels = {df.fieldname: df.permlevel for df in meta.fields}
		try:
			filters = engine.validate_rule(self.as_dict(), fields, permlevels)
		except EngineError as e:
			throw_engine_error(e)
		for row, parsed in zip(self.criteria, filters, strict=True):
			row.filters = json.dumps(parsed) if parsed else None
			check_condition(row.condition, _("Criterion #{0}").format(row.idx))
		for fieldname in ("minimum_score", "maximum_score"):
			limit = engine.parse_limit(self.get(fieldname), fieldname)
			self.set(fieldname, None if limit is None else str(limit))

	def validate_score_field(self):
		"""A whole-number field of level 0. Another field than the app's Score must be one its author
		may write: a rule writes with the app's rights, never more than whoever saved it could, and
		never over a value the document type computes itself (a read-only stock field)."""
		df = frappe.get_meta(self.document_type).get_field(self.score_field)
		refusal = engine.score_field_refusal(
			self.score_field if df else None, df.fieldtype if df else None, df.permlevel if df else 0
		)
		if refusal:
			frappe.throw(_(refusal).format(bold(self.score_field)), title=_("Invalid Score Field"))
		if self.score_field == SCORE_FIELD:
			return
		if df.read_only and not df.get("is_custom_field"):
			frappe.throw(
				_("Score Field: {0} is computed by {1} itself; choose Score or a field of your own.").format(
					bold(self.score_field), _(self.document_type)
				),
				title=_("Invalid Score Field"),
			)
		if not frappe.has_permission(self.document_type, "write"):
			frappe.throw(
				_("Score Field: you may not edit {0} records, so a rule of yours may not write {1}.").format(
					_(self.document_type), bold(self.score_field)
				),
				frappe.PermissionError,
			)

	def on_update(self):
		clear_rules_cache()
		before = self.get_doc_before_save()
		if self.definition(before) != self.definition(self) and (self.enabled or (before and before.enabled)):
			enqueue_rescore(self.document_type, self.name)
			if before and before.document_type != self.document_type and before.enabled:
				enqueue_rescore(before.document_type)
			if self.enabled:
				frappe.msgprint(
					_("The {0} records are being rescored in the background.").format(_(self.document_type)),
					alert=True,
				)

	@staticmethod
	def definition(doc) -> str | None:
		"""What the records' scores depend on, as read from the database (0 for an empty number)."""
		if not doc:
			return None

		def value(row, field):
			return (
				cint(row.get(field))
				if row.meta.get_field(field).fieldtype in ("Int", "Check")
				else cstr(row.get(field))
			)

		return json.dumps(
			{
				**{field: value(doc, field) for field in SCORING_FIELDS},
				"criteria": [
					{field: value(row, field) for field in CRITERION_FIELDS[1:]} | {"name": row.name}
					for row in doc.criteria
				],
			}
		)

	@frappe.whitelist()
	def rescore(self):
		"""Rescore the records of the rule's document type now, in the background."""
		self.check_permission("write")
		enqueue_rescore(self.document_type, self.name)

	def on_trash(self):
		clear_rules_cache()
		frappe.db.delete("Score Contribution", {"rule_type": "Scoring Rule", "rule": self.name})
		if self.enabled:
			enqueue_rescore(self.document_type)
