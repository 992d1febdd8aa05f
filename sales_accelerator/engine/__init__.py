"""Plain-Python decisions of the app.

Nothing in this package imports frappe: every function takes plain values and returns plain
values (or raises an exception carrying a message template and its arguments), so it can be
unit-tested with pytest without a bench. DocType controllers load data, call the engine and save.
"""


class EngineError(ValueError):
	"""A rule was broken. ``message`` is an untranslated template, ``args`` fill its ``{0}`` slots.

	Controllers translate the template with ``frappe._`` and format it with the (bolded) args.
	"""

	def __init__(self, message: str, *args):
		super().__init__(message.format(*args))
		self.message = message
		self.args_ = args
