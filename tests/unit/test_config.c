/*
 * test_config.c - loading and validating the YAML config (gateway/config.c).
 *
 * Bad configs are written to temporary files from the string literals below
 * and loaded like handoffd --check would; each case lists every problem it
 * must produce as "LINE:COL: part of the message", and nothing else may be
 * reported.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "config.h"

#define SHIPPED HF_SOURCE_ROOT "/config/handoff.yaml"
#define MAX_EXPECT 16

static const char *const types[] = { "tetra-pei", "gpsd", NULL };

/* One bad config and the problems it must produce, in any order. */
struct bad_case {
	const char *yaml;
	const char *expect[MAX_EXPECT]; /* "LINE:COL: substring", NULL-terminated */
};

/* Writes text to a new file under /tmp; path receives its name. */
static void write_temp(const char *text, char *path, size_t size)
{
	int fd;

	snprintf(path, size, "/tmp/hf-test-config-XXXXXX");
	fd = mkstemp(path);
	cr_assert(fd >= 0, "mkstemp: %s", strerror(errno));
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

/* Loads text through a temporary file. */
static int load_text(const char *text, struct hf_config **cfg, struct hf_diag *d)
{
	char path[64];
	int rc;

	write_temp(text, path, sizeof(path));
	rc = hf_config_load(path, types, cfg, d);
	unlink(path);
	return rc;
}

/* All problems as printed, for failure messages. */
static char *dump(const struct hf_diag *d)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	hf_diag_print(d, fp);
	fclose(fp);
	return buf;
}

static bool has_problem(const struct hf_diag *d, int line, int col, const char *part)
{
	for (size_t i = 0; i < d->n; i++)
		if (d->entries[i].line == line && d->entries[i].col == col &&
		    strstr(d->entries[i].msg, part))
			return true;
	return false;
}

/* Loads each case and checks it fails with exactly the expected problems. */
static void check_cases(const struct bad_case *cases, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct hf_config *cfg = (void *)1;
		struct hf_diag d;
		size_t want = 0;
		char *all;
		int rc;

		hf_diag_init(&d);
		rc = load_text(cases[i].yaml, &cfg, &d);
		all = dump(&d);
		cr_assert_eq(rc, -EINVAL, "case %zu: rc %d\n%s", i, rc, all);
		cr_assert_null(cfg, "case %zu: a config was returned on failure", i);
		for (; want < MAX_EXPECT && cases[i].expect[want]; want++) {
			const char *e = cases[i].expect[want];
			int line, col, off = 0;

			cr_assert_eq(sscanf(e, "%d:%d: %n", &line, &col, &off), 2,
				     "bad expectation %s", e);
			cr_assert(has_problem(&d, line, col, e + off),
				  "case %zu: missing \"%s\"; got:\n%s", i, e, all);
		}
		cr_assert_eq(d.n, want, "case %zu: %zu problems, want %zu:\n%s", i, d.n, want,
			     all);
		free(all);
		hf_diag_finish(&d);
	}
}

#define CHECK_CASES(c) check_cases(c, sizeof(c) / sizeof((c)[0]))

/* Loads a config that must be valid. */
static struct hf_config *load_ok(const char *text)
{
	struct hf_config *cfg = NULL;
	struct hf_diag d;
	char *all;
	int rc;

	hf_diag_init(&d);
	rc = load_text(text, &cfg, &d);
	all = dump(&d);
	cr_assert_eq(rc, 0, "rc %d:\n%s", rc, all);
	cr_assert_eq(d.n, 0, "%s", all);
	cr_assert_not_null(cfg);
	free(all);
	hf_diag_finish(&d);
	return cfg;
}

/* --------------------------------------------------------------------------
 * Problems are found, worded specifically, and placed at the right spot
 * ------------------------------------------------------------------------ */

/* An unknown key is reported at the key, naming the mapping and listing the
 * keys that mapping knows (only those that apply to an adapter's type). */
Test(config, reports_an_unknown_key_with_the_keys_that_mapping_knows)
{
	static const struct bad_case cases[] = {
		{ "roster:\n"
		  "  - id: pcso-1\n"
		  "    ise: 2001001\n"
		  "    issi: 2001001\n"
		  "    callsign: PCSO 1\n"
		  "    role: pcso\n",
		  { "3:5: unknown key \"ise\" in roster entry "
		    "(known: id, issi, callsign, role, team, area, lone_patrol)" } },
		{ "gatway:\n  id: x\n",
		  { "1:1: unknown key \"gatway\" at the top level (known: security, gateway, endpoints" } },
		{ "gateway:\n  heartbeat: 5\n",
		  { "2:3: unknown key \"heartbeat\" in gateway "
		    "(known: id, state_dir, heartbeat_ms, unit_publish_ms, retain_days, log_level)" } },
		{ "rules:\n  emergency:\n    radius: 10\n",
		  { "3:5: unknown key \"radius\" in rules.emergency (known: constables, radius_m, supervisor, tiers, ack_timeout_s, max_repeats)" } },
		{ "adapters:\n  - type: tetra-pei\n    connect: 127.0.0.1:7710\n    prot: 1\n",
		  { "4:5: unknown key \"prot\" in adapter (known: type, name, connect, "
		    "reconnect_min_ms, reconnect_max_ms, device, baud, liveness_ms, "
		    "command_timeout_ms)" } },
	};

	CHECK_CASES(cases);
}

/* A value of the wrong type is reported at the value, saying what was
 * expected and quoting what was found; quoted numbers and floats are not
 * integers, and booleans are not numbers. */
Test(config, reports_a_value_of_the_wrong_type_at_the_value)
{
	static const struct bad_case cases[] = {
		{ "roster:\n  - {id: a, issi: abc, callsign: A, role: pcso}\n",
		  { "2:19: \"issi\" must be an integer, got \"abc\"" } },
		{ "roster:\n  - {id: a, issi: \"2001001\", callsign: A, role: pcso}\n",
		  { "2:19: \"issi\" must be an integer, got \"2001001\" (quoted)" } },
		{ "roster:\n  - {id: a, issi: 2001001.5, callsign: A, role: pcso}\n",
		  { "2:19: \"issi\" must be an integer, got \"2001001.5\"" } },
		{ "gateway:\n  heartbeat_ms: true\n",
		  { "2:17: \"heartbeat_ms\" must be an integer, got \"true\"" } },
		{ "gateway:\n  id: [a, b]\n",
		  { "2:8: \"id\" must be a string, got a sequence" } },
		{ "gateway: yes\n",
		  { "1:10: \"gateway\" must be a mapping, got \"yes\"" } },
		{ "roster:\n  pcso-1: 2001001\n",
		  { "2:3: \"roster\" must be a sequence, got a mapping" } },
		{ "roster:\n  - pcso-1\n",
		  { "2:5: each roster entry must be a mapping, got \"pcso-1\"" } },
		{ "rules:\n  emergency:\n    radius_m: far\n",
		  { "3:15: \"radius_m\" must be a number, got \"far\"" } },
		{ "gateway:\n  log_level: loud\n",
		  { "2:14: unknown log_level \"loud\" (known: err, warn, notice, info, debug)" } },
		{ "roster:\n  - {id: a, issi: 1, callsign: A, role: sergeant}\n",
		  { "2:41: unknown role \"sergeant\" (known: pcso, constable, supervisor)" } },
		{ "sim:\n  center: [51.5, east]\n",
		  { "2:18: \"center longitude\" must be a number, got \"east\"" } },
		{ "sim:\n  center: 51.5\n",
		  { "2:11: \"center\" must be [latitude, longitude]" } },
		{ "x: &a 1\ngateway:\n  id: *a\n",
		  { "1:1: unknown key \"x\"", "3:7: \"id\" must be a string, got an alias *a" } },
	};

	CHECK_CASES(cases);
}

/* Two units with one ISSI: the second is reported at its ISSI, naming the
 * unit that used it first and where. */
Test(config, reports_a_duplicate_issi_naming_its_first_user)
{
	static const struct bad_case cases[] = {
		{ "roster:\n"
		  "  - id: pcso-7\n"
		  "    issi: 2001007\n"
		  "    callsign: PCSO 7\n"
		  "    role: pcso\n"
		  "  - id: pcso-8\n"
		  "    issi: 0x1E886F\n" /* 2001007 in hex */
		  "    callsign: PCSO 8\n"
		  "    role: pcso\n",
		  { "7:11: duplicate ISSI 2001007 (first used by unit \"pcso-7\" at line 3)" } },
	};

	CHECK_CASES(cases);
}

/* Ids of units, areas and adapters must be unique; callsigns too, ignoring
 * case and spaces. Each repeat is reported, against the first use. */
Test(config, reports_duplicate_ids_and_callsigns)
{
	static const struct bad_case cases[] = {
		{ "roster:\n"
		  "  - {id: pc-1, issi: 1, callsign: PC 1, role: constable}\n"
		  "  - {id: pc-1, issi: 2, callsign: PC 2, role: constable}\n"
		  "  - {id: pc-1, issi: 3, callsign: PC 3, role: constable}\n",
		  { "3:10: duplicate unit id \"pc-1\" (first at line 2)",
		    "4:10: duplicate unit id \"pc-1\" (first at line 2)" } },
		{ "roster:\n"
		  "  - {id: pc-1, issi: 1, callsign: PC 1234, role: constable}\n"
		  "  - {id: pc-2, issi: 2, callsign: pc1234, role: constable}\n",
		  { "3:35: duplicate callsign \"pc1234\" (first used by unit \"pc-1\" at line 2); "
		    "same as \"PC 1234\" ignoring case and spaces" } },
		{ "areas:\n  - id: north\n  - id: south\n  - id: north\n",
		  { "4:9: duplicate area id \"north\" (first at line 2)" } },
		{ "adapters:\n"
		  "  - {type: tetra-pei, connect: \"a:1\"}\n"
		  "  - {type: tetra-pei, connect: \"b:1\"}\n",
		  { "3:6: duplicate adapter name \"tetra-pei\" (first at line 2); "
		    "set \"name\" to tell them apart" } },
	};

	CHECK_CASES(cases);
}

/* A missing required key is reported at the start of the entry that lacks
 * it; a required key written with no value is reported at the key. */
Test(config, reports_a_missing_required_key_at_its_entry)
{
	static const struct bad_case cases[] = {
		{ "roster:\n"
		  "  - id: pcso-1\n"
		  "    issi: 2001001\n"
		  "    role: pcso\n",
		  { "2:5: roster entry is missing required key \"callsign\"" } },
		{ "roster:\n  - {issi: 1}\n",
		  { "2:6: roster entry is missing required key \"id\"",
		    "2:6: roster entry is missing required key \"callsign\"",
		    "2:6: roster entry is missing required key \"role\"" } },
		{ "roster:\n  - id: a\n    issi:\n    callsign: A\n    role: pcso\n",
		  { "3:5: \"issi\" has no value" } },
		{ "areas:\n  - name: North\n",
		  { "2:5: area is missing required key \"id\"" } },
		{ "adapters:\n  - name: pei-1\n",
		  { "2:5: adapter is missing required key \"type\"" } },
		{ "adapters:\n  - type: tetra-pei\n",
		  { "2:5: a tetra-pei adapter needs \"connect\" (host:port, over TCP) or "
		    "\"device\" (a serial port)" } },
	};

	CHECK_CASES(cases);
}

/* Areas named by the roster and default_area must be declared in areas:. */
Test(config, reports_an_area_that_is_not_declared)
{
	static const struct bad_case cases[] = {
		{ "areas:\n  - id: central\n"
		  "roster:\n  - {id: a, issi: 1, callsign: A, role: pcso, area: north}\n",
		  { "4:53: area \"north\" is not declared in areas" } },
		{ "areas:\n  - id: central\ndefault_area: north\n",
		  { "3:15: area \"north\" is not declared in areas" } },
		{ "default_area: central\n", /* only the implicit "default" area exists */
		  { "1:15: area \"central\" is not declared in areas" } },
		{ "areas:\n  - id: North\n",
		  { "2:9: \"id\" may only contain lowercase letters, digits, '_' and '-'" } },
		{ "areas: []\n", /* an empty [] has no position of its own: its key's */
		  { "1:1: \"areas\" must list at least one area" } },
	};

	CHECK_CASES(cases);
}

/* Status codes must be integers in the user range 32768-65535, and unique by
 * value (32768 and 0x8000 are the same code). */
Test(config, reports_status_codes_outside_the_user_range)
{
	static const struct bad_case cases[] = {
		{ "status_map:\n  1234: available\n",
		  { "2:3: status code 1234 is outside the user range 32768-65535" } },
		{ "status_map:\n  65536: available\n  0: emergency\n  -32768: x\n",
		  { "2:3: status code 65536 is outside the user range 32768-65535",
		    "3:3: status code 0 is outside the user range",
		    "4:3: status code -32768 is outside the user range" } },
		{ "status_map:\n  busy: available\n",
		  { "2:3: status code must be an integer, got \"busy\"" } },
		{ "status_map:\n  32768: available\n  0x8000: on_patrol\n",
		  { "3:3: duplicate status code 32768 (first at line 2)" } },
		{ "status_map:\n  32768: available\n  32768: on_patrol\n",
		  { "3:3: invalid YAML: duplicate key" } },
		{ "status_map:\n  32768:\n",
		  { "2:3: status code 32768 has no meaning" } },
	};

	CHECK_CASES(cases);
}

/* A status meaning must be one of the known words or power_required:<power>;
 * the same check applies to rules.available_statuses. */
Test(config, reports_an_unknown_status_meaning)
{
	static const struct bad_case cases[] = {
		{ "status_map:\n  32768: foo\n",
		  { "2:10: unknown status meaning \"foo\"" } },
		{ "status_map:\n  32768: \"power_required:\"\n  32769: power_required:Stop Search\n",
		  { "2:10: the power in \"power_required:\"",
		    "3:10: the power in \"power_required:Stop Search\"" } },
		{ "rules:\n  available_statuses: [available, ready]\n",
		  { "2:35: unknown status meaning \"ready\"" } },
		{ "rules:\n  available_statuses: []\n",
		  { "2:3: \"available_statuses\" must list at least one status meaning" } },
		{ "rules:\n  available_statuses: [available, available, available, available,\n"
		  "    available, available, available, available, on_patrol]\n",
		  { "3:49: \"available_statuses\" lists more than 8 meanings" } },
	};

	CHECK_CASES(cases);
}

/* Adapters: the type must be known (the ingest adapter comes from
 * endpoints.ingest, not from here), addresses must be host:port, and the
 * reconnect delays must be in order. */
Test(config, reports_bad_adapter_entries)
{
	static const struct bad_case cases[] = {
		{ "adapters:\n  - type: tetra\n    connect: 127.0.0.1:7710\n",
		  { "2:11: unknown adapter type \"tetra\" (known: tetra-pei, gpsd)" } },
		{ "adapters:\n  - type: ingest\n",
		  { "2:11: the ingest adapter is not declared in adapters: "
		    "set endpoints.ingest instead" } },
		{ "adapters:\n  - {type: tetra-pei, name: ingest, connect: \"h:1\"}\n",
		  { "2:29: adapter name \"ingest\" is taken by the ingest endpoint" } },
		{ "adapters:\n  - {type: tetra-pei, connect: \"localhost\"}\n",
		  { "2:32: \"connect\" must be host:port with a port from 1 to 65535" } },
		{ "adapters:\n  - {type: tetra-pei, connect: \"h:70000\"}\n",
		  { "2:32: \"connect\" must be host:port" } },
		{ "adapters:\n"
		  "  - {type: tetra-pei, connect: \"h:1\", reconnect_min_ms: 500,"
		  " reconnect_max_ms: 100}\n",
		  { "2:80: \"reconnect_max_ms\" (100) must not be less than "
		    "\"reconnect_min_ms\" (500)" } },
	};

	CHECK_CASES(cases);
}

/* Endpoints must be ZeroMQ addresses and each socket needs its own. */
Test(config, reports_bad_or_shared_endpoints)
{
	static const struct bad_case cases[] = {
		{ "endpoints:\n  publish: http://127.0.0.1:7701\n",
		  { "2:12: \"publish\" must be a ZeroMQ endpoint starting with tcp://, ipc:// "
		    "or inproc://" } },
		{ "endpoints:\n  command: tcp://127.0.0.1:7701\n",
		  { "2:12: endpoints \"publish\" and \"command\" are both "
		    "\"tcp://127.0.0.1:7701\"" } },
	};

	CHECK_CASES(cases);
}

/* Numbers outside their documented range are reported with the range. */
Test(config, reports_numbers_out_of_range_with_the_range)
{
	static const struct bad_case cases[] = {
		{ "gateway:\n  heartbeat_ms: 50\n",
		  { "2:17: \"heartbeat_ms\" must be between 100 and 60000, got 50" } },
		{ "roster:\n  - {id: a, issi: 16777216, callsign: A, role: pcso}\n",
		  { "2:19: \"issi\" must be between 1 and 16777215, got 16777216" } },
		{ "roster:\n  - {id: a, issi: 99999999999999999999999, callsign: A, role: pcso}\n",
		  { "2:19: \"issi\" must be between 1 and 16777215, got 99999999999999999999999" } },
		{ "rules:\n  emergency: {constables: 17, radius_m: -1}\n",
		  { "2:27: \"constables\" must be between 0 and 16, got 17",
		    "2:41: \"radius_m\" must be greater than 0, got -1" } },
		{ "sim:\n  center: [91, 0]\n  emergency: {after_s: -1}\n",
		  { "2:12: \"center latitude\" must be between -90 and 90, got 91",
		    "3:24: \"after_s\" must be between 0 and 86400, got -1" } },
	};

	CHECK_CASES(cases);
}

/* YAML syntax errors are reported with libfyaml's message at their line and
 * column, not printed to stderr; so are whole-file shape problems, text that
 * is not UTF-8 or holds control characters, and the scalars libfyaml 0.7.12
 * mishandles (many lines: quadratic time; two '' in a row: a leak). */
Test(config, reports_yaml_syntax_errors_and_bad_file_shapes_with_a_position)
{
	static const struct bad_case cases[] = {
		{ "gateway:\n  id: [demo\n  heartbeat_ms: 1000\n",
		  { "4:1: invalid YAML: flow sequence without a closing bracket" } },
		{ "gateway:\n\tid: demo\n",
		  { "2:1: invalid YAML: tab character may not be used as indentation" } },
		{ "- gateway\n- roster\n",
		  { "1:3: the top level must be a mapping (gateway:, endpoints:, adapters:, areas:, roster:, status_map:, ...), got a sequence" } },
		{ "", { "1:1: the file is empty" } },
		{ "# only a comment\n", { "1:1: the file is empty" } },
		{ "gateway: {id: a}\n---\ngateway: {id: b}\n",
		  { "2:1: a second YAML document starts here" } },
		{ "gateway:\n  id: \"d\xc3\xa9mo\xff\"\n",
		  { "2:12: invalid UTF-8 (byte 0xff)" } },
		{ "%\xff[\n", /* made libfyaml 0.7.12 loop forever */
		  { "1:2: invalid UTF-8 (byte 0xff)" } },
		{ "gateway:\n  id: a\x1b[2Jb\n",
		  { "2:8: control character U+001B is not allowed" } },
		{ "gateway:\n  id: \"a\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n   b\"\n",
		  { "2:7: this value spans 17 lines; a config value may span at most 16" } },
		{ "areas:\n  - {id: a, name: 'O''''Brien'}\n", /* leaks in libfyaml 0.7.12 */
		  { "2:19: consecutive '' escapes in a single-quoted value are not supported" } },
		{ "gaapequi:\n? en mreegcy: \t:ontsablex*", /* crashed libfyaml 0.7.12 */
		  { "2:1: explicit mapping keys (\"? \") are not used in a handoff config" } },
		{ "roster:\n  - ? b: \t:c\n",
		  { "2:5: explicit mapping keys (\"? \") are not used in a handoff config" } },
	};

	CHECK_CASES(cases);
}

/* One file with problems in many sections gets every one of them, sorted by
 * position, not just the first. */
Test(config, reports_every_problem_in_a_file_not_just_the_first)
{
	static const char yaml[] =
		"gateway:\n"                                                 /* 1 */
		"  heartbeat_ms: 10\n"                                       /* 2 */
		"  colour: blue\n"                                           /* 3 */
		"areas:\n"                                                   /* 4 */
		"  - id: central\n"                                          /* 5 */
		"roster:\n"                                                  /* 6 */
		"  - {id: pcso-1, issi: 2001001, callsign: PCSO 1, role: pcso}\n" /* 7 */
		"  - {id: pcso-2, issi: 2001001, callsign: PCSO 2, role: pcso, area: north}\n"
		"  - {id: pcso-3, callsign: PCSO 3, role: pcso}\n"          /* 9 */
		"status_map:\n"                                              /* 10 */
		"  1234: available\n"                                        /* 11 */
		"  32768: foo\n"                                             /* 12 */
		"sim:\n"                                                     /* 13 */
		"  emergency: {unit: pcso-9}\n";                             /* 14 */
	static const struct bad_case cases[] = {
		{ yaml,
		  { "2:17: \"heartbeat_ms\" must be between 100 and 60000",
		    "3:3: unknown key \"colour\" in gateway",
		    "8:24: duplicate ISSI 2001001 (first used by unit \"pcso-1\" at line 7)",
		    "8:69: area \"north\" is not declared in areas",
		    "9:6: roster entry is missing required key \"issi\"",
		    "11:3: status code 1234 is outside the user range 32768-65535",
		    "12:10: unknown status meaning \"foo\"",
		    "14:21: \"unit\" names unit \"pcso-9\", which is not on the roster" } },
	};
	struct hf_config *cfg;
	struct hf_diag d;

	CHECK_CASES(cases);

	hf_diag_init(&d);
	cr_assert_eq(load_text(yaml, &cfg, &d), -EINVAL);
	for (size_t i = 1; i < d.n; i++)
		cr_assert(d.entries[i - 1].line < d.entries[i].line ||
			  (d.entries[i - 1].line == d.entries[i].line &&
			   d.entries[i - 1].col <= d.entries[i].col), "problems are not sorted");
	hf_diag_finish(&d);
}

/* A file that does not exist fails with -ENOENT and one problem printed in
 * the FILE:LINE:COL shape with line and column 0. */
Test(config, reports_a_missing_file_as_enoent_in_the_usual_shape)
{
	struct hf_config *cfg = (void *)1;
	struct hf_diag d;
	char *out;

	hf_diag_init(&d);
	cr_assert_eq(hf_config_load("/nonexistent/handoff.yaml", types, &cfg, &d), -ENOENT);
	cr_assert_null(cfg);
	out = dump(&d);
	cr_assert_str_eq(out, "/nonexistent/handoff.yaml:0:0: cannot open: "
			 "No such file or directory\n");
	free(out);
	hf_diag_finish(&d);
}

/* hf_diag_print prints FILE as given, then 1-based line and column. */
Test(config, prints_each_problem_as_file_line_col_message)
{
	struct hf_config *cfg;
	struct hf_diag d;
	char *out;

	hf_diag_init(&d);
	cr_assert_eq(hf_config_load_string("conf/x.yaml", "gateway:\n  nope: 1\n", 18, types,
					   &cfg, &d), -EINVAL);
	out = dump(&d);
	cr_assert_str_eq(out, "conf/x.yaml:2:3: unknown key \"nope\" in gateway "
			 "(known: id, state_dir, heartbeat_ms, unit_publish_ms, retain_days, "
			 "log_level)\n");
	free(out);
	hf_diag_finish(&d);
}

/* --------------------------------------------------------------------------
 * Good configs: the shipped file, defaults, and what the values become
 * ------------------------------------------------------------------------ */

/* The shipped config/handoff.yaml loads with no problem at all and holds
 * the demo it documents. */
Test(config, loads_the_shipped_config_cleanly)
{
	struct hf_config *cfg = NULL;
	const struct hf_area_config *a;
	struct hf_diag d;
	char *all;
	int rc;

	hf_diag_init(&d);
	rc = hf_config_load(SHIPPED, types, &cfg, &d);
	all = dump(&d);
	cr_assert_eq(rc, 0, "%s", all);
	cr_assert_eq(d.n, 0, "%s", all);
	free(all);
	cr_assert_str_eq(cfg->gateway.id, "demo");
	cr_assert_str_eq(cfg->gateway.state_dir, HF_SOURCE_ROOT "/config/../state");
	cr_assert_eq(cfg->n_adapters, 1);
	cr_assert_str_eq(cfg->adapters[0].name, "pei-1");
	cr_assert_str_eq(cfg->adapters[0].connect, "127.0.0.1:7710");
	cr_assert_eq(cfg->n_areas, 2);
	a = hf_config_area(cfg, "transport");
	cr_assert_not_null(a);
	cr_assert_str_eq(a->desk, "desk-transport");
	cr_assert_str_eq(a->team, "Safer Transport");
	cr_assert_str_eq(cfg->default_area, "central");
	cr_assert_geq(cfg->n_roster, 15);
	/* every known meaning has a code */
	static const char *const meanings[] = {
		"confrontation_likely", "constable_required", "detention_started",
		"detention_ended", "multi_party_dispute", "risk_of_harm", "serious_crime_link",
		"terrorism_suspected", "available", "on_patrol", "at_scene", "off_duty",
		"welfare_ok", "check_in",
	};
	for (size_t i = 0; i < sizeof(meanings) / sizeof(meanings[0]); i++)
		cr_assert_geq(hf_config_status_code(cfg, meanings[i]), 32768, "%s", meanings[i]);
	cr_assert_str_eq(cfg->sim.emergency_unit, "pcso-7");
	cr_assert_eq(cfg->sim.emergency_after_ms, 8000);
	cr_assert_eq(cfg->sim.emergency_repeat_ms, 20000);
	cr_assert_eq(cfg->sim.report_jitter_ms, 500);
	cr_assert_eq(cfg->sim.beats, 4);
	cr_assert_eq(cfg->sim.pcsos, 0);
	cr_assert_eq(cfg->sim.constables, 0);
	hf_config_destroy(cfg);
	hf_diag_finish(&d);
}

/* Keys that are absent take the documented defaults, including the ones
 * derived from other keys (adapter name, area name and desk, unit area). */
Test(config, applies_the_defaults_when_keys_are_absent)
{
	struct hf_config *cfg = load_ok(
		"adapters:\n  - {type: tetra-pei, connect: \"10.0.0.9:4001\"}\n"
		"areas:\n  - id: north\n  - id: south\n"
		"roster:\n  - {id: c1, issi: 7, callsign: C1, role: constable}\n"
		"  - {id: p1, issi: 8, callsign: P1, role: pcso, area: south}\n");

	cr_assert_str_eq(cfg->gateway.id, "handoff");
	cr_assert_eq(cfg->gateway.heartbeat_ms, 1000);
	cr_assert_eq(cfg->gateway.unit_publish_ms, 500);
	cr_assert_eq(cfg->gateway.log_level, HF_LOG_INFO);
	cr_assert_str_eq(cfg->endpoints.publish, "tcp://127.0.0.1:7701");
	cr_assert_str_eq(cfg->endpoints.command, "tcp://127.0.0.1:7702");
	cr_assert_str_eq(cfg->endpoints.ingest, "tcp://127.0.0.1:7703");
	cr_assert_str_eq(cfg->adapters[0].name, "tetra-pei");
	cr_assert_eq(cfg->adapters[0].reconnect_min_ms, 250);
	cr_assert_eq(cfg->adapters[0].reconnect_max_ms, 10000);
	cr_assert_eq(cfg->adapters[0].line, 2);
	cr_assert_str_eq(cfg->areas[0].name, "north");
	cr_assert_str_eq(cfg->areas[0].desk, "desk-north");
	cr_assert_str_eq(cfg->areas[0].team, "");
	cr_assert_str_eq(cfg->default_area, "north");
	cr_assert_str_eq(cfg->roster[0].area, "north");
	cr_assert_str_eq(cfg->roster[1].area, "south");
	cr_assert_eq(cfg->roster[0].role, HF_ROLE_CONSTABLE);
	cr_assert_str_eq(cfg->roster[0].team, "");
	cr_assert_eq(cfg->n_status, 0);
	cr_assert_eq(cfg->rules.n_available, 2);
	cr_assert(hf_config_is_available(cfg, "available"));
	cr_assert(hf_config_is_available(cfg, "on_patrol"));
	cr_assert_not(hf_config_is_available(cfg, "at_scene"));
	cr_assert_eq(cfg->rules.stale_fix_s, 300);
	cr_assert_eq(cfg->rules.emergency.constables, 3);
	cr_assert_float_eq(cfg->rules.emergency.radius_m, 5000.0, 1e-9);
	cr_assert_str_eq(cfg->sim.listen, "10.0.0.9:4001"); /* the first tetra-pei connect */
	cr_assert_float_eq(cfg->sim.center_lat, 51.5138, 1e-9);
	cr_assert_float_eq(cfg->sim.center_lon, -0.0984, 1e-9);
	cr_assert_float_eq(cfg->sim.radius_m, 1200.0, 1e-9);
	cr_assert_eq(cfg->sim.report_interval_ms, 3000);
	cr_assert_eq(cfg->sim.report_jitter_ms, 0);
	cr_assert_eq(cfg->sim.beats, 4);
	cr_assert_eq(cfg->sim.pcsos + cfg->sim.constables, 0);
	cr_assert_str_eq(cfg->sim.emergency_unit, "p1"); /* the first PCSO */
	cr_assert_eq(cfg->sim.emergency_after_ms, 8000);
	cr_assert_eq(cfg->sim.emergency_repeat_ms, 20000);
	hf_config_destroy(cfg);
}

/* With no areas: at all there is one area "default", the default area; a
 * minimal file of one section is enough; keys with no value mean default;
 * "" turns ingest off. */
Test(config, gives_a_default_area_and_treats_empty_values_as_absent)
{
	struct hf_config *cfg = load_ok("gateway:\n  id:\n  log_level: ~\n"
					"endpoints:\n  ingest: \"\"\nsim:\n");

	cr_assert_eq(cfg->n_areas, 1);
	cr_assert_str_eq(cfg->areas[0].id, "default");
	cr_assert_str_eq(cfg->areas[0].desk, "desk-default");
	cr_assert_str_eq(cfg->default_area, "default");
	cr_assert_str_eq(cfg->gateway.id, "handoff");
	cr_assert_eq(cfg->gateway.log_level, HF_LOG_INFO);
	cr_assert_str_eq(cfg->endpoints.ingest, "");
	cr_assert_str_eq(cfg->sim.listen, "127.0.0.1:7710"); /* no tetra-pei adapter */
	cr_assert_str_eq(cfg->sim.emergency_unit, "");        /* no PCSO */
	hf_config_destroy(cfg);
}

/* hf_config_defaults gives the same values as an empty-but-valid file, with
 * no allocation; hf_config_destroy(NULL) does nothing. */
Test(config, has_builtin_defaults_and_destroy_accepts_null)
{
	struct hf_config cfg;

	hf_config_defaults(&cfg);
	cr_assert_str_eq(cfg.gateway.id, "handoff");
	cr_assert_str_eq(cfg.gateway.state_dir, "state");
	cr_assert_eq(cfg.gateway.heartbeat_ms, 1000);
	cr_assert_str_eq(cfg.endpoints.publish, "tcp://127.0.0.1:7701");
	cr_assert_str_eq(cfg.default_area, "default");
	cr_assert_null(cfg.areas);
	cr_assert_null(cfg.roster);
	cr_assert_eq(cfg.rules.emergency.constables, 3);
	cr_assert_eq(cfg.sim.emergency_after_ms, 8000);
	cr_assert_eq(cfg.sim.emergency_repeat_ms, 20000);
	cr_assert_str_eq(cfg.sim.listen, "127.0.0.1:7710");
	hf_config_destroy(NULL);
}

/* Status codes may be written in hex; the map answers both ways. */
Test(config, reads_hex_status_codes)
{
	struct hf_config *cfg = load_ok("status_map:\n  0x8000: available\n  0xFFFF: on_patrol\n"
					"  32770: power_required:stop_and_search\n");

	cr_assert_eq(cfg->n_status, 3);
	cr_assert_str_eq(hf_config_status_meaning(cfg, 0x8000), "available");
	cr_assert_str_eq(hf_config_status_meaning(cfg, 65535), "on_patrol");
	cr_assert_str_eq(hf_config_status_meaning(cfg, 32770), "power_required:stop_and_search");
	cr_assert_null(hf_config_status_meaning(cfg, 32771));
	cr_assert_eq(hf_config_status_code(cfg, "on_patrol"), 0xFFFF);
	cr_assert_eq(hf_config_status_code(cfg, "at_scene"), -1);
	hf_config_destroy(cfg);
}

/* Status 0 always means emergency, with or without a map; "emergency" maps
 * to a user code when the force has one, else to 0. */
Test(config, reads_status_zero_as_emergency)
{
	struct hf_config *cfg = load_ok("status_map:\n  32768: available\n");
	struct hf_config *cfg2 = load_ok("status_map:\n  0x8010: emergency\n");

	cr_assert_str_eq(hf_config_status_meaning(cfg, 0), "emergency");
	cr_assert_str_eq(hf_config_status_meaning(NULL, 0), "emergency");
	cr_assert_eq(hf_config_status_code(cfg, "emergency"), 0);
	cr_assert_eq(hf_config_status_code(cfg2, "emergency"), 0x8010);
	hf_config_destroy(cfg);
	hf_config_destroy(cfg2);
}

/* A relative state_dir is resolved against the config file's directory; an
 * absolute one is kept as written. */
Test(config, resolves_a_relative_state_dir_against_the_config_directory)
{
	char dir[] = "/tmp/hf-test-cfgdir-XXXXXX", path[128], want[160];
	struct hf_config *cfg;
	struct hf_diag d;
	FILE *fp;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/handoff.yaml", dir);
	fp = fopen(path, "w");
	fputs("gateway:\n  state_dir: journal/x\n", fp);
	fclose(fp);
	hf_diag_init(&d);
	cr_assert_eq(hf_config_load(path, types, &cfg, &d), 0);
	snprintf(want, sizeof(want), "%s/journal/x", dir);
	cr_assert_str_eq(cfg->gateway.state_dir, want);
	cr_assert_str_eq(cfg->path, path);
	hf_config_destroy(cfg);
	unlink(path);
	rmdir(dir);

	cr_assert_eq(hf_config_load_string("conf/h.yaml", "gateway: {id: a}\n", 17, types,
					   &cfg, &d), 0);
	cr_assert_str_eq(cfg->gateway.state_dir, "conf/state"); /* the default, resolved */
	hf_config_destroy(cfg);
	cr_assert_eq(hf_config_load_string("h.yaml", "gateway: {id: a}\n", 17, types, &cfg,
					   &d), 0);
	cr_assert_str_eq(cfg->gateway.state_dir, "state");
	hf_config_destroy(cfg);
	cr_assert_eq(hf_config_load_string("/etc/handoff/h.yaml",
					   "gateway: {state_dir: /var/lib/handoff}\n", 39,
					   types, &cfg, &d), 0);
	cr_assert_str_eq(cfg->gateway.state_dir, "/var/lib/handoff");
	hf_config_destroy(cfg);
	hf_diag_finish(&d);
}

/* Lookups: areas by id, adapters by type, availability by meaning. */
Test(config, answers_lookups_by_area_adapter_type_and_meaning)
{
	struct hf_config *cfg = load_ok(
		"adapters:\n  - {type: tetra-pei, name: a, connect: \"h:1\"}\n"
		"  - {type: tetra-pei, name: b, connect: \"[::1]:2\"}\n"
		"areas:\n  - {id: x, name: X ward, desk: dx, team: T}\n"
		"rules:\n  available_statuses: [at_scene]\n");

	cr_assert_str_eq(hf_config_adapter_of_type(cfg, "tetra-pei")->name, "a");
	cr_assert_null(hf_config_adapter_of_type(cfg, "gpsd"));
	cr_assert_str_eq(hf_config_area(cfg, "x")->name, "X ward");
	cr_assert_null(hf_config_area(cfg, "y"));
	cr_assert(hf_config_is_available(cfg, "at_scene"));
	cr_assert_not(hf_config_is_available(cfg, "available"));
	hf_config_destroy(cfg);
}

/* A key that exists for another adapter type is refused, naming the type;
 * the list of known keys in messages shows only the keys of that type. */
Test(config, refuses_keys_that_belong_to_another_adapter_type)
{
	static const char yaml[] =
		"adapters:\n"
		"  - type: gpsd\n"
		"    connect: h:1\n"
		"    device: /dev/ttyUSB0\n"
		"    unit: pc-1\n"
		"    prot: 2\n"
		"  - type: tetra-pei\n"
		"    connect: h:1\n"
		"    port: 2\n"
		"roster:\n"
		"  - {id: pc-1, issi: 1, callsign: PC 1, role: constable}\n";
	struct hf_config *cfg;
	struct hf_diag d;
	char *out;

	hf_diag_init(&d);
	cr_assert_eq(hf_config_load_string("a.yaml", yaml, strlen(yaml), NULL, &cfg, &d),
		     -EINVAL);
	out = dump(&d);
	cr_assert_str_eq(out,
		"a.yaml:3:5: key \"connect\" does not apply to adapter type \"gpsd\"\n"
		"a.yaml:6:5: unknown key \"prot\" in adapter (known: type, name, "
		"reconnect_min_ms, reconnect_max_ms, host, port, device, unit)\n"
		"a.yaml:9:5: key \"port\" does not apply to adapter type \"tetra-pei\"\n");
	free(out);
	hf_diag_finish(&d);
}

/* A gpsd adapter: host and port default to gpsd's own; device and unit are
 * required, the unit must be on the roster (read before adapters) and the
 * device a path or a gpsd source URL. */
Test(config, reads_and_checks_gpsd_adapters)
{
	static const char good[] =
		"adapters:\n"
		"  - {type: gpsd, device: /dev/ttyACM0, unit: pc-1}\n"
		"  - {type: gpsd, name: g2, host: gps.local, port: 3000, device: \"tcp://10.0.0.9:5000\","
		" unit: pc-1, reconnect_min_ms: 20, reconnect_max_ms: 40}\n"
		"roster:\n"
		"  - {id: pc-1, issi: 1, callsign: PC 1, role: constable}\n";
	static const struct bad_case cases[] = {
		{ "adapters:\n  - {type: gpsd}\n",
		  { "2:6: adapter is missing required key \"device\"",
		    "2:6: adapter is missing required key \"unit\"" } },
		{ "adapters:\n  - {type: gpsd, device: /dev/x, unit: pc-9}\n"
		  "roster:\n  - {id: pc-1, issi: 1, callsign: PC 1, role: constable}\n",
		  { "2:40: \"unit\" names unit \"pc-9\", which is not on the roster" } },
		{ "adapters:\n  - {type: gpsd, device: ttyUSB0, unit: pc-1, port: 0,"
		  " host: \"h:2947\"}\n"
		  "roster:\n  - {id: pc-1, issi: 1, callsign: PC 1, role: constable}\n",
		  { "2:26: \"device\" must be an absolute device path or a gpsd source URL",
		    "2:53: \"port\" must be between 1 and 65535, got 0",
		    "2:62: \"host\" must be a host name or address without a port" } },
	};
	struct hf_config *cfg;
	struct hf_diag d;

	hf_diag_init(&d);
	cr_assert_eq(hf_config_load_string("g.yaml", good, strlen(good), types, &cfg, &d), 0,
		     "%s", d.n ? d.entries[0].msg : "");
	cr_assert_eq(cfg->n_adapters, 2);
	cr_assert_str_eq(cfg->adapters[0].name, "gpsd");
	cr_assert_str_eq(cfg->adapters[0].host, "127.0.0.1");
	cr_assert_eq(cfg->adapters[0].port, 2947);
	cr_assert_str_eq(cfg->adapters[0].device, "/dev/ttyACM0");
	cr_assert_str_eq(cfg->adapters[0].unit, "pc-1");
	cr_assert_eq(cfg->adapters[0].reconnect_min_ms, 250);
	cr_assert_str_eq(cfg->adapters[1].host, "gps.local");
	cr_assert_eq(cfg->adapters[1].port, 3000);
	cr_assert_str_eq(cfg->adapters[1].device, "tcp://10.0.0.9:5000");
	cr_assert_eq(cfg->adapters[1].reconnect_max_ms, 40);
	hf_config_destroy(cfg);
	hf_diag_finish(&d);
	CHECK_CASES(cases);
}

/* A tetra-pei adapter reaches its radio over TCP (connect) or a serial port
 * (device + baud), exactly one of the two; liveness_ms and
 * command_timeout_ms have defaults and ranges; every problem is placed at
 * its key or value. */
Test(config, reads_and_checks_tetra_pei_links)
{
	static const char good[] =
		"adapters:\n"
		"  - {type: tetra-pei, name: tcp, connect: 127.0.0.1:7710}\n"
		"  - {type: tetra-pei, name: ser, device: /dev/ttyUSB0, baud: 115200,"
		" liveness_ms: 0, command_timeout_ms: 800}\n"
		"  - {type: tetra-pei, name: ser2, device: /dev/ttyS0}\n";
	static const struct bad_case cases[] = {
		{ "adapters:\n  - {type: tetra-pei, connect: \"h:1\", device: /dev/ttyS0}\n",
		  { "2:39: \"connect\" and \"device\" are alternatives: set one "
		    "(connect is at line 2)" } },
		{ "adapters:\n  - {type: tetra-pei, connect: \"h:1\", baud: 9600}\n",
		  { "2:39: \"baud\" applies only to a serial port (\"device\")" } },
		{ "adapters:\n  - {type: tetra-pei, device: /dev/ttyS0, baud: 9601}\n",
		  { "2:49: \"baud\" must be a serial rate (e.g. 9600, 19200, 38400, 57600, "
		    "115200; 50 to 4000000 as termios names them), got 9601" } },
		{ "adapters:\n  - {type: tetra-pei, device: ttyUSB0}\n",
		  { "2:31: \"device\" must be the absolute path of a serial port without "
		    "spaces (e.g. /dev/ttyUSB0), got \"ttyUSB0\"" } },
		{ "adapters:\n  - {type: tetra-pei, device: \"tcp://h:1\"}\n",
		  { "2:31: \"device\" must be the absolute path of a serial port" } },
		{ "adapters:\n  - {type: tetra-pei, device: /dev/x, liveness_ms: -1,"
		  " command_timeout_ms: 10}\n",
		  { "2:52: \"liveness_ms\" must be between 0 and 3600000, got -1",
		    "2:76: \"command_timeout_ms\" must be between 50 and 600000, got 10" } },
		{ "adapters:\n  - {type: gpsd, unit: pc-1, baud: 9600}\n"
		  "roster:\n  - {id: pc-1, issi: 1, callsign: PC 1, role: constable}\n",
		  { "2:6: adapter is missing required key \"device\"",
		    "2:30: key \"baud\" does not apply to adapter type \"gpsd\"" } },
	};
	struct hf_config *cfg;
	struct hf_diag d;

	hf_diag_init(&d);
	cr_assert_eq(hf_config_load_string("p.yaml", good, strlen(good), types, &cfg, &d), 0,
		     "%s", d.n ? d.entries[0].msg : "");
	cr_assert_eq(cfg->n_adapters, 3);
	cr_assert_str_eq(cfg->adapters[0].connect, "127.0.0.1:7710");
	cr_assert_str_eq(cfg->adapters[0].device, "");
	cr_assert_eq(cfg->adapters[0].liveness_ms, 30000);
	cr_assert_eq(cfg->adapters[0].command_timeout_ms, 5000);
	cr_assert_str_eq(cfg->adapters[1].connect, "");
	cr_assert_str_eq(cfg->adapters[1].device, "/dev/ttyUSB0");
	cr_assert_eq(cfg->adapters[1].baud, 115200);
	cr_assert_eq(cfg->adapters[1].liveness_ms, 0);
	cr_assert_eq(cfg->adapters[1].command_timeout_ms, 800);
	cr_assert_eq(cfg->adapters[2].baud, 9600);
	hf_config_destroy(cfg);
	hf_diag_finish(&d);
	CHECK_CASES(cases);
}

/* Without a list of adapter types (tools that do not link the adapters)
 * any type is accepted. */
Test(config, accepts_any_adapter_type_when_no_list_is_given)
{
	struct hf_config *cfg;
	struct hf_diag d;
	static const char yaml[] = "adapters:\n  - {type: dmr, name: g}\n";

	hf_diag_init(&d);
	cr_assert_eq(hf_config_load_string("x.yaml", yaml, strlen(yaml), NULL, &cfg, &d), 0);
	cr_assert_str_eq(cfg->adapters[0].type, "dmr");
	hf_config_destroy(cfg);
	cr_assert_eq(hf_config_load_string("x.yaml", yaml, strlen(yaml), types, &cfg, &d),
		     -EINVAL);
	hf_diag_finish(&d);
}
