/*
 * console.c - `handoffctl watch` on a terminal: the dispatcher console.
 *
 * A live ncurses view of the open incidents the follower (follow.c) keeps
 * current, drawn from the pure model in incidents_view.c: a header (gateway,
 * links, sync state, UTC clock), the incident list (critical first, then
 * oldest), the selected incident's details, recent notices, a status line for
 * replies and prompts, and a footer with the keys. Keys act on the selected
 * incident through the command socket (ctl_request, a fresh idempotency key
 * each). It redraws at every second boundary, so ages and countdowns tick.
 *
 * Messages the shared client code prints to stderr (a gateway that does not
 * answer, a refused snapshot) would scribble over the screen: while the
 * console runs, stderr goes into a pipe whose last line is shown in the
 * status line.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curses.h>
#include <zmq.h>

#include "ctl.h"
#include "follow.h"
#include "incidents_view.h"

#define MAX_LINKS 16
#define MAX_NOTICES 8
#define DRAW_MIN_MS 100 /* a busy bus redraws at most this often */

enum {
	PAIR_CRITICAL = 1,
	PAIR_HIGH,
	PAIR_WARNING,
	PAIR_INFO,
	PAIR_BAR,
	PAIR_GOOD,
	PAIR_BAD,
};

enum prompt_kind { PROMPT_NONE, PROMPT_ASSIGN, PROMPT_RESOLVE, PROMPT_CANCEL };

struct link {
	char adapter[40];
	bool up;
};

struct notice {
	char text[300];
	char unit_id[40];
	Handoff__V1__Severity severity;
};

struct console {
	const struct ctl *ctl;
	struct ctl_follow follow;
	struct ctl_incidents incs;
	char gateway[64];
	struct link links[MAX_LINKS];
	size_t n_links;
	struct notice notices[MAX_NOTICES]; /* newest first */
	size_t n_notices;
	bool journal_failing;
	bool seen_snapshot; /* the first snapshot is not "new alerts" */

	char selected[32]; /* id of the selected incident, "" for none */
	long sel;          /* its index in incs */
	long top;          /* first incident shown in the list */

	char status[320];
	bool status_bad;

	struct {
		enum prompt_kind kind;
		char id[32];
		char text[160];
		const char *hint; /* what is missing, in the footer */
	} prompt;

	int err_pipe;    /* read end: what the client code printed to stderr */
	int saved_err;   /* the real stderr, restored at the end */
	unsigned long n_requests;
	bool dirty;
	bool utf8; /* the terminal takes UTF-8: box-drawing rule, else '-' */
};

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	interrupted = 1;
}

/* ---------------------------------------------------------------- state */

static void set_status(struct console *cs, bool bad, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_status(struct console *cs, bool bad, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cs->status, sizeof cs->status, fmt, ap);
	va_end(ap);
	cs->status_bad = bad;
	cs->dirty = true;
}

/* Keeps the selection on the same incident when the list changes order, or
 * on the same row when that incident closed. */
static void reselect(struct console *cs)
{
	long i = cs->selected[0] ? ctl_incidents_find(&cs->incs, cs->selected) : -1;

	if (i < 0) {
		i = cs->sel;
		if (i >= (long)cs->incs.n)
			i = (long)cs->incs.n - 1;
		if (i < 0)
			i = 0;
	}
	cs->sel = i;
	if (cs->incs.n)
		snprintf(cs->selected, sizeof cs->selected, "%s", cs->incs.v[i]->id);
	else
		cs->selected[0] = '\0';
}

static const Handoff__V1__Incident *selected(const struct console *cs)
{
	return cs->incs.n ? cs->incs.v[cs->sel] : NULL;
}

static void put_link(struct console *cs, const Handoff__V1__LinkState *l)
{
	size_t i;

	for (i = 0; i < cs->n_links; i++)
		if (strcmp(cs->links[i].adapter, l->adapter) == 0)
			break;
	if (i == cs->n_links) {
		if (cs->n_links == MAX_LINKS)
			return;
		cs->n_links++;
	}
	snprintf(cs->links[i].adapter, sizeof cs->links[i].adapter, "%s", l->adapter);
	cs->links[i].up = l->up;
}

static void put_notice(struct console *cs, const Handoff__V1__Notice *n, int64_t at)
{
	struct notice *nt;
	char t[16];

	if (cs->n_notices < MAX_NOTICES)
		cs->n_notices++;
	memmove(&cs->notices[1], &cs->notices[0], (cs->n_notices - 1) * sizeof *cs->notices);
	nt = &cs->notices[0];
	snprintf(nt->text, sizeof nt->text, "%s %s %s %s: %s", ctl_clock(at, t, sizeof t),
		 ctl_severity_short(n->severity), n->kind, n->area, n->text);
	snprintf(nt->unit_id, sizeof nt->unit_id, "%s", n->unit ? n->unit->unit_id : "");
	nt->severity = n->severity;
}

static void put_incident(struct console *cs, const Handoff__V1__Incident *inc)
{
	bool known = ctl_incidents_find(&cs->incs, inc->id) >= 0;

	if (ctl_incidents_put(&cs->incs, inc) != 0) {
		set_status(cs, true, "out of memory: %s not shown", inc->id);
		return;
	}
	if (!known && ctl_incident_is_open(inc)) {
		set_status(cs, inc->severity >= HANDOFF__V1__SEVERITY__SEVERITY_HIGH,
			   "NEW %s %s %s from %s", ctl_severity_name(inc->severity), inc->id,
			   inc->last_change[0] ? inc->last_change : "raised",
			   inc->subject ? inc->subject->callsign : "?");
		if (inc->severity >= HANDOFF__V1__SEVERITY__SEVERITY_HIGH)
			beep();
		if (!cs->selected[0])
			snprintf(cs->selected, sizeof cs->selected, "%s", inc->id);
	}
}

static void on_snapshot(void *data, const Handoff__V1__Snapshot *s)
{
	struct console *cs = data;

	ctl_incidents_clear(&cs->incs);
	for (size_t i = 0; i < s->n_incidents; i++)
		if (ctl_incidents_put(&cs->incs, s->incidents[i]) != 0)
			set_status(cs, true, "out of memory: incidents missing");
	cs->n_links = 0;
	for (size_t i = 0; i < s->n_links; i++)
		put_link(cs, s->links[i]);
	snprintf(cs->gateway, sizeof cs->gateway, "%s", s->gateway);
	set_status(cs, false, "%s gateway %s at seq %" PRIu64,
		   cs->seen_snapshot ? "re-synced with" : "following", s->gateway, s->seq);
	cs->seen_snapshot = true;
	reselect(cs);
	cs->dirty = true;
}

static void on_publication(void *data, const Handoff__V1__Publication *p)
{
	struct console *cs = data;

	snprintf(cs->gateway, sizeof cs->gateway, "%s", p->gateway);
	switch (p->body_case) {
	case HANDOFF__V1__PUBLICATION__BODY_INCIDENT:
		put_incident(cs, p->incident);
		break;
	case HANDOFF__V1__PUBLICATION__BODY_LINK:
		put_link(cs, p->link);
		break;
	case HANDOFF__V1__PUBLICATION__BODY_NOTICE:
		put_notice(cs, p->notice, p->published_unix_ms);
		break;
	case HANDOFF__V1__PUBLICATION__BODY_HEARTBEAT:
		cs->journal_failing = p->heartbeat->journal_failing;
		return; /* nothing on screen changes */
	default:
		return; /* unit positions: not shown */
	}
	reselect(cs);
	cs->dirty = true;
}

static void on_say(void *data, const char *text)
{
	set_status(data, true, "%s", text);
}

/* Shows the last line the client code printed to stderr, if any. */
static void drain_stderr(struct console *cs)
{
	char buf[4096], *line, *end;
	ssize_t n;
	size_t len = 0;

	while ((n = read(cs->err_pipe, buf + len, sizeof buf - 1 - len)) > 0) {
		len += (size_t)n;
		if (len == sizeof buf - 1) {
			/* Keep only the tail. */
			memmove(buf, buf + len / 2, len - len / 2);
			len -= len / 2;
		}
	}
	if (!len)
		return;
	buf[len] = '\0';
	while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		buf[--len] = '\0';
	line = strrchr(buf, '\n');
	line = line ? line + 1 : buf;
	if (strncmp(line, "handoffctl: ", 12) == 0)
		line += 12;
	if ((end = strchr(line, '\r')))
		*end = '\0';
	set_status(cs, true, "%s", line);
}

/* ---------------------------------------------------------------- commands */

/* Sends one command about incident id; the reply (or why there is none)
 * lands in the status line. */
static void send_command(struct console *cs, Handoff__V1__CommandKind kind, const char *verb,
			 const char *id, const char *callsign, const char *note)
{
	Handoff__V1__Request req;
	Handoff__V1__Command cmd;
	Handoff__V1__Reply *reply = NULL;
	char key[96], rid[48];
	struct timespec ts;

	set_status(cs, false, "%s %s: sending...", verb, id);
	clock_gettime(CLOCK_REALTIME, &ts);
	cs->n_requests++;
	/* A fresh key per command: two presses of `a` are two commands. */
	snprintf(key, sizeof key, "console-%ld-%ld.%09ld-%lu", (long)getpid(), (long)ts.tv_sec,
		 ts.tv_nsec, cs->n_requests);
	snprintf(rid, sizeof rid, "console-%lu", cs->n_requests);
	handoff__v1__request__init(&req);
	handoff__v1__command__init(&cmd);
	cmd.kind = kind;
	cmd.incident_id = (char *)id;
	cmd.callsign = (char *)(callsign ? callsign : "");
	cmd.note = (char *)(note ? note : "");
	req.request_id = rid;
	req.idempotency_key = key;
	req.body_case = HANDOFF__V1__REQUEST__BODY_COMMAND;
	req.command = &cmd;
	if (ctl_request(cs->ctl, &req, &reply) != 0) {
		drain_stderr(cs);
		return;
	}
	if (reply->code == HANDOFF__V1__REPLY_CODE__REPLY_CODE_OK)
		set_status(cs, false, "%s %s: OK %s", verb, id, reply->message);
	else
		set_status(cs, true, "%s %s refused: %s", verb, id, reply->message);
	handoff__v1__reply__free_unpacked(reply, NULL);
}

static void open_prompt(struct console *cs, enum prompt_kind kind, const char *text)
{
	const Handoff__V1__Incident *inc = selected(cs);

	if (!inc) {
		set_status(cs, true, "no incident selected");
		return;
	}
	cs->prompt.kind = kind;
	cs->prompt.hint = NULL;
	snprintf(cs->prompt.id, sizeof cs->prompt.id, "%s", inc->id);
	snprintf(cs->prompt.text, sizeof cs->prompt.text, "%s", text);
	cs->dirty = true;
}

/* Enter in a prompt: sends its command (or says what is missing). */
static void submit_prompt(struct console *cs)
{
	const char *text = cs->prompt.text;
	enum prompt_kind kind = cs->prompt.kind;

	if (kind == PROMPT_ASSIGN && !text[0]) {
		cs->prompt.hint = "assign needs a callsign";
		return;
	}
	if (kind == PROMPT_CANCEL && !text[0]) {
		cs->prompt.hint = "cancel needs a reason";
		return;
	}
	cs->prompt.kind = PROMPT_NONE;
	curs_set(0);
	if (kind == PROMPT_ASSIGN)
		send_command(cs, HANDOFF__V1__COMMAND_KIND__COMMAND_KIND_ASSIGN, "assign",
			     cs->prompt.id, text, NULL);
	else if (kind == PROMPT_RESOLVE)
		send_command(cs, HANDOFF__V1__COMMAND_KIND__COMMAND_KIND_RESOLVE, "resolve",
			     cs->prompt.id, NULL, text);
	else if (kind == PROMPT_CANCEL)
		send_command(cs, HANDOFF__V1__COMMAND_KIND__COMMAND_KIND_CANCEL, "cancel",
			     cs->prompt.id, NULL, text);
}

/* A key while a prompt is open: edit, Enter sends, Esc gives up. */
static void prompt_key(struct console *cs, int ch)
{
	char *t = cs->prompt.text;
	size_t len = strlen(t);

	cs->dirty = true;
	switch (ch) {
	case '\n':
	case '\r':
	case KEY_ENTER:
		submit_prompt(cs);
		break;
	case 27: /* Esc */
		cs->prompt.kind = PROMPT_NONE;
		curs_set(0);
		set_status(cs, false, "nothing sent");
		break;
	case KEY_BACKSPACE:
	case 127:
	case 8:
		/* One character: a UTF-8 sequence's continuation bytes too. */
		while (len && ((unsigned char)t[len - 1] & 0xC0) == 0x80)
			t[--len] = '\0';
		if (len)
			t[--len] = '\0';
		break;
	case 21: /* Ctrl-U */
		t[0] = '\0';
		break;
	default:
		if (ch >= 0x20 && ch <= 0xff && ch != 0x7f && len + 1 < sizeof cs->prompt.text) {
			t[len] = (char)ch;
			t[len + 1] = '\0';
		}
		break;
	}
}

static void move_selection(struct console *cs, long by)
{
	long i = cs->sel + by;

	if (!cs->incs.n)
		return;
	if (i < 0)
		i = 0;
	if (i >= (long)cs->incs.n)
		i = (long)cs->incs.n - 1;
	cs->sel = i;
	snprintf(cs->selected, sizeof cs->selected, "%s", cs->incs.v[i]->id);
	cs->dirty = true;
}

/* Handles every key waiting. Returns false on q. */
static bool keys(struct console *cs)
{
	struct ctl_panes panes;
	int ch;

	ctl_layout_panes(&panes, LINES);
	while ((ch = getch()) != ERR) {
		const Handoff__V1__Incident *inc = selected(cs);

		if (ch == KEY_RESIZE) {
			cs->dirty = true;
			continue;
		}
		if (cs->prompt.kind != PROMPT_NONE) {
			prompt_key(cs, ch);
			continue;
		}
		cs->dirty = true;
		switch (ch) {
		case 'q':
		case 'Q':
			return false;
		case KEY_UP:
		case 'k':
			move_selection(cs, -1);
			break;
		case KEY_DOWN:
		case 'j':
			move_selection(cs, 1);
			break;
		case KEY_PPAGE:
			move_selection(cs, -(panes.list_rows > 1 ? panes.list_rows - 1 : 1));
			break;
		case KEY_NPAGE:
		case ' ':
			move_selection(cs, panes.list_rows > 1 ? panes.list_rows - 1 : 1);
			break;
		case KEY_HOME:
		case 'g':
			move_selection(cs, -(long)cs->incs.n);
			break;
		case KEY_END:
		case 'G':
			move_selection(cs, (long)cs->incs.n);
			break;
		case 'a':
			if (inc)
				send_command(cs, HANDOFF__V1__COMMAND_KIND__COMMAND_KIND_ACK, "ack",
					     inc->id, NULL, NULL);
			else
				set_status(cs, true, "no incident selected");
			break;
		case 's':
			open_prompt(cs, PROMPT_ASSIGN, inc ? ctl_default_assignee(inc) : "");
			break;
		case 'r':
			open_prompt(cs, PROMPT_RESOLVE, "");
			break;
		case 'c':
			open_prompt(cs, PROMPT_CANCEL, "");
			break;
		case 12: /* Ctrl-L */
			clearok(curscr, TRUE);
			break;
		default:
			break;
		}
	}
	return true;
}

/* ---------------------------------------------------------------- drawing */

static chtype severity_attr(Handoff__V1__Severity s)
{
	if (!has_colors())
		return s >= HANDOFF__V1__SEVERITY__SEVERITY_HIGH ? A_BOLD : A_NORMAL;
	switch (s) {
	case HANDOFF__V1__SEVERITY__SEVERITY_CRITICAL: return COLOR_PAIR(PAIR_CRITICAL) | A_BOLD;
	case HANDOFF__V1__SEVERITY__SEVERITY_HIGH: return COLOR_PAIR(PAIR_HIGH) | A_BOLD;
	case HANDOFF__V1__SEVERITY__SEVERITY_WARNING: return COLOR_PAIR(PAIR_WARNING);
	case HANDOFF__V1__SEVERITY__SEVERITY_INFO: return COLOR_PAIR(PAIR_INFO);
	default: return A_NORMAL;
	}
}

static chtype pair(int p)
{
	return has_colors() ? COLOR_PAIR(p) : A_NORMAL;
}

/* Writes text fitted to exactly width columns at (y, x) with attr. */
static void put(int y, int x, int width, chtype attr, const char *text)
{
	char fitted[4 * 512 + 1];

	if (width <= 0 || y < 0 || y >= LINES)
		return;
	if (width > 512)
		width = 512;
	ctl_fit(fitted, sizeof fitted, text, width);
	attrset(attr);
	mvaddstr(y, x, fitted);
	attrset(A_NORMAL);
}

static void draw_header(struct console *cs, int64_t now)
{
	const struct ctl_follow *f = &cs->follow;
	char text[512], t[16];
	size_t up = 0;

	for (size_t i = 0; i < cs->n_links; i++)
		up += cs->links[i].up;
	snprintf(text, sizeof text, " handoff %s | %s | %zu open | links %zu/%zu up",
		 cs->gateway[0] ? cs->gateway : "?",
		 !f->synced   ? "NOT SYNCED"
		 : f->silent  ? "NO WORD FROM GATEWAY"
			      : "live",
		 cs->incs.n, up, cs->n_links);
	for (size_t i = 0; i < cs->n_links; i++)
		snprintf(text + strlen(text), sizeof text - strlen(text), "%s%s %s",
			 i ? ", " : ": ", cs->links[i].adapter, cs->links[i].up ? "up" : "DOWN");
	if (cs->journal_failing)
		snprintf(text + strlen(text), sizeof text - strlen(text), " | JOURNAL FAILING");
	/* The clock keeps the right end: " 10:02:03Z " is 11 columns. */
	put(0, 0, COLS - 11, pair(PAIR_BAR) | A_BOLD, text);
	snprintf(text, sizeof text, " %s ", ctl_clock(now, t, sizeof t));
	put(0, COLS > 11 ? COLS - 11 : 0, COLS < 11 ? COLS : 11, pair(PAIR_BAR) | A_BOLD, text);
}

static void draw_list(struct console *cs, const struct ctl_layout *l,
		      const struct ctl_panes *p, int64_t now)
{
	char row[4 * 1024 + 1];

	ctl_row(NULL, l, now, row, sizeof row);
	put(1, 0, COLS, A_BOLD | A_UNDERLINE, row);
	if (!p->list_rows)
		return;
	if (cs->sel < cs->top)
		cs->top = cs->sel;
	if (cs->sel >= cs->top + p->list_rows)
		cs->top = cs->sel - p->list_rows + 1;
	if (cs->top > 0 && cs->top + p->list_rows > (long)cs->incs.n)
		cs->top = (long)cs->incs.n > p->list_rows ? (long)cs->incs.n - p->list_rows : 0;
	if (!cs->incs.n) {
		put(p->list_top, 0, COLS, A_DIM,
		    cs->follow.synced ? " No open incidents." : " Waiting for the gateway...");
		return;
	}
	for (int r = 0; r < p->list_rows; r++) {
		long i = cs->top + r;
		const Handoff__V1__Incident *inc;
		chtype attr;

		if (i >= (long)cs->incs.n)
			break;
		inc = cs->incs.v[i];
		attr = severity_attr(inc->severity);
		if (inc->state == HANDOFF__V1__INCIDENT_STATE__INCIDENT_STATE_RAISED)
			attr |= A_BOLD;
		if (i == cs->sel)
			attr |= A_REVERSE;
		ctl_row(inc, l, now, row, sizeof row);
		put(p->list_top + r, 0, COLS, attr, row);
	}
	if (cs->top + p->list_rows < (long)cs->incs.n) {
		snprintf(row, sizeof row, " +%ld more ", (long)cs->incs.n - cs->top - p->list_rows);
		put(p->list_top + p->list_rows - 1, COLS - (int)strlen(row), (int)strlen(row),
		    A_REVERSE, row);
	}
}

static void draw_detail(struct console *cs, const struct ctl_panes *p, int64_t now)
{
	static char lines[64][CTL_LINE_MAX];
	const Handoff__V1__Incident *inc = selected(cs);
	int max = p->detail_rows - 1, n;
	char title[128];

	if (p->detail_rows < 1)
		return;
	for (int x = 0; x < COLS; x++)
		put(p->detail_top, x, 1, A_DIM, cs->utf8 ? "\u2500" : "-");
	snprintf(title, sizeof title, " %s ", inc ? inc->id : "details");
	put(p->detail_top, 2, (int)strlen(title), A_BOLD, title);
	if (!inc || max <= 0)
		return;
	if (max > 64)
		max = 64;
	n = ctl_detail(inc, now, COLS, lines, max);
	/* Notices about the incident's PCSO, in the room left. */
	for (size_t i = 0; i < cs->n_notices && n < max; i++) {
		char text[400];

		if (!inc->subject || !inc->subject->unit_id[0] ||
		    strcmp(cs->notices[i].unit_id, inc->subject->unit_id) != 0)
			continue;
		snprintf(text, sizeof text, "Notice %s", cs->notices[i].text);
		ctl_wrap(text, COLS, lines, &n, max);
	}
	for (int i = 0; i < n; i++)
		put(p->detail_top + 1 + i, 0, COLS, i == 0 ? severity_attr(inc->severity) : A_NORMAL,
		    lines[i]);
}

static void draw_notices(struct console *cs, const struct ctl_panes *p)
{
	for (int r = 0; r < p->notice_rows; r++) {
		if ((size_t)r >= cs->n_notices) {
			if (r == 0)
				put(p->notice_top, 0, COLS, A_DIM, "No notices yet.");
			break;
		}
		put(p->notice_top + r, 0, COLS, severity_attr(cs->notices[r].severity),
		    cs->notices[r].text);
	}
}

static void draw_bottom(struct console *cs, const struct ctl_panes *p)
{
	static const char *const verbs[] = {
		[PROMPT_ASSIGN] = "Assign",
		[PROMPT_RESOLVE] = "Resolve",
		[PROMPT_CANCEL] = "Cancel",
	};
	static const char *const asks[] = {
		[PROMPT_ASSIGN] = "to callsign",
		[PROMPT_RESOLVE] = "outcome",
		[PROMPT_CANCEL] = "reason",
	};
	char text[512];

	if (cs->prompt.kind != PROMPT_NONE) {
		int at;

		snprintf(text, sizeof text, "%s %s, %s: %s", verbs[cs->prompt.kind], cs->prompt.id,
			 asks[cs->prompt.kind], cs->prompt.text);
		put(p->status_row, 0, COLS, A_BOLD, text);
		/* The cursor goes after the text (one column per character). */
		at = 0;
		for (const char *s = text; *s; s++)
			at += ((unsigned char)*s & 0xC0) != 0x80;
		snprintf(text, sizeof text, " %s%sEnter send   Esc give up   Backspace/Ctrl-U edit",
			 cs->prompt.hint ? cs->prompt.hint : "", cs->prompt.hint ? " -- " : "");
		put(p->footer_row, 0, COLS - 1, A_REVERSE, text);
		curs_set(1);
		move(p->status_row, at < COLS ? at : COLS - 1);
		return;
	}
	put(p->status_row, 0, COLS, cs->status_bad ? pair(PAIR_BAD) | A_BOLD : pair(PAIR_GOOD),
	    cs->status);
	put(p->footer_row, 0, COLS - 1, A_REVERSE,
	    COLS >= 78 ? " Up/Down j/k select   a acknowledge   s assign   r resolve   c cancel"
			 "   q quit"
		       : " j/k select a ack s assign r resolve c cancel q quit");
}

static void draw(struct console *cs)
{
	int64_t now = ctl_wall_ms();
	struct ctl_layout l;
	struct ctl_panes p;

	erase();
	if (COLS < 20 || LINES < 3) {
		put(0, 0, COLS, A_BOLD, "terminal too small");
		refresh();
		return;
	}
	ctl_layout_columns(&l, COLS);
	ctl_layout_panes(&p, LINES);
	draw_header(cs, now);
	draw_list(cs, &l, &p, now);
	draw_detail(cs, &p, now);
	draw_notices(cs, &p);
	draw_bottom(cs, &p);
	refresh();
	cs->dirty = false;
}

/* ---------------------------------------------------------------- the run */

/* Sends stderr into a non-blocking pipe for the status line. */
static int capture_stderr(struct console *cs)
{
	int fds[2];

	fflush(stderr);
	if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0)
		return -errno;
	cs->saved_err = dup(STDERR_FILENO);
	if (cs->saved_err < 0 || dup2(fds[1], STDERR_FILENO) < 0) {
		int err = -errno;

		close(fds[0]);
		close(fds[1]);
		if (cs->saved_err >= 0)
			close(cs->saved_err);
		return err;
	}
	close(fds[1]);
	cs->err_pipe = fds[0];
	return 0;
}

static void restore_stderr(struct console *cs)
{
	fflush(stderr);
	dup2(cs->saved_err, STDERR_FILENO);
	close(cs->saved_err);
	close(cs->err_pipe);
}

static void start_colours(void)
{
	if (!has_colors())
		return;
	start_color();
	use_default_colors();
	init_pair(PAIR_CRITICAL, COLOR_RED, -1);
	init_pair(PAIR_HIGH, COLOR_YELLOW, -1);
	init_pair(PAIR_WARNING, COLOR_YELLOW, -1);
	init_pair(PAIR_INFO, COLOR_CYAN, -1);
	init_pair(PAIR_BAR, COLOR_WHITE, COLOR_BLUE);
	init_pair(PAIR_GOOD, COLOR_GREEN, -1);
	init_pair(PAIR_BAD, COLOR_RED, -1);
}

/* Milliseconds until the loop must wake: the next second boundary (clock and
 * countdowns), or sooner for a pending redraw. */
static int wake_in(const struct console *cs, int64_t last_draw)
{
	int64_t now = ctl_wall_ms();
	int ms = (int)(1000 - now % 1000) + 2;

	if (cs->dirty) {
		int64_t left = DRAW_MIN_MS - (ctl_mono_ms() - last_draw);

		if (left < ms)
			ms = left < 0 ? 0 : (int)left;
	}
	return ms;
}

int ctl_console(const struct ctl *ctl)
{
	static const struct ctl_follow_ops ops = {
		.snapshot = on_snapshot,
		.publication = on_publication,
		.say = on_say,
	};
	struct console *cs = calloc(1, sizeof *cs);
	struct ctl follow_ctl = *ctl;
	struct sigaction sa = { .sa_handler = on_signal };
	SCREEN *screen;
	const char *cup;
	int64_t last_draw = 0, last_tick = ctl_mono_ms(), last_second = 0;
	int rc = 0;

	if (!cs)
		return 1;
	setlocale(LC_ALL, "");
	/* Our handlers first: ncurses then leaves SIGINT and SIGTERM to us, and
	 * the loop ends through endwin(). No SA_RESTART: the poll wakes. */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	screen = newterm(NULL, stdout, stdin);
	if (!screen) {
		free(cs);
		return -ENOTTY;
	}
	set_term(screen);
	cup = tigetstr("cup");
	if (!cup || cup == (char *)-1) {
		/* A terminal that cannot place the cursor (TERM=dumb): no screen. */
		endwin();
		delscreen(screen);
		free(cs);
		return -ENOTTY;
	}
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(50);
	curs_set(0);
	start_colours();
	cs->ctl = ctl;
	cs->utf8 = strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
	cs->err_pipe = cs->saved_err = -1;
	ctl_incidents_init(&cs->incs);
	snprintf(cs->status, sizeof cs->status, "Connecting to %s...", ctl->cfg->endpoints.command);
	draw(cs);
	if (capture_stderr(cs) != 0) {
		endwin();
		delscreen(screen);
		free(cs);
		fprintf(stderr, "handoffctl: cannot redirect stderr for the console\n");
		return 1;
	}
	/* Snapshots while the gateway is away must not freeze the keys for long. */
	if (follow_ctl.timeout_ms > 2000)
		follow_ctl.timeout_ms = 2000;
	if (ctl_follow_start(&cs->follow, &follow_ctl, false, &ops, cs) != 0) {
		rc = 1;
		goto out;
	}
	drain_stderr(cs);
	draw(cs);
	last_draw = ctl_mono_ms();
	while (!interrupted) {
		zmq_pollitem_t items[2] = {
			{ .socket = cs->follow.sub, .events = ZMQ_POLLIN },
			{ .fd = STDIN_FILENO, .events = ZMQ_POLLIN },
		};
		int n = zmq_poll(items, 2, wake_in(cs, last_draw));
		bool keyed = false;
		int64_t second;

		if (n < 0 && zmq_errno() != EINTR) {
			set_status(cs, true, "poll: %s", zmq_strerror(zmq_errno()));
			rc = 1;
			break;
		}
		if (n > 0 && (items[1].revents & ZMQ_POLLERR))
			break; /* the terminal hung up: nobody to show anything to */
		if (n > 0 && (items[0].revents & ZMQ_POLLIN))
			ctl_follow_pump(&cs->follow);
		/* A key, or an interrupted poll (SIGWINCH: ncurses queues KEY_RESIZE). */
		if (n < 0 || (n > 0 && (items[1].revents & ZMQ_POLLIN))) {
			if (!keys(cs))
				break;
			keyed = true;
		}
		if (ctl_mono_ms() - last_tick >= 1000) {
			ctl_follow_tick(&cs->follow);
			last_tick = ctl_mono_ms();
		}
		drain_stderr(cs);
		second = ctl_wall_ms() / 1000;
		if (keyed || second != last_second ||
		    (cs->dirty && ctl_mono_ms() - last_draw >= DRAW_MIN_MS)) {
			draw(cs);
			last_draw = ctl_mono_ms();
			last_second = second;
		}
	}
out:
	ctl_follow_stop(&cs->follow);
	endwin();
	delscreen(screen);
	drain_stderr(cs);
	restore_stderr(cs);
	ctl_incidents_finish(&cs->incs);
	free(cs);
	return rc;
}
