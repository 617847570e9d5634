/*
 * scenario.c - handoff-sim's scenario scripts: a YAML file of timed steps
 * (README "Scenarios"), parsed with libfyaml so every problem is reported at
 * its LINE:COL, all of them at once, like the config.
 *
 *   name: detention, nobody accepts
 *   start: "10:00"                # the clock at t=0 (optional)
 *   steps:
 *     - at: "10:02"               # or at_s: 120 (seconds after t=0)
 *       unit: pcso-7
 *       status: detention_started # a status_map meaning, or a code 0-65535
 *
 * One action per step (status, emergency, move_to, lip_reason,
 * stop_reporting, resume_reporting), optionally with a `say:` narration; a
 * step may also be only a `say:`. Steps run in time order (equal times in
 * file order).
 *
 * Like the config loader, the text is checked before libfyaml sees it (UTF-8,
 * no control characters, no "? " explicit keys: libfyaml 0.7.12 crashes on
 * some) and the tree before any scalar is formatted (at most 16 lines per
 * value; no run of '' escapes in a single-quoted value). These checks are
 * copies of gateway/config.c's static ones. Aliases are refused.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <libfyaml.h>

#include "geo.h"
#include "sim.h"
#include "yaml.h"

#define DIAG_MAX 1000 /* as config.c: the last entry may say "too many" */

struct pos {
	int line, col;
};

struct ctx {
	const char *buf;
	size_t len;
	const struct hf_config *cfg;
	struct hf_diag *diag;
	struct sim_scenario *sc;
	size_t errors;
	bool nomem;
};

static void problem(struct ctx *c, struct pos at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void problem(struct ctx *c, struct pos at, const char *fmt, ...)
{
	char msg[sizeof(((struct hf_diag_entry *)0)->msg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	c->errors++;
	hf_diag_add(c->diag, at.line, at.col, "%s", msg);
}

/* ----------------------------------------------------------------------------
 * Positions and scalars
 * ------------------------------------------------------------------------- */

/* Where a node starts, 1-based (hf_yaml_node_pos). */
static struct pos pos_of(struct fy_node *n)
{
	struct pos p;

	hf_yaml_node_pos(n, &p.line, &p.col);
	return p;
}

static bool is_null(struct fy_node *n)
{
	return hf_yaml_is_null(n);
}

/* A scalar (not an alias, not null) as a NUL-terminated string of at most
 * size - 1 bytes; otherwise a problem naming what. */
static bool get_string(struct ctx *c, struct fy_node *v, const char *key, char *out, size_t size)
{
	const char *s;
	size_t len;

	if (is_null(v)) {
		problem(c, pos_of(v), "%s needs a value", key);
		return false;
	}
	if (fy_node_get_type(v) != FYNT_SCALAR || fy_node_is_alias(v)) {
		problem(c, pos_of(v), "%s must be a %s", key,
			fy_node_is_alias(v) ? "value (aliases are not supported)" : "single value");
		return false;
	}
	s = hf_yaml_text(v, &len);
	if (len >= size || memchr(s, '\0', len)) {
		problem(c, pos_of(v), "%s is longer than %zu bytes", key, size - 1);
		return false;
	}
	memcpy(out, s, len);
	out[len] = '\0';
	return true;
}

/* A plain decimal number in [min, max]; integer: no fraction. */
static bool get_number(struct ctx *c, struct fy_node *v, const char *key, double min, double max,
		       bool integer, double *out)
{
	double x;

	if (is_null(v)) {
		problem(c, pos_of(v), "%s needs a value", key);
		return false;
	}
	if (fy_node_get_type(v) != FYNT_SCALAR || fy_node_is_alias(v) ||
	    hf_yaml_scalar_number(v, &x) != 0) {
		size_t len = 0;
		const char *s = fy_node_get_type(v) == FYNT_SCALAR ? hf_yaml_text(v, &len) : "";

		problem(c, pos_of(v), "%s must be a number, got %s", key,
			fy_node_get_type(v) == FYNT_SCALAR ? hf_yaml_quote(s, len).s :
							    "a list or mapping");
		return false;
	}
	if (x < min || x > max || (integer && x != floor(x))) {
		problem(c, pos_of(v), "%s must be %s from %g to %g, got %g", key,
			integer ? "a whole number" : "a number", min, max, x);
		return false;
	}
	*out = x;
	return true;
}

/* `true`, the only value of the flag actions. */
static bool get_true(struct ctx *c, struct fy_node *v, const char *key)
{
	size_t len;
	const char *s = fy_node_get_type(v) == FYNT_SCALAR && !fy_node_is_alias(v) &&
				hf_yaml_is_plain(v) ? hf_yaml_text(v, &len) : NULL;

	if (s && len == 4 && memcmp(s, "true", 4) == 0)
		return true;
	problem(c, pos_of(v), "%s takes only the value true", key);
	return false;
}

/* "HH:MM" or "HH:MM:SS" as seconds after midnight, or -1. */
static int parse_clock(const char *s)
{
	unsigned h, m, sec = 0;
	int n = 0;

	if (sscanf(s, "%2u:%2u%n", &h, &m, &n) != 2 || n != 5)
		return -1;
	if (s[n] == ':') {
		int k = 0;

		if (sscanf(s + n, ":%2u%n", &sec, &k) != 1 || k != 3)
			return -1;
		n += k;
	}
	if (s[n] || h > 23 || m > 59 || sec > 59)
		return -1;
	return (int)(h * 3600 + m * 60 + sec);
}

void sim_clock_format(double s, char *buf, size_t size)
{
	long t = (long)floor(s);

	snprintf(buf, size, "%02ld:%02ld:%02ld", t / 3600 % 24, t / 60 % 60, t % 60);
}

/* ----------------------------------------------------------------------------
 * Steps
 * ------------------------------------------------------------------------- */

static const char *const step_keys[] = {
	"at", "at_s", "unit", "say", "status", "emergency", "move_to", "lip_reason",
	"stop_reporting", "resume_reporting",
};
#define FIRST_ACTION 4 /* step_keys from here are actions */

static void read_status(struct ctx *c, struct fy_node *v, struct sim_step *st)
{
	double code;
	int k;

	st->action = SIM_STATUS;
	if (fy_node_get_type(v) == FYNT_SCALAR && hf_yaml_is_plain(v) &&
	    hf_yaml_scalar_number(v, &code) == 0) {
		if (get_number(c, v, "status", 0, 65535, true, &code))
			st->status = (uint16_t)code;
		return;
	}
	if (!get_string(c, v, "status", st->meaning, sizeof st->meaning))
		return;
	k = c->cfg ? hf_config_status_code(c->cfg, st->meaning)
		   : strcmp(st->meaning, "emergency") == 0 ? 0 : -1;
	if (k < 0)
		problem(c, pos_of(v), "status meaning %s is not in the config's status_map "
			"(or write a status code, 0-65535)",
			hf_yaml_quote(st->meaning, strlen(st->meaning)).s);
	else
		st->status = (uint16_t)k;
}

static void read_move_to(struct ctx *c, struct fy_node *v, struct sim_step *st)
{
	struct fy_node *item;
	void *it = NULL;
	double ll[2];
	int n = 0;

	st->action = SIM_MOVE_TO;
	if (fy_node_get_type(v) == FYNT_SCALAR && !is_null(v)) {
		if (get_string(c, v, "move_to", st->to_unit, sizeof st->to_unit)) {
			struct pos p = pos_of(v);

			st->to_line = p.line;
			st->to_col = p.col;
		}
		return;
	}
	if (fy_node_get_type(v) != FYNT_SEQUENCE || fy_node_sequence_item_count(v) != 2) {
		problem(c, pos_of(v), "move_to must be [latitude, longitude] or a unit id");
		return;
	}
	while ((item = fy_node_sequence_iterate(v, &it)) && n < 2) {
		if (!get_number(c, item, n ? "longitude" : "latitude", n ? -180 : -90, n ? 180 : 90,
				false, &ll[n]))
			return;
		n++;
	}
	st->lat = ll[0];
	st->lon = ll[1];
}

static void read_action(struct ctx *c, size_t k, struct fy_node *v, struct sim_step *st)
{
	double x;

	switch (k) {
	case 4:
		read_status(c, v, st);
		break;
	case 5:
		st->action = SIM_EMERGENCY;
		get_true(c, v, "emergency");
		break;
	case 6:
		read_move_to(c, v, st);
		break;
	case 7:
		st->action = SIM_LIP_REASON;
		if (get_number(c, v, "lip_reason", 0, 255, true, &x))
			st->lip_reason = (uint8_t)x;
		break;
	case 8:
		st->action = SIM_STOP_REPORTING;
		get_true(c, v, "stop_reporting");
		break;
	case 9:
		st->action = SIM_RESUME_REPORTING;
		get_true(c, v, "resume_reporting");
		break;
	}
}

static void read_step(struct ctx *c, struct fy_node *n, struct sim_step *st)
{
	struct fy_node *seen[HF_ARRAY_SIZE(step_keys)] = { 0 };
	struct fy_node *action_key = NULL;
	struct fy_node_pair *pair;
	void *it = NULL;
	size_t action = 0;
	char clock[16];

	st->line = pos_of(n).line;
	if (fy_node_get_type(n) != FYNT_MAPPING) {
		problem(c, pos_of(n), "a step must be a mapping (at:, unit:, an action)");
		return;
	}
	while ((pair = fy_node_mapping_iterate(n, &it))) {
		struct fy_node *k = fy_node_pair_key(pair);
		const char *s;
		size_t len, i;

		if (!k || fy_node_get_type(k) != FYNT_SCALAR || fy_node_is_alias(k)) {
			problem(c, pos_of(k ? k : n), "step keys must be plain names");
			continue;
		}
		s = hf_yaml_text(k, &len);
		for (i = 0; i < HF_ARRAY_SIZE(step_keys); i++)
			if (len == strlen(step_keys[i]) && memcmp(s, step_keys[i], len) == 0)
				break;
		if (i == HF_ARRAY_SIZE(step_keys)) {
			problem(c, pos_of(k), "unknown step key %s (known: at, at_s, unit, say, "
				"status, emergency, move_to, lip_reason, stop_reporting, "
				"resume_reporting)", hf_yaml_quote(s, len).s);
			continue;
		}
		seen[i] = fy_node_pair_value(pair);
		if (!seen[i])
			seen[i] = k; /* placed at the key if it has no value node */
		if (i >= FIRST_ACTION) {
			if (action_key) {
				problem(c, pos_of(k), "one action per step: %s and %s; make two "
					"steps at the same time", step_keys[action], step_keys[i]);
				continue;
			}
			action = i;
			action_key = k;
		}
	}
	/* time */
	if (seen[0] && seen[1]) {
		problem(c, pos_of(seen[1]), "a step has at: or at_s:, not both");
	} else if (seen[1]) {
		get_number(c, seen[1], "at_s", 0, SIM_SCENARIO_AT_MAX, false, &st->at_s);
	} else if (seen[0]) {
		if (get_string(c, seen[0], "at", clock, sizeof clock)) {
			int t = parse_clock(clock);

			if (t < 0)
				problem(c, pos_of(seen[0]), "at must be a time \"HH:MM\" or "
					"\"HH:MM:SS\", got %s", hf_yaml_quote(clock, strlen(clock)).s);
			else if (c->sc->start_s < 0)
				problem(c, pos_of(seen[0]), "at: is a clock time, so the scenario "
					"needs start: (the clock at t=0); or use at_s:");
			else if (t < c->sc->start_s)
				problem(c, pos_of(seen[0]), "at %s is before start", clock);
			else
				st->at_s = t - c->sc->start_s;
		}
	} else {
		problem(c, pos_of(n), "a step needs at: (a clock time) or at_s: (seconds after "
			"the start)");
	}
	if (seen[3])
		get_string(c, seen[3], "say", st->say, sizeof st->say);
	if (seen[2] && get_string(c, seen[2], "unit", st->unit, sizeof st->unit)) {
		struct pos p = pos_of(seen[2]);

		st->unit_line = p.line;
		st->unit_col = p.col;
	}
	if (action_key) {
		read_action(c, action, seen[action], st);
		if (!seen[2])
			problem(c, pos_of(action_key), "%s needs unit: (whose radio)",
				step_keys[action]);
	} else if (seen[3]) {
		st->action = SIM_SAY;
		if (seen[2])
			problem(c, pos_of(seen[2]), "unit: without an action (status, emergency, "
				"move_to, lip_reason, stop_reporting, resume_reporting)");
	} else {
		problem(c, pos_of(n), "a step needs an action (status, emergency, move_to, "
			"lip_reason, stop_reporting, resume_reporting) or say:");
	}
}

static int by_time(const void *a, const void *b)
{
	const struct sim_step *x = a, *y = b;

	if (x->at_s != y->at_s)
		return x->at_s < y->at_s ? -1 : 1;
	return (x->line > y->line) - (x->line < y->line);
}

static void read_steps(struct ctx *c, struct fy_node *v)
{
	struct fy_node *item;
	void *it = NULL;
	int n;

	if (fy_node_get_type(v) != FYNT_SEQUENCE || (n = fy_node_sequence_item_count(v)) < 1) {
		problem(c, pos_of(v), "steps must be a list of at least one step");
		return;
	}
	if (n > SIM_SCENARIO_STEPS_MAX) {
		problem(c, pos_of(v), "at most %d steps", SIM_SCENARIO_STEPS_MAX);
		return;
	}
	c->sc->steps = calloc((size_t)n, sizeof *c->sc->steps);
	if (!c->sc->steps) {
		c->nomem = true;
		c->errors++;
		return;
	}
	while ((item = fy_node_sequence_iterate(v, &it)))
		read_step(c, item, &c->sc->steps[c->sc->n_steps++]);
	qsort(c->sc->steps, c->sc->n_steps, sizeof *c->sc->steps, by_time);
}

static void read_top(struct ctx *c, struct fy_node *root)
{
	static const char *const keys[] = { "name", "description", "start", "steps" };
	struct fy_node *seen[HF_ARRAY_SIZE(keys)] = { 0 };
	struct fy_node_pair *pair;
	void *it = NULL;
	char buf[16];

	if (!root || fy_node_get_type(root) != FYNT_MAPPING) {
		problem(c, root ? pos_of(root) : (struct pos){ 1, 1 },
			"a scenario is a mapping with name:, start: and steps:");
		return;
	}
	while ((pair = fy_node_mapping_iterate(root, &it))) {
		struct fy_node *k = fy_node_pair_key(pair);
		const char *s;
		size_t len, i;

		if (!k || fy_node_get_type(k) != FYNT_SCALAR || fy_node_is_alias(k)) {
			problem(c, pos_of(k ? k : root), "keys must be plain names");
			continue;
		}
		s = hf_yaml_text(k, &len);
		for (i = 0; i < HF_ARRAY_SIZE(keys); i++)
			if (len == strlen(keys[i]) && memcmp(s, keys[i], len) == 0)
				break;
		if (i == HF_ARRAY_SIZE(keys)) {
			problem(c, pos_of(k), "unknown key %s (known: name, description, start, "
				"steps)", hf_yaml_quote(s, len).s);
			continue;
		}
		seen[i] = fy_node_pair_value(pair) ? fy_node_pair_value(pair) : k;
	}
	if (seen[0])
		get_string(c, seen[0], "name", c->sc->name, sizeof c->sc->name);
	if (seen[2] && get_string(c, seen[2], "start", buf, sizeof buf)) {
		c->sc->start_s = parse_clock(buf);
		if (c->sc->start_s < 0)
			problem(c, pos_of(seen[2]), "start must be a time \"HH:MM\" or \"HH:MM:SS\" "
				"(UTC), got %s", hf_yaml_quote(buf, strlen(buf)).s);
		if (c->sc->start_s < 0)
			c->sc->start_s = 0; /* reported once, not again at every at: */
	}
	if (!seen[3])
		problem(c, pos_of(root), "a scenario needs steps:");
	else
		read_steps(c, seen[3]);
}

/* ----------------------------------------------------------------------------
 * Text checks: the shared ones (gateway/yaml.h) report here
 * ------------------------------------------------------------------------- */

static void report(void *ctx, int line, int col, const char *msg)
{
	problem(ctx, (struct pos){ line, col }, "%s", msg);
}

/* ----------------------------------------------------------------------------
 * Entry points
 * ------------------------------------------------------------------------- */

int sim_scenario_parse(const char *name, const char *buf, size_t len,
		       const struct hf_config *cfg, struct sim_scenario **out, struct hf_diag *diag)
{
	struct ctx c = { .buf = buf, .len = len, .cfg = cfg, .diag = diag };
	struct hf_yaml_doc y = { 0 };
	size_t first = diag ? diag->n : 0;
	int xline, xcol;

	*out = NULL;
	if (diag)
		hf_strlcpy(diag->file, name, sizeof diag->file);
	if (!(c.sc = calloc(1, sizeof *c.sc))) {
		hf_diag_add(diag, 0, 0, "out of memory");
		return -ENOMEM;
	}
	c.sc->start_s = -1;
	struct hf_yaml_checks k = { .report = report, .ctx = &c, .what = "a scenario",
				    .value = "a scenario value", .buf = buf, .len = len,
				    .refuse_aliases = true };

	if (len > SIM_SCENARIO_FILE_MAX) {
		problem(&c, (struct pos){ 0, 0 }, "a scenario is at most %d bytes",
			SIM_SCENARIO_FILE_MAX);
	} else if (!hf_yaml_check_text(&k)) {
		/* reported */
	} else if (hf_yaml_find_explicit_key(buf, len, &xline, &xcol)) {
		problem(&c, (struct pos){ xline, xcol }, "explicit mapping keys (\"? \") are not "
			"used in a scenario: write key: value");
	} else if (hf_yaml_parse(&y, buf, len) != 0) {
		c.nomem = true;
		c.errors++;
	} else {
		if (y.extra)
			problem(&c, (struct pos){ y.extra_line, y.extra_col }, "a second YAML "
				"document starts here; a scenario is one document");
		if (fy_diag_got_error(y.diag))
			hf_yaml_syntax_errors(&k, y.diag, "invalid YAML");
		else if (hf_yaml_check_scalars(&k, y.doc ? fy_document_root(y.doc) : NULL) == 0)
			read_top(&c, y.doc ? fy_document_root(y.doc) : NULL);
	}
	hf_yaml_parse_finish(&y);
	if (diag)
		hf_diag_sort(diag, first, diag->n < DIAG_MAX ? diag->n : DIAG_MAX - 1);
	if (c.errors) {
		sim_scenario_destroy(c.sc);
		if (c.nomem)
			hf_diag_add(diag, 0, 0, "out of memory");
		return c.nomem ? -ENOMEM : -EINVAL;
	}
	*out = c.sc;
	return 0;
}

int sim_scenario_load(const char *path, const struct hf_config *cfg, struct sim_scenario **out,
		      struct hf_diag *diag)
{
	char *buf = NULL;
	size_t len = 0;
	int rc = hf_file_read(path, SIM_SCENARIO_FILE_MAX, &buf, &len);

	*out = NULL;
	if (rc < 0) {
		if (diag) {
			hf_strlcpy(diag->file, path, sizeof diag->file);
			hf_diag_add(diag, 0, 0, "cannot read the scenario: %s", strerror(-rc));
		}
		return rc;
	}
	rc = sim_scenario_parse(path, buf, len, cfg, out, diag);
	free(buf);
	return rc;
}

/* The unit with that id (a loop of its own, so the parser links without city.c). */
static const struct sim_unit *find_unit(const struct sim_city *c, const char *id)
{
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->units[i].id, id) == 0)
			return &c->units[i];
	return NULL;
}

int sim_scenario_bind(struct sim_scenario *s, const struct sim_city *c, struct hf_diag *diag)
{
	int rc = 0;

	for (size_t i = 0; i < s->n_steps; i++) {
		struct sim_step *st = &s->steps[i];
		const struct sim_unit *u;

		if (st->unit[0]) {
			u = find_unit(c, st->unit);
			if (!u) {
				hf_diag_add(diag, st->unit_line, st->unit_col, "no unit \"%s\" in the "
					    "city (roster ids, or sim-pcso-N / sim-pc-N)", st->unit);
				rc = -EINVAL;
			} else {
				st->unit_index = (size_t)(u - c->units);
			}
		}
		if (st->action == SIM_MOVE_TO && st->to_unit[0]) {
			u = find_unit(c, st->to_unit);
			if (!u) {
				hf_diag_add(diag, st->to_line, st->to_col, "move_to: no unit \"%s\" "
					    "in the city", st->to_unit);
				rc = -EINVAL;
			} else {
				st->to_index = (size_t)(u - c->units);
			}
		}
	}
	return rc;
}

void sim_scenario_destroy(struct sim_scenario *s)
{
	if (!s)
		return;
	free(s->steps);
	free(s);
}
