"""Colour codes of CRM Actions, CRM Statuses and dropdown options."""

import re

from sales_accelerator.engine import EngineError

_HEX = re.compile(r"^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")

# Below this WCAG contrast ratio a label is unreadable on its background.
MIN_CONTRAST = 1.5


def normalize_hex(value: str | None) -> str | None:
	"""Return ``value`` as ``#rrggbb`` (lower case), ``None`` when empty.

	Accepts ``#abc``, ``abc``, ``#aabbcc`` and ``aabbcc``; anything else raises :class:`EngineError`.
	"""
	if value is None or not str(value).strip():
		return None
	match = _HEX.match(str(value).strip())
	if not match:
		raise EngineError("{0} is not a hex colour such as #1f6feb", value)
	digits = match.group(1).lower()
	if len(digits) == 3:
		digits = "".join(c * 2 for c in digits)
	return "#" + digits


def _luminance(hex_colour: str) -> float:
	channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
	linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
	return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(foreground: str, background: str) -> float:
	"""WCAG 2 contrast ratio of two ``#rrggbb`` colours, from 1 (same) to 21 (black on white)."""
	lighter, darker = sorted((_luminance(foreground), _luminance(background)), reverse=True)
	return (lighter + 0.05) / (darker + 0.05)


def is_readable(foreground: str | None, background: str | None) -> bool:
	"""False only when both colours are set and too close to read one on the other."""
	if not foreground or not background:
		return True
	return contrast_ratio(foreground, background) >= MIN_CONTRAST
