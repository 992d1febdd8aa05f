"""When a wait or a time-out ends and when an activity is due: calendar or business days, inside the
seller's working hours, in the seller's time zone."""

import datetime
from collections.abc import Collection
from zoneinfo import ZoneInfo

WEEKEND = frozenset({5, 6})  # Saturday, Sunday


def add_duration(
	start: datetime.datetime,
	days: int = 0,
	hours: int = 0,
	minutes: int = 0,
	business_days: bool = False,
	holidays: Collection[datetime.date] = (),
	weekend: Collection[int] = WEEKEND,
	system_tz: str = "UTC",
	user_tz: str | None = None,
) -> datetime.datetime:
	"""``start`` (naive, in the site's time zone) plus a duration; the result is naive in the same zone.

	Days are counted on the seller's calendar (``user_tz``): with ``business_days`` a day is a working
	day (not a weekend day nor a holiday), and an end that falls on a day off moves to the next
	working day at the same time. Hours and minutes are added as elapsed time.
	"""
	system, user = ZoneInfo(system_tz), ZoneInfo(user_tz or system_tz)
	local = start.replace(tzinfo=system).astimezone(user)
	off = set(holidays)

	def is_working(day: datetime.date) -> bool:
		return day.weekday() not in weekend and day not in off

	if business_days:
		remaining = int(days)
		while remaining > 0:
			local += datetime.timedelta(days=1)
			if is_working(local.date()):
				remaining -= 1
	else:
		local += datetime.timedelta(days=int(days))

	local += datetime.timedelta(hours=int(hours), minutes=int(minutes))
	if business_days:
		for _ in range(3660):  # at most ten years of days off
			if is_working(local.date()):
				break
			local += datetime.timedelta(days=1)
	# wall-clock arithmetic in the user's zone, then back to the site's zone
	local = local.replace(tzinfo=None).replace(tzinfo=user)
	return local.astimezone(system).replace(tzinfo=None)


def into_working_hours(
	moment: datetime.datetime,
	day_start: datetime.time,
	day_end: datetime.time,
	business_days: bool = False,
	holidays: Collection[datetime.date] = (),
	weekend: Collection[int] = WEEKEND,
	system_tz: str = "UTC",
	user_tz: str | None = None,
	end_of_day: bool = False,
) -> datetime.datetime:
	"""``moment`` (naive, in the site's time zone) if it falls in the seller's working hours, else the
	start of their next working hours: the same day before they start, the next working day after
	they stop or on a day off (with ``business_days``, weekends and holidays are off). With
	``end_of_day``, the end of those working hours instead: when work on something opened at
	``moment`` is due."""
	system, user = ZoneInfo(system_tz), ZoneInfo(user_tz or system_tz)
	local = moment.replace(tzinfo=system).astimezone(user).replace(tzinfo=None)
	off = set(holidays)

	def is_working(day: datetime.date) -> bool:
		return not business_days or (day.weekday() not in weekend and day not in off)

	day = local.date()
	if local.time() >= day_end or not is_working(day):
		day += datetime.timedelta(days=1)
		for _ in range(3660):  # at most ten years of days off
			if is_working(day):
				break
			day += datetime.timedelta(days=1)
		local = datetime.datetime.combine(day, day_start)
	elif local.time() < day_start:
		local = datetime.datetime.combine(day, day_start)
	if end_of_day:
		local = datetime.datetime.combine(local.date(), day_end)
	return local.replace(tzinfo=user).astimezone(system).replace(tzinfo=None)


# -- counting working hours ------------------------------------------------------------------------------
MAX_DAYS = 3660  # ten years of days: a calendar with no working day in it is a mistake, not a wait


def _working_day(day_start: datetime.time, day_end: datetime.time, day: datetime.date):
	"""The working hours of ``day`` as naive local datetimes; an end at or before the start (00:00)
	means until midnight."""
	begin = datetime.datetime.combine(day, day_start)
	end = datetime.datetime.combine(day, day_end)
	if end <= begin:
		end = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time(0))
	return begin, end


def add_working_hours(
	start: datetime.datetime,
	hours: float,
	day_start: datetime.time,
	day_end: datetime.time,
	business_days: bool = True,
	holidays: Collection[datetime.date] = (),
	weekend: Collection[int] = WEEKEND,
	system_tz: str = "UTC",
	user_tz: str | None = None,
) -> datetime.datetime:
	"""``start`` (naive, in the site's time zone) plus ``hours`` counted inside the seller's working
	hours only, in their time zone; negative ``hours`` count back. With ``business_days`` weekends
	and holidays have no working hours. The result is naive in the site's zone; zero hours is
	``start`` itself."""
	if not hours:
		return start
	system, user = ZoneInfo(system_tz), ZoneInfo(user_tz or system_tz)
	local = start.replace(tzinfo=system).astimezone(user).replace(tzinfo=None)
	off = set(holidays)
	forward = hours > 0
	remaining = datetime.timedelta(hours=abs(hours))
	step = datetime.timedelta(days=1 if forward else -1)
	day = local.date()
	for _ in range(MAX_DAYS):
		if not business_days or (day.weekday() not in weekend and day not in off):
			begin, end = _working_day(day_start, day_end, day)
			if forward:
				begin = max(begin, local)
			else:
				end = min(end, local)
			if begin < end:
				if end - begin >= remaining:
					moment = begin + remaining if forward else end - remaining
					return moment.replace(tzinfo=user).astimezone(system).replace(tzinfo=None)
				remaining -= end - begin
		day += step
	raise ValueError("no working hours in ten years of this calendar")


def working_hours_between(
	start: datetime.datetime,
	end: datetime.datetime,
	day_start: datetime.time,
	day_end: datetime.time,
	business_days: bool = True,
	holidays: Collection[datetime.date] = (),
	weekend: Collection[int] = WEEKEND,
	system_tz: str = "UTC",
	user_tz: str | None = None,
) -> float:
	"""How many of the seller's working hours lie between ``start`` and ``end`` (naive, in the site's
	time zone); negative when ``end`` comes first."""
	if end < start:
		return -working_hours_between(
			end, start, day_start, day_end, business_days, holidays, weekend, system_tz, user_tz
		)
	system, user = ZoneInfo(system_tz), ZoneInfo(user_tz or system_tz)

	def local(moment):
		return moment.replace(tzinfo=system).astimezone(user).replace(tzinfo=None)

	first, last = local(start), local(end)
	off = set(holidays)
	total = datetime.timedelta(0)
	day = first.date()
	while day <= last.date():
		if not business_days or (day.weekday() not in weekend and day not in off):
			begin, finish = _working_day(day_start, day_end, day)
			begin, finish = max(begin, first), min(finish, last)
			if begin < finish:
				total += finish - begin
		day += datetime.timedelta(days=1)
	return total.total_seconds() / 3600
