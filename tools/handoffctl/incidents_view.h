/*
 * incidents_view.h - the dispatcher console's model, kept pure: the table of
 * open incidents that `watch` follows, their order on screen, and how columns,
 * rows and panes fit a terminal of a given size. No I/O, no curses, the time
 * passed in, so all of it is unit-tested (tests/unit/test_incidents_view.c);
 * console.c draws what this computes.
 */
#ifndef HF_INCIDENTS_VIEW_H
#define HF_INCIDENTS_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "handoff/v1/incident.pb-c.h"

/* ------------------------------------------------------------ the table */

/* The open incidents, each an owned copy, in display order: severity
 * (critical first), then age (oldest raised first), then id. */
struct ctl_incidents {
	Handoff__V1__Incident **v;
	size_t n, cap;
};

void ctl_incidents_init(struct ctl_incidents *t);
/* Frees every copy and the array; t can be init'ed again. */
void ctl_incidents_finish(struct ctl_incidents *t);
/* Empties t (before applying a snapshot). */
void ctl_incidents_clear(struct ctl_incidents *t);
/* Puts a copy of inc (borrowed) in t, replacing the one with the same id, or
 * removes that one when inc is closed (resolved or cancelled). Keeps the
 * display order. Returns 0 or -ENOMEM (t unchanged). */
int ctl_incidents_put(struct ctl_incidents *t, const Handoff__V1__Incident *inc);
/* The index of the incident with id, or -1. */
long ctl_incidents_find(const struct ctl_incidents *t, const char *id);

bool ctl_incident_is_open(const Handoff__V1__Incident *inc);
/* Display order: <0 when a comes first. */
int ctl_incident_cmp(const Handoff__V1__Incident *a, const Handoff__V1__Incident *b);
/* The callsign `assign` offers by default: the nearest asked constable whose
 * fix is not stale, else the nearest asked, else "" (borrowed from inc). */
const char *ctl_default_assignee(const Handoff__V1__Incident *inc);

/* ------------------------------------------------------------ rows */

/* The columns of the incident list, in screen order. */
enum ctl_col {
	CTL_COL_ID,
	CTL_COL_SEV,
	CTL_COL_STATE,
	CTL_COL_PCSO,
	CTL_COL_TRIGGER,
	CTL_COL_PLACE,
	CTL_COL_AGE,
	CTL_COL_TIER,
	CTL_COL_NEAREST,
	CTL_COL_ASSIGNED,
	CTL_COL_LAST,
	CTL_COL_N
};

/* Where each column sits for a terminal width: w[c] == 0 when c is dropped. */
struct ctl_layout {
	int width;
	int x[CTL_COL_N];
	int w[CTL_COL_N];
};

/* Lays the columns out in width: columns enter by priority (id, severity,
 * state, PCSO, tier, age, nearest, place, assigned, trigger, last change)
 * while their minimum widths fit, one space apart; the width left grows them,
 * in the same order, up to their maximum. */
void ctl_layout_columns(struct ctl_layout *l, int width);
const char *ctl_col_title(enum ctl_col c);

/* The text of one cell (not fitted to its column) into buf. */
void ctl_cell(const Handoff__V1__Incident *inc, enum ctl_col c, int64_t now_ms, char *buf,
	      size_t size);
/* A whole row fitted to l: exactly l->width characters (cells cut with '~'
 * and padded), or the headings when inc is NULL. buf needs 4 * width + 1
 * bytes (UTF-8). */
void ctl_row(const Handoff__V1__Incident *inc, const struct ctl_layout *l, int64_t now_ms,
	     char *buf, size_t size);

/* Copies src into dst cut or padded to exactly width characters (UTF-8 code
 * points, each taken as one column); a cut string ends in '~'. */
void ctl_fit(char *dst, size_t size, const char *src, int width);
/* A duration for a countdown or an age: "MM:SS" below 100 minutes, else
 * "HhMM" ("123h" past 99 hours); a negative one is "due". */
const char *ctl_duration(int64_t ms, char *buf, size_t size);
/* "CRIT", "HIGH", "WARN", "INFO" and the long names. */
const char *ctl_severity_short(Handoff__V1__Severity s);
const char *ctl_severity_name(Handoff__V1__Severity s);
const char *ctl_state_short(Handoff__V1__IncidentState s);

/* ------------------------------------------------------------ screen */

/* The panes of a terminal rows high: header (row 0), column headings (1),
 * the list, the selected incident's details (a title line and its body), the
 * recent notices, the status line and the key footer (last row). A pane that
 * does not fit has 0 rows; the list gets what the others leave. */
struct ctl_panes {
	int list_top, list_rows;
	int detail_top, detail_rows; /* detail_top is the title line */
	int notice_top, notice_rows;
	int status_row, footer_row;
};

void ctl_layout_panes(struct ctl_panes *p, int rows);

#define CTL_LINE_MAX 1024 /* bytes of one detail line (a width of 250 UTF-8 characters) */

/* The selected incident's details word-wrapped to width, into at most max
 * lines: what raised it and who, where, every asked constable with distance
 * and stale flag, tier and countdown, supervisor, who acknowledged and who is
 * assigned, detention clock, welfare, radio health, trigger count, last change.
 * Returns the number of lines written. */
int ctl_detail(const Handoff__V1__Incident *inc, int64_t now_ms, int width,
	       char (*lines)[CTL_LINE_MAX], int max);

/* Word-wraps text to width into lines[*n..max), continuation lines indented
 * by two spaces; advances *n. */
void ctl_wrap(const char *text, int width, char (*lines)[CTL_LINE_MAX], int *n, int max);

#endif
