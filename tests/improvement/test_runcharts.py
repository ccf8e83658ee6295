"""`detect_signals` against series worked out by hand (Perla, Provost & Murray 2011)."""

import pytest

from improvement.runcharts import (
    RUNS_TABLE,
    Signal,
    SignalKind,
    centre_line,
    count_runs,
    detect_signals,
)

SHIFT, TREND = SignalKind.SHIFT, SignalKind.TREND
FEW, MANY = SignalKind.TOO_FEW_RUNS, SignalKind.TOO_MANY_RUNS


# --- Shifts ---------------------------------------------------------------------------
#
# Median of all values below is 3 (values 1..5 around it). Index: side.
#   0:3 on  1:1 -  2:5 +  3:2 -  4:3 on  5:4 +  6:4 +  7:3 on  8:4 +  9:4 +  10:4 +
# The run after index 3 has five points above (5, 6, 8, 9, 10); index 7 sits on the
# median and neither counts nor breaks it.
ON_MEDIAN_FIVE_ABOVE = [3, 1, 5, 2, 3, 4, 4, 3, 4, 4, 4]


def test_five_points_above_with_one_on_the_median_is_not_a_shift():
    assert centre_line(ON_MEDIAN_FIVE_ABOVE, baseline=5) == 3
    assert detect_signals(ON_MEDIAN_FIVE_ABOVE, baseline=5) == []


def test_sixth_point_above_makes_a_shift_spanning_the_point_on_the_median():
    # Ten useful observations now: runs are - + - + (4), inside the 3..9 of the table.
    assert detect_signals([*ON_MEDIAN_FIVE_ABOVE, 4], baseline=5) == [
        Signal(SHIFT, 5, 11, "up")
    ]


def test_a_point_on_the_other_side_breaks_a_shift():
    values = [3, 1, 5, 2, 3, 4, 4, 4, 2, 4, 4, 4]
    assert [s for s in detect_signals(values, baseline=5) if s.kind == SHIFT] == []


def test_shift_below_the_median_points_down():
    values = [10, 12, 11, 13, 12, 9, 8, 9, 7, 8, 9]
    # Baseline median of the first five is 12; indices 5..10 are all below it.
    assert Signal(SHIFT, 5, 10, "down") in detect_signals(values, baseline=5)


def test_median_of_all_points_without_a_baseline():
    assert centre_line([1, 9, 5, 7]) == 6


def test_baseline_must_be_positive():
    with pytest.raises(ValueError):
        detect_signals([1, 2, 3], baseline=0)


# --- Trends ---------------------------------------------------------------------------


def test_five_points_going_up_is_a_trend():
    assert detect_signals([1, 2, 3, 4, 5]) == [Signal(TREND, 0, 4, "up")]


def test_four_points_going_up_is_not():
    assert detect_signals([1, 2, 3, 4]) == []


def test_equal_neighbours_do_not_extend_a_trend():
    # 10, 11, 11, 12, 13 counts four points: 11 repeated is counted once.
    assert detect_signals([10, 11, 11, 12, 13]) == []


def test_equal_neighbours_do_not_break_a_trend():
    # 10, 11, (11), 12, 13, 14: five counted points, the tie inside the span.
    assert detect_signals([10, 11, 11, 12, 13, 14]) == [Signal(TREND, 0, 5, "up")]


def test_falling_trend_with_a_run_of_ties():
    assert detect_signals([9, 8, 8, 8, 7, 6, 5]) == [Signal(TREND, 0, 6, "down")]


def test_turning_point_belongs_to_both_trends():
    signals = detect_signals([1, 2, 3, 4, 5, 4, 3, 2, 1])
    assert Signal(TREND, 0, 4, "up") in signals
    assert Signal(TREND, 4, 8, "down") in signals


def test_missing_months_are_skipped_not_counted():
    assert detect_signals([1, 2, None, 3, 4, 5]) == [Signal(TREND, 0, 5, "up")]


# --- Runs -----------------------------------------------------------------------------


def test_runs_table_is_perla_table_one_at_its_edges():
    assert RUNS_TABLE[10] == (3, 9)
    assert RUNS_TABLE[20] == (6, 16)
    assert RUNS_TABLE[24] == (8, 18)
    assert RUNS_TABLE[60] == (24, 39)
    assert min(RUNS_TABLE) == 10 and max(RUNS_TABLE) == 60


def test_two_runs_in_ten_useful_observations_are_too_few():
    # Median 5: five below then five above; no shift (five is not six), no trend (ties).
    values = [1, 1, 1, 1, 1, 9, 9, 9, 9, 9]
    assert count_runs(values) == 2
    assert detect_signals(values) == [Signal(FEW, 0, 9)]


def test_three_runs_in_ten_is_the_lower_limit_itself():
    values = [1, 1, 1, 9, 9, 9, 9, 9, 1, 1]
    assert count_runs(values) == 3
    assert detect_signals(values) == []


def test_ten_runs_in_ten_are_too_many():
    values = [1, 9] * 5
    assert count_runs(values) == 10
    assert detect_signals(values) == [Signal(MANY, 0, 9)]


def test_nine_runs_in_ten_is_the_upper_limit_itself():
    values = [1, 9, 1, 9, 1, 9, 1, 9, 9, 1]
    assert count_runs(values) == 9
    assert detect_signals(values) == []


def test_points_on_the_median_are_not_useful_observations():
    # Eleven values, one exactly on the median (5): ten useful, alternating → 10 runs.
    values = [1, 9, 1, 9, 5, 1, 9, 1, 9, 1, 9]
    assert centre_line(values) == 5
    assert Signal(MANY, 0, 10) in detect_signals(values)


def test_fewer_than_ten_useful_observations_skip_the_runs_rules():
    assert detect_signals([1, 9] * 4 + [1]) == []


def test_more_than_sixty_useful_observations_skip_the_runs_rules():
    assert [s.kind for s in detect_signals([1, 9] * 31)] == []


def test_sixty_alternating_observations_are_too_many_runs():
    assert detect_signals([1, 9] * 30) == [Signal(MANY, 0, 59)]


# --- Too short, empty, and a whole chart ------------------------------------------------


@pytest.mark.parametrize("values", [[], [None, None], [5], [5, 6], [3, 3, 3, 3, 3, 3]])
def test_too_short_or_flat_series_give_no_signal(values):
    assert detect_signals(values) == []


def test_improvement_project_series_worked_by_hand():
    # 12 baseline months around 60, then a change: 70, 84, 88, 86, 90, 87, 91, 89.
    values = [62, 58, 65, 60, 63, 57, 61, 66, 59, 64, 60, 62, 70, 84, 88, 86, 90, 87]
    # Baseline median: sorted first twelve → 57 58 59 60 60 61 | 62 62 63 64 65 66 → 61.5
    assert centre_line(values, baseline=12) == 61.5
    signals = detect_signals(values, baseline=12)
    # Index 11 (62) is above the median too, so the shift starts there: 11..17.
    assert Signal(SHIFT, 11, 17, "up") in signals
    # 60 (10), 62, 70, 84, 88 (14): five points going up.
    assert Signal(TREND, 10, 14, "up") in signals
    # Sides: + - + - + - - + - + - then + to the end: 11 runs in 18 useful
    # observations, inside the table's 6..14, so no runs signal.
    assert count_runs(values, baseline=12) == 11
    assert {s.kind for s in signals} == {SHIFT, TREND}
