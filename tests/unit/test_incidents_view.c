/*
 * test_incidents_view.c - the dispatcher console's pure model: the table of
 * open incidents and its order, the column layout for a terminal width, rows,
 * the pane layout for a height, details and the small text helpers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "../../tools/handoffctl/incidents_view.h"

/* ---------------------------------------------------------------- helpers */

#define NOW 1700000000000LL

/* An incident with its strings and sub-messages in one block (statics in
 * the caller's struct), enough for every column. */
struct fake {
	Handoff__V1__Incident inc;
	Handoff__V1__UnitRef subject, assigned;
	Handoff__V1__UnitRef units[3];
	Handoff__V1__Candidate cands[3];
	Handoff__V1__Candidate *asked[3];
	Handoff__V1__Trigger trigger;
	char id[16];
};

static void fake_init(struct fake *f, int n, Handoff__V1__Severity sev, int64_t raised)
{
	static const char *const callsigns[] = { "PC 2", "PC 4", "PC 1" };
	static const double metres[] = { 299.6, 600, 1234 };

	memset(f, 0, sizeof *f);
	handoff__v1__incident__init(&f->inc);
	handoff__v1__unit_ref__init(&f->subject);
	handoff__v1__trigger__init(&f->trigger);
	snprintf(f->id, sizeof f->id, "INC-%04d", n);
	f->inc.id = f->id;
	f->inc.state = HANDOFF__V1__INCIDENT_STATE__INCIDENT_STATE_RAISED;
	f->inc.severity = sev;
	f->inc.raised_unix_ms = raised;
	f->subject.callsign = "PCSO 7";
	f->subject.unit_id = "pcso-7";
	f->subject.issi = 2001007;
	f->inc.subject = &f->subject;
	f->trigger.kind = HANDOFF__V1__TRIGGER_KIND__TRIGGER_KIND_EMERGENCY_STATUS;
	f->inc.trigger = &f->trigger;
	f->inc.area = "central";
	f->inc.desk = "desk-central";
	f->inc.rule = "emergency";
	f->inc.trigger_count = 1;
	for (int i = 0; i < 3; i++) {
		handoff__v1__unit_ref__init(&f->units[i]);
		handoff__v1__candidate__init(&f->cands[i]);
		f->units[i].callsign = (char *)callsigns[i];
		f->cands[i].unit = &f->units[i];
		f->cands[i].distance_m = metres[i];
		f->asked[i] = &f->cands[i];
	}
	f->inc.asked = f->asked;
	f->inc.n_asked = 3;
}

static int utf8_len(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xC0) != 0x80;
	return n;
}

/* ---------------------------------------------------------------- table */

Test(incidents_view, the_table_orders_by_severity_then_oldest_then_id)
{
	/* Critical before high before warning; within one severity the oldest
	 * first; the same age by id. */
	struct ctl_incidents t;
	struct fake f[5];

	fake_init(&f[0], 1, HANDOFF__V1__SEVERITY__SEVERITY_WARNING, NOW - 9000);
	fake_init(&f[1], 2, HANDOFF__V1__SEVERITY__SEVERITY_CRITICAL, NOW - 1000);
	fake_init(&f[2], 3, HANDOFF__V1__SEVERITY__SEVERITY_HIGH, NOW - 5000);
	fake_init(&f[3], 4, HANDOFF__V1__SEVERITY__SEVERITY_CRITICAL, NOW - 2000);
	fake_init(&f[4], 5, HANDOFF__V1__SEVERITY__SEVERITY_CRITICAL, NOW - 2000);
	ctl_incidents_init(&t);
	for (int i = 4; i >= 0; i--)
		cr_assert_eq(ctl_incidents_put(&t, &f[i].inc), 0);
	cr_assert_eq(t.n, 5);
	static const char *const want[] = { "INC-0004", "INC-0005", "INC-0002", "INC-0003",
					    "INC-0001" };
	for (size_t i = 0; i < 5; i++)
		cr_assert_str_eq(t.v[i]->id, want[i], "position %zu", i);
	ctl_incidents_finish(&t);
}

Test(incidents_view, a_put_replaces_by_id_reorders_and_a_closed_incident_leaves)
{
	/* An update replaces the copy with the same id (and moves it when its
	 * severity changes); a resolved or cancelled one is removed, and a
	 * closed incident never seen is not added. */
	struct ctl_incidents t;
	struct fake a, b;

	fake_init(&a, 1, HANDOFF__V1__SEVERITY__SEVERITY_WARNING, NOW - 9000);
	fake_init(&b, 2, HANDOFF__V1__SEVERITY__SEVERITY_HIGH, NOW - 1000);
	ctl_incidents_init(&t);
	ctl_incidents_put(&t, &a.inc);
	ctl_incidents_put(&t, &b.inc);
	cr_assert_str_eq(t.v[0]->id, "INC-0002");
	a.inc.severity = HANDOFF__V1__SEVERITY__SEVERITY_CRITICAL;
	a.inc.trigger_count = 2;
	ctl_incidents_put(&t, &a.inc);
	cr_assert_eq(t.n, 2);
	cr_assert_str_eq(t.v[0]->id, "INC-0001");
	cr_assert_eq(t.v[0]->trigger_count, 2);
	cr_assert_eq(ctl_incidents_find(&t, "INC-0002"), 1);

	b.inc.state = HANDOFF__V1__INCIDENT_STATE__INCIDENT_STATE_RESOLVED;
	ctl_incidents_put(&t, &b.inc);
	cr_assert_eq(t.n, 1);
	cr_assert_eq(ctl_incidents_find(&t, "INC-0002"), -1);
	b.inc.state = HANDOFF__V1__INCIDENT_STATE__INCIDENT_STATE_CANCELLED;
	ctl_incidents_put(&t, &b.inc);
	cr_assert_eq(t.n, 1);
	ctl_incidents_clear(&t);
	cr_assert_eq(t.n, 0);
	ctl_incidents_finish(&t);
}

Test(incidents_view, the_table_keeps_its_own_copy)
{
	/* What was put stays as it was when the caller's message changes or goes. */
	struct ctl_incidents t;
	struct fake *f = calloc(1, sizeof *f);

	fake_init(f, 7, HANDOFF__V1__SEVERITY__SEVERITY_CRITICAL, NOW);
	ctl_incidents_init(&t);
	ctl_incidents_put(&t, &f->inc);
	f->subject.callsign = "changed";
	memset(f->id, 'x', sizeof f->id - 1);
	free(f);
	cr_assert_str_eq(t.v[0]->id, "INC-0007");
	cr_assert_str_eq(t.v[0]->subject->callsign, "PCSO 7");
	cr_assert_eq(t.v[0]->n_asked, 3);
	cr_assert_str_eq(t.v[0]->asked[2]->unit->callsign, "PC 1");
	ctl_incidents_finish(&t);
}

Test(incidents_view, assign_offers_the_nearest_asked_with_a_fresh_fix)
{
	/* Nearest first, skipping a stale fix; all stale: the nearest; nobody
	 * asked: nothing. */
	struct fake f;

	fake_init(&f, 1, HANDOFF__V1__SEVERITY__SEVERITY_CRITICAL, NOW);
	cr_assert_str_eq(ctl_default_assignee(&f.inc), "PC 2");
	f.cands[0].stale = true;
	cr_assert_str_eq(ctl_default_assignee(&f.inc), "PC 4");
	f.cands[1].stale = f.cands[2].stale = true;
	cr_assert_str_eq(ctl_default_assignee(&f.inc), "PC 2");
	f.inc.n_asked = 0;
	cr_assert_str_eq(ctl_default_assignee(&f.inc), "");
}

/* ---------------------------------------------------------------- columns */

/* Columns do not overlap, stay inside the width, and come in screen order. */
static void check_layout(const struct ctl_layout *l)
{
	int end = 0;

	for (int c = 0; c < CTL_COL_N; c++) {
		if (!l->w[c])
			continue;
		cr_assert_geq(l->x[c], end, "column %d overlaps", c);
		end = l->x[c] + l->w[c];
		cr_assert_leq(end, l->width, "column %d past the width", c);
		end++;
	}
}

Test(incidents_view, at_80_columns_everything_but_trigger_and_last_change_fits)
{
	/* The classic terminal keeps the columns a dispatcher needs; the two
	 * wide, low-priority ones are dropped. */
	struct ctl_layout l;

	ctl_layout_columns(&l, 80);
	check_layout(&l);
	for (int c = 0; c < CTL_COL_N; c++) {
		bool dropped = c == CTL_COL_TRIGGER || c == CTL_COL_LAST;

		cr_assert_eq(l.w[c] == 0, dropped, "column %s", ctl_col_title((enum ctl_col)c));
	}
}

Test(incidents_view, a_large_terminal_shows_every_column_and_uses_its_width)
{
	struct ctl_layout l;

	ctl_layout_columns(&l, 200);
	check_layout(&l);
	for (int c = 0; c < CTL_COL_N; c++)
		cr_assert_gt(l.w[c], 0, "column %s", ctl_col_title((enum ctl_col)c));
	cr_assert_eq(l.x[CTL_COL_LAST] + l.w[CTL_COL_LAST], 200, "the last change takes the rest");
	cr_assert_eq(l.w[CTL_COL_PCSO], 14, "grown to its maximum");
}

Test(incidents_view, a_narrow_terminal_keeps_the_columns_by_priority)
{
	/* 45 columns: id, severity, state, PCSO and tier; nothing else. */
	struct ctl_layout l;

	ctl_layout_columns(&l, 45);
	check_layout(&l);
	cr_assert(l.w[CTL_COL_ID] && l.w[CTL_COL_SEV] && l.w[CTL_COL_STATE] &&
		  l.w[CTL_COL_PCSO] && l.w[CTL_COL_TIER]);
	cr_assert(!l.w[CTL_COL_NEAREST] && !l.w[CTL_COL_PLACE] && !l.w[CTL_COL_ASSIGNED]);
	ctl_layout_columns(&l, 0);
	for (int c = 0; c < CTL_COL_N; c++)
		cr_assert_eq(l.w[c], 0);
}

Test(incidents_view, a_row_fills_the_width_with_the_cells)
{
	/* Exactly the width; the id, severity, state, PCSO with repeats, age,
	 * tier with its countdown rounded up, nearest with distance and count. */
	struct ctl_layout l;
	struct fake f;
	char row[4 * 200 + 1];

	fake_init(&f, 1, HANDOFF__V1__SEVERITY__SEVERITY_CRITICAL, NOW - 75000);
	f.inc.trigger_count = 2;
	f.inc.escalation_level = 1;
	f.inc.next_escalation_unix_ms = NOW + 23400;
	ctl_layout_columns(&l, 80);
	ctl_row(&f.inc, &l, NOW, row, sizeof row);
	cr_assert_eq(utf8_len(row), 80, "[%s]", row);
	cr_assert(strstr(row, "INC-0001 CRIT RAISED   PCSO 7 x2"), "[%s]", row);
	cr_assert(strstr(row, " 01:15 T1 00:24 "), "[%s]", row);
	cr_assert(strstr(row, "PC 2 300m +2"), "[%s]", row);
	cr_assert(strstr(row, " central "), "[%s]", row);

	f.inc.next_escalation_unix_ms = NOW - 1;
	f.cands[0].stale = true;
	f.inc.n_asked = 1;
	ctl_row(&f.inc, &l, NOW, row, sizeof row);
	cr_assert(strstr(row, " T1 due "), "[%s]", row);
	cr_assert(strstr(row, "PC 2 300m? "), "a stale fix is marked: [%s]", row);

	ctl_row(NULL, &l, NOW, row, sizeof row);
	cr_assert_eq(strncmp(row, "ID       SEV  STATE", 19), 0, "[%s]", row);
	cr_assert_eq(utf8_len(row), 80);
}

Test(incidents_view, fit_cuts_with_a_tilde_and_counts_characters_not_bytes)
{
	char buf[64];

	ctl_fit(buf, sizeof buf, "Bank junction", 8);
	cr_assert_str_eq(buf, "Bank ju~");
	ctl_fit(buf, sizeof buf, "Bank", 8);
	cr_assert_str_eq(buf, "Bank    ");
	ctl_fit(buf, sizeof buf, "Bank jun", 8);
	cr_assert_str_eq(buf, "Bank jun", "exactly the width: not cut");
	ctl_fit(buf, sizeof buf, "Caf\xc3\xa9 M\xc3\xbcller", 6);
	cr_assert_str_eq(buf, "Caf\xc3\xa9 ~");
	cr_assert_eq(utf8_len(buf), 6);
	ctl_fit(buf, sizeof buf, "a\tb\nc", 5);
	cr_assert_str_eq(buf, "a b c", "no control character reaches the terminal");
	ctl_fit(buf, 4, "abcdef", 10);
	cr_assert_str_eq(buf, "abc", "never past the buffer");
}

Test(incidents_view, durations_read_as_minutes_and_seconds_then_hours)
{
	static const struct {
		long long ms;
		const char *want;
	} cases[] = {
		{ 0, "00:00" },        { 59999, "00:59" },   { 60000, "01:00" },
		{ 5999000, "99:59" },  { 6000000, "1h40" },  { 359999000, "99h59" },
		{ 360000000, "100h" }, { -1, "due" },
	};
	char buf[16];

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		cr_assert_str_eq(ctl_duration(cases[i].ms, buf, sizeof buf), cases[i].want,
				 "%lld ms", cases[i].ms);
}

/* ---------------------------------------------------------------- panes */

Test(incidents_view, panes_tile_the_screen_from_24_to_60_rows)
{
	/* Header, headings, list, details, notices, status, footer: adjacent,
	 * in order, covering every row; 13 list rows at 24, more at 60. */
	for (int rows = 12; rows <= 60; rows++) {
		struct ctl_panes p;

		ctl_layout_panes(&p, rows);
		cr_assert_eq(p.list_top, 2);
		cr_assert_eq(p.list_top + p.list_rows, p.detail_top, "rows %d", rows);
		cr_assert_eq(p.detail_top + p.detail_rows, p.notice_top, "rows %d", rows);
		cr_assert_eq(p.notice_top + p.notice_rows, p.status_row, "rows %d", rows);
		cr_assert_eq(p.status_row + 1, p.footer_row);
		cr_assert_eq(p.footer_row, rows - 1);
		cr_assert_geq(p.list_rows, 1, "rows %d", rows);
		cr_assert_geq(p.detail_rows, 6);
	}
	struct ctl_panes p;

	ctl_layout_panes(&p, 24);
	cr_assert_eq(p.list_rows, 13);
	cr_assert_eq(p.notice_rows, 1);
	ctl_layout_panes(&p, 60);
	cr_assert_eq(p.notice_rows, 3);
	cr_assert_eq(p.detail_rows, 14);
	cr_assert_eq(p.list_rows, 39);
	ctl_layout_panes(&p, 3);
	cr_assert_eq(p.footer_row, 2);
	cr_assert_eq(p.list_rows, 0);
}

/* ---------------------------------------------------------------- details */

Test(incidents_view, details_name_every_asked_constable_and_wrap_to_the_width)
{
	/* Every asked constable with its distance and stale flag, the tier
	 * countdown, supervisor, detention and welfare, radio health; no line
	 * longer than the width. */
	static char lines[32][CTL_LINE_MAX];
	Handoff__V1__UnitRef sup;
	Handoff__V1__DetentionClock det;
	char *health[] = { "low_battery" };
	struct fake f;
	char all[8192] = "";
	int n;

	fake_init(&f, 3, HANDOFF__V1__SEVERITY__SEVERITY_HIGH, NOW - 60000);
	handoff__v1__unit_ref__init(&sup);
	handoff__v1__detention_clock__init(&det);
	sup.callsign = "PS 12";
	f.inc.supervisor = &sup;
	f.cands[1].stale = true;
	f.inc.next_escalation_unix_ms = NOW + 90000;
	det.stage = HANDOFF__V1__DETENTION_STAGE__DETENTION_STAGE_RUNNING;
	det.limit_unix_ms = NOW + 25 * 60000;
	f.inc.detention = &det;
	f.inc.welfare_stage = 2;
	f.inc.radio_health = health;
	f.inc.n_radio_health = 1;
	f.inc.last_change = "escalated: tier 1, supervisor PS 12 told";

	n = ctl_detail(&f.inc, NOW, 40, lines, 32);
	cr_assert_gt(n, 6);
	for (int i = 0; i < n; i++) {
		cr_assert_leq(utf8_len(lines[i]), 40, "line %d: [%s]", i, lines[i]);
		strcat(all, lines[i]);
		strcat(all, "\n");
	}
	cr_assert(strstr(all, "\n  "), "continuation lines are indented: %s", all);

	/* The same, wide enough not to break inside the names. */
	n = ctl_detail(&f.inc, NOW, 200, lines, 32);
	all[0] = '\0';
	for (int i = 0; i < n; i++) {
		strcat(all, lines[i]);
		strcat(all, "\n");
	}
	cr_assert(strstr(all, "Asked (3): PC 2 300 m,"), "%s", all);
	cr_assert(strstr(all, "PC 4 600 m (STALE fix)"), "%s", all);
	cr_assert(strstr(all, "PC 1 1.2 km"), "%s", all);
	cr_assert(strstr(all, "next tier in 01:30"), "%s", all);
	cr_assert(strstr(all, "supervisor PS 12"), "%s", all);
	cr_assert(strstr(all, "limit in 25:00"), "%s", all);
	cr_assert(strstr(all, "Welfare RED"), "%s", all);
	cr_assert(strstr(all, "low_battery"), "%s", all);

	cr_assert_eq(ctl_detail(&f.inc, NOW, 40, lines, 3), 3, "never more than max lines");
}

Test(incidents_view, wrap_breaks_at_spaces_and_cuts_a_word_longer_than_the_line)
{
	static char lines[8][CTL_LINE_MAX];
	int n = 0;

	ctl_wrap("one two three", 8, lines, &n, 8);
	cr_assert_eq(n, 2);
	cr_assert_str_eq(lines[0], "one two");
	cr_assert_str_eq(lines[1], "  three");
	n = 0;
	ctl_wrap("abcdefghij", 4, lines, &n, 8);
	cr_assert_eq(n, 4);
	cr_assert_str_eq(lines[0], "abcd");
	cr_assert_str_eq(lines[1], "  ef");
}
