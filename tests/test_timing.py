import datetime as dt

import pytest

from sales_accelerator.engine.timing import (
	add_duration,
	add_working_hours,
	into_working_hours,
	working_hours_between,
)

FRI = dt.datetime(2026, 11, 20, 10, 0)  # a Friday


def test_calendar_days_hours_minutes():
	assert add_duration(FRI, days=2) == dt.datetime(2026, 11, 22, 10, 0)
	assert add_duration(FRI, hours=30, minutes=15) == dt.datetime(2026, 11, 21, 16, 15)


def test_business_days_skip_the_weekend():
	assert add_duration(FRI, days=1, business_days=True) == dt.datetime(2026, 11, 23, 10, 0)  # Monday
	assert add_duration(FRI, days=5, business_days=True) == dt.datetime(2026, 11, 27, 10, 0)


def test_business_days_skip_holidays_and_an_end_on_a_day_off_moves_on():
	holidays = {dt.date(2026, 11, 23), dt.date(2026, 11, 24)}
	assert add_duration(FRI, days=1, business_days=True, holidays=holidays) == dt.datetime(
		2026, 11, 25, 10, 0
	)
	# 20 hours from Friday 10:00 ends Saturday 06:00: moved to Monday 06:00
	assert add_duration(FRI, hours=20, business_days=True) == dt.datetime(2026, 11, 23, 6, 0)


def test_days_follow_the_sellers_calendar_across_a_dst_change():
	# New York leaves daylight saving time on 2026-11-01; the site runs in UTC
	start = dt.datetime(2026, 10, 31, 13, 0)  # 09:00 in New York
	end = add_duration(start, days=1, system_tz="UTC", user_tz="America/New_York")
	assert end == dt.datetime(2026, 11, 1, 14, 0)  # still 09:00 in New York


def test_the_sellers_weekend_is_their_own_day():
	# Friday 22:00 UTC is already Saturday 07:00 in Tokyo: one business day is Monday in Tokyo
	start = dt.datetime(2026, 11, 20, 22, 0)
	end = add_duration(start, days=1, business_days=True, system_tz="UTC", user_tz="Asia/Tokyo")
	assert end == dt.datetime(2026, 11, 22, 22, 0)  # Monday 07:00 in Tokyo


# -- working hours ----------------------------------------------------------------------------------
NINE, FIVE = dt.time(9, 0), dt.time(17, 0)


def test_a_moment_in_working_hours_stays_and_others_move_to_the_next_start():
	assert into_working_hours(FRI, NINE, FIVE) == FRI  # Friday 10:00
	assert into_working_hours(FRI.replace(hour=7), NINE, FIVE) == FRI.replace(hour=9)
	assert into_working_hours(FRI.replace(hour=17), NINE, FIVE) == dt.datetime(2026, 11, 21, 9, 0)
	# with business days, Friday evening moves to Monday morning, past a holiday to Tuesday
	evening = FRI.replace(hour=19, minute=30)
	assert into_working_hours(evening, NINE, FIVE, business_days=True) == dt.datetime(2026, 11, 23, 9, 0)
	holiday = {dt.date(2026, 11, 23)}
	assert into_working_hours(evening, NINE, FIVE, business_days=True, holidays=holiday) == dt.datetime(
		2026, 11, 24, 9, 0
	)


def test_the_end_of_the_working_day_is_when_work_opened_then_is_due():
	assert into_working_hours(FRI, NINE, FIVE, end_of_day=True) == FRI.replace(hour=17)
	late = FRI.replace(hour=18)
	assert into_working_hours(late, NINE, FIVE, end_of_day=True) == dt.datetime(2026, 11, 21, 17, 0)


def test_working_hours_are_the_sellers_own_in_their_time_zone():
	# 06:00 UTC is 09:00 in Istanbul: inside the day there; 15:00 UTC is 18:00, after it
	assert into_working_hours(FRI.replace(hour=6), NINE, FIVE, user_tz="Europe/Istanbul") == FRI.replace(
		hour=6
	)
	assert into_working_hours(FRI.replace(hour=15), NINE, FIVE, user_tz="Europe/Istanbul") == dt.datetime(
		2026, 11, 21, 6, 0
	)


# -- counting working hours --------------------------------------------------------------------------
MON = dt.datetime(2026, 11, 23, 10, 0)  # a Monday


def test_working_hours_are_added_inside_the_day_and_go_on_the_next_working_day():
	assert add_working_hours(MON, 3, NINE, FIVE) == MON.replace(hour=13)
	# 10:00 + 8 working hours: 7 today (to 17:00), 1 tomorrow from 09:00
	assert add_working_hours(MON, 8, NINE, FIVE) == dt.datetime(2026, 11, 24, 10, 0)
	# Friday 16:00 + 2 working hours: 1 on Friday, 1 on Monday
	assert add_working_hours(FRI.replace(hour=16), 2, NINE, FIVE) == dt.datetime(2026, 11, 23, 10, 0)
	# without business days the weekend has working hours too
	assert add_working_hours(FRI.replace(hour=16), 2, NINE, FIVE, business_days=False) == dt.datetime(
		2026, 11, 21, 10, 0
	)


def test_counting_starts_at_the_next_working_start_and_skips_holidays():
	evening = FRI.replace(hour=19)
	assert add_working_hours(evening, 1, NINE, FIVE) == dt.datetime(2026, 11, 23, 10, 0)
	holiday = {dt.date(2026, 11, 23)}
	assert add_working_hours(evening, 1, NINE, FIVE, holidays=holiday) == dt.datetime(2026, 11, 24, 10, 0)
	# zero hours is the moment itself, wherever it falls
	assert add_working_hours(evening, 0, NINE, FIVE) == evening


def test_negative_hours_count_back_through_working_hours():
	assert add_working_hours(MON, -1, NINE, FIVE) == MON.replace(hour=9)
	assert add_working_hours(MON, -2, NINE, FIVE) == FRI.replace(hour=16)
	assert add_working_hours(MON.replace(hour=8), -0.5, NINE, FIVE) == FRI.replace(hour=16, minute=30)


def test_working_hours_follow_the_sellers_time_zone():
	# 06:00 UTC is 09:00 in Istanbul: two working hours later it is 08:00 UTC
	start = MON.replace(hour=6)
	assert add_working_hours(start, 2, NINE, FIVE, user_tz="Europe/Istanbul") == MON.replace(hour=8)
	# 15:00 UTC is 18:00 there, after the day: tomorrow 09:00 there (06:00 UTC) plus one hour
	late = MON.replace(hour=15)
	assert add_working_hours(late, 1, NINE, FIVE, user_tz="Europe/Istanbul") == dt.datetime(
		2026, 11, 24, 7, 0
	)


def test_round_the_clock_hours_count_like_clock_hours():
	midnight, last = dt.time(0, 0), dt.time(0, 0)  # an end at the start: until midnight
	assert add_working_hours(FRI, 30, midnight, last, business_days=False) == FRI + dt.timedelta(hours=30)
	assert working_hours_between(FRI, FRI + dt.timedelta(hours=30), midnight, last, business_days=False) == 30


def test_working_hours_between_two_moments():
	assert working_hours_between(MON, MON.replace(hour=13), NINE, FIVE) == 3
	assert working_hours_between(FRI.replace(hour=16), dt.datetime(2026, 11, 23, 10, 0), NINE, FIVE) == 2
	assert working_hours_between(dt.datetime(2026, 11, 23, 10, 0), FRI.replace(hour=16), NINE, FIVE) == -2
	# a weekend and the nights count nothing
	assert working_hours_between(FRI.replace(hour=17), dt.datetime(2026, 11, 23, 9, 0), NINE, FIVE) == 0
	# the two functions agree
	for hours in (0.5, 7, 8, 13, 41):
		end = add_working_hours(FRI.replace(hour=11), hours, NINE, FIVE, holidays={dt.date(2026, 11, 24)})
		assert working_hours_between(
			FRI.replace(hour=11), end, NINE, FIVE, holidays={dt.date(2026, 11, 24)}
		) == pytest.approx(hours)
