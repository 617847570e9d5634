/*
 * test_security.c - the pure parts of issue 6: CURVE certificates, the keys
 * file and the security: block of the config, the role policy, and the rate
 * limiter (on an injected clock). The sockets, the ZAP handler and the
 * daemon are tested end to end in tests/integration/test_security.py.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "access.h"
#include "config.h"
#include "curve.h"

/* A real key pair made once (zmq_curve_keypair) for the text fixtures. */
static struct hf_curve_cert pair;

static void make_pair(void)
{
	cr_assert_eq(hf_curve_cert_new(&pair, "desk-central", "dispatcher"), 0);
}

/* ------------------------------------------------------------ certificates */

Test(curve, a_written_certificate_reads_back_with_and_without_its_secret, .init = make_pair)
{
	char text[1024], err[256];
	struct hf_curve_cert back;

	cr_assert_gt(hf_curve_cert_format(&pair, true, "2026-11-23 10:00:00Z", text, sizeof text),
		     0);
	cr_assert_eq(hf_curve_cert_parse(text, strlen(text), &back, err, sizeof err), 0, "%s", err);
	cr_assert_str_eq(back.public_key, pair.public_key);
	cr_assert_str_eq(back.secret_key, pair.secret_key);
	cr_assert_str_eq(back.name, "desk-central");
	cr_assert_str_eq(back.role, "dispatcher");
	cr_assert_null(strstr(text, "\t"), "czmq's format indents with spaces");

	hf_curve_cert_format(&pair, false, "2026-11-23 10:00:00Z", text, sizeof text);
	cr_assert_null(strstr(text, pair.secret_key), "the public certificate leaks the secret");
	cr_assert_eq(hf_curve_cert_parse(text, strlen(text), &back, err, sizeof err), 0, "%s", err);
	cr_assert_str_eq(back.public_key, pair.public_key);
	cr_assert_str_eq(back.secret_key, "");
}

Test(curve, reads_a_czmq_certificate_with_comments_crlf_and_other_metadata)
{
	const char *text =
		"#   ****  Generated on 2015-06-15 by czmq  ****\r\n"
		"#   ZeroMQ CURVE Public Certificate\r\n"
		"\r\n"
		"metadata\r\n"
		"    email = \"a@b\"\r\n"
		"curve\r\n"
		"    public-key = \"rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7\"\r\n";
	struct hf_curve_cert c;
	char err[256];

	cr_assert_eq(hf_curve_cert_parse(text, strlen(text), &c, err, sizeof err), 0, "%s", err);
	cr_assert_str_eq(c.public_key, "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7");
}

/* Every kind of bad certificate is refused, saying where and why. */
Test(curve, refuses_bad_certificates_naming_the_line, .init = make_pair)
{
	char mismatched[512], err[256];
	struct hf_curve_cert other, c;
	static const struct {
		const char *text;
		const char *want;
	} cases[] = {
		{ "", "no public-key" },
		{ "curve\n    public-key = \"short\"\n", "2: a CURVE key must be 40 characters" },
		{ "curve\n    public-key = \"rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7\n",
		  "2: value too long or its quote is not closed" },
		{ "curve\n    public-key\n", "2: expected \"name = value\"" },
		{ "curve\n    public-key = \"rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf~\"\n",
		  "2: a CURVE key must be" },
		{ "metadata\n    public-key = \"rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7\"\n",
		  "no public-key in a \"curve\" section" },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		cr_assert_eq(hf_curve_cert_parse(cases[i].text, strlen(cases[i].text), &c, err,
						 sizeof err), -1, "case %zu parsed", i);
		cr_assert(strstr(err, cases[i].want), "case %zu: \"%s\" lacks \"%s\"", i, err,
			  cases[i].want);
	}
	/* a secret that belongs to another public key */
	cr_assert_eq(hf_curve_cert_new(&other, "x", ""), 0);
	snprintf(mismatched, sizeof mismatched,
		 "curve\n    public-key = \"%s\"\n    secret-key = \"%s\"\n", pair.public_key,
		 other.secret_key);
	cr_assert_eq(hf_curve_cert_parse(mismatched, strlen(mismatched), &c, err, sizeof err), -1);
	cr_assert(strstr(err, "does not belong"), "%s", err);
	/* a NUL byte */
	cr_assert_eq(hf_curve_cert_parse("curve\n\0x", 8, &c, err, sizeof err), -1);
	cr_assert(strstr(err, "2: NUL byte"), "%s", err);
}

Test(curve, loading_names_the_file_and_can_require_the_secret, .init = make_pair)
{
	char path[] = "/tmp/hf-test-cert-XXXXXX", text[1024], err[512];
	struct hf_curve_cert c;
	int fd = mkstemp(path);

	cr_assert(fd >= 0);
	hf_curve_cert_format(&pair, false, "now", text, sizeof text);
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	cr_assert_eq(hf_curve_cert_load(path, false, &c, err, sizeof err), 0, "%s", err);
	cr_assert_eq(hf_curve_cert_load(path, true, &c, err, sizeof err), -1);
	cr_assert(strstr(err, path) && strstr(err, "secret one"), "%s", err);
	unlink(path);
	cr_assert_eq(hf_curve_cert_load(path, false, &c, err, sizeof err), -1);
	cr_assert(strstr(err, "No such file"), "%s", err);
}

Test(curve, derives_the_public_path_of_a_secret_certificate)
{
	char out[64];

	cr_assert(hf_curve_public_path("keys/server.key_secret", out, sizeof out));
	cr_assert_str_eq(out, "keys/server.key");
	cr_assert_not(hf_curve_public_path("keys/server.key", out, sizeof out));
	cr_assert_not(hf_curve_public_path("_secret", out, sizeof out));
}

/* ------------------------------------------------------------ role policy */

/* The table in access.h, row by row: a change to the policy must change
 * this test too. */
Test(access, each_role_may_send_exactly_what_the_policy_table_says)
{
	static const struct {
		int kind;
		const char *allowed; /* one char per role D S C A AD AM L: y or - */
	} rows[] = {
		{ HF_REQ_SNAPSHOT, "yyyy-yy" }, { HF_REQ_STATS, "yy-y-yy" },
		{ HF_CMD_ACK, "yy-y--y" },      { HF_CMD_ASSIGN, "yy-y--y" },
		{ HF_CMD_CHECK_IN, "yy-y--y" }, { HF_CMD_ACCEPT, "yyyy--y" },
		{ HF_CMD_ARRIVE, "yyyy--y" },   { HF_CMD_RESOLVE, "yy----y" },
		{ HF_CMD_CANCEL, "yy----y" },
	};
	const enum hf_client_role roles[] = { HF_CLIENT_DISPATCHER, HF_CLIENT_SUPERVISOR,
					      HF_CLIENT_CONSTABLE,  HF_CLIENT_CAD,
					      HF_CLIENT_ADAPTER,    HF_CLIENT_ADMIN,
					      HF_CLIENT_LOCAL };

	for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++)
		for (size_t i = 0; i < 7; i++) {
			const char *why = hf_access_request(roles[i], rows[r].kind);

			cr_assert_eq(why == NULL, rows[r].allowed[i] == 'y',
				     "kind %d, role %s: %s", rows[r].kind,
				     hf_client_role_name(roles[i]), why ? why : "allowed");
		}
	cr_assert_str_eq(hf_access_request(HF_CLIENT_CONSTABLE, HF_CMD_RESOLVE),
			 "only a dispatcher or a supervisor resolves or cancels an incident");
	cr_assert_not_null(hf_access_request(HF_CLIENT_DISPATCHER, 999), "an unknown kind is refused");
}

Test(access, only_adapters_ingest_and_adapters_only_ingest)
{
	cr_assert(hf_access_domain(HF_CLIENT_ADAPTER, HF_DOMAIN_INGEST));
	cr_assert_not(hf_access_domain(HF_CLIENT_ADAPTER, HF_DOMAIN_PUBLISH));
	cr_assert_not(hf_access_domain(HF_CLIENT_ADAPTER, HF_DOMAIN_COMMAND));
	for (enum hf_client_role r = HF_CLIENT_DISPATCHER; r <= HF_CLIENT_ADMIN; r++) {
		if (r == HF_CLIENT_ADAPTER)
			continue;
		cr_assert_not(hf_access_domain(r, HF_DOMAIN_INGEST), "%d ingests", r);
		cr_assert(hf_access_domain(r, HF_DOMAIN_PUBLISH));
		cr_assert(hf_access_domain(r, HF_DOMAIN_COMMAND));
	}
	cr_assert_not(hf_access_domain(HF_CLIENT_DISPATCHER, "other"));
}

/* ------------------------------------------------------------ rate limits */

#define MS(x) ((int64_t)(x) * 1000000)

Test(limits, a_bucket_allows_its_burst_then_its_rate)
{
	struct hf_bucket b = { 0 };
	int ok = 0;

	for (int i = 0; i < 100; i++)
		ok += hf_bucket_take(&b, 10, 20, MS(1000));
	cr_assert_eq(ok, 20, "the burst");
	cr_assert_not(hf_bucket_take(&b, 10, 20, MS(1050)), "half a token after 50 ms");
	cr_assert(hf_bucket_take(&b, 10, 20, MS(1100)), "one token after 100 ms at 10/s");
	cr_assert_not(hf_bucket_take(&b, 10, 20, MS(1100)));
	/* a long idle refills to the burst, not beyond */
	ok = 0;
	for (int i = 0; i < 100; i++)
		ok += hf_bucket_take(&b, 10, 20, MS(100000));
	cr_assert_eq(ok, 20);
	/* rate 0 is no limit */
	for (int i = 0; i < 1000; i++)
		cr_assert(hf_bucket_take(&b, 0, 1, MS(100000)));
}

Test(limits, identities_have_their_own_buckets)
{
	struct hf_limiter l;
	int a = 0, b = 0;

	hf_limiter_init(&l);
	for (int i = 0; i < 50; i++) {
		a += hf_limiter_take(&l, "flooder", 5, 10, MS(1));
		b += i < 10 ? hf_limiter_take(&l, "desk", 5, 10, MS(1)) : 0;
	}
	cr_assert_eq(a, 10);
	cr_assert_eq(b, 10, "the flood did not use the desk's tokens");
	hf_limiter_finish(&l);
}

Test(limits, past_the_table_size_the_longest_idle_are_forgotten_not_the_active)
{
	struct hf_limiter l;
	char name[32];

	hf_limiter_init(&l);
	cr_assert(hf_limiter_take(&l, "busy", 1, 1, MS(1)));
	for (int i = 0; i < HF_LIMITER_MAX + 10; i++) {
		snprintf(name, sizeof name, "id-%d", i);
		cr_assert(hf_limiter_take(&l, name, 1, 1, MS(2 + i)), "new identity %d", i);
		/* busy keeps using its (empty) bucket: it must stay tracked */
		if (i % 512 == 0)
			hf_limiter_take(&l, "busy", 1e-9, 1, MS(3 + i));
	}
	cr_assert_leq(l.n, HF_LIMITER_MAX);
	cr_assert_not(hf_limiter_take(&l, "busy", 1e-9, 1, MS(HF_LIMITER_MAX + 20)),
		      "an active flooder was forgotten and got a fresh burst");
	hf_limiter_finish(&l);
}

/* ------------------------------------------------------------ config */

static const char *const types[] = { "tetra-pei", "gpsd", "ingest", NULL };

static int load(const char *yaml, struct hf_config **cfg, struct hf_diag *d)
{
	hf_diag_init(d);
	return hf_config_load_string("sec.yaml", yaml, strlen(yaml), types, cfg, d);
}

static bool has(const struct hf_diag *d, int line, int col, const char *part)
{
	for (size_t i = 0; i < d->n; i++)
		if (d->entries[i].line == line && d->entries[i].col == col &&
		    strstr(d->entries[i].msg, part))
			return true;
	return false;
}

Test(security_config, knows_which_endpoints_are_local)
{
	const char *local[] = { "tcp://127.0.0.1:7701", "tcp://127.1.2.3:1", "tcp://localhost:7",
				"tcp://[::1]:7701", "tcp://lo:7701", "ipc:///run/handoff/pub",
				"inproc://x" };
	const char *remote[] = { "tcp://*:7701", "tcp://0.0.0.0:7701", "tcp://10.1.2.3:7701",
				 "tcp://[::]:7701", "tcp://eth0:7701", "tcp://127x:1",
				 "pgm://eth0;239.1.1.1:5555" };

	for (size_t i = 0; i < sizeof local / sizeof *local; i++)
		cr_assert(hf_endpoint_is_local(local[i]), "%s", local[i]);
	for (size_t i = 0; i < sizeof remote / sizeof *remote; i++)
		cr_assert_not(hf_endpoint_is_local(remote[i]), "%s", remote[i]);
}

Test(security_config, a_network_bind_without_keys_needs_insecure_true)
{
	struct hf_config *cfg;
	struct hf_diag d;

	cr_assert_eq(load("endpoints:\n  publish: tcp://0.0.0.0:7701\n", &cfg, &d), -EINVAL);
	cr_assert(has(&d, 2, 12, "binds \"tcp://0.0.0.0:7701\", which is not loopback, without "
		      "CURVE keys"), "%s", d.n ? d.entries[0].msg : "no problem");
	cr_assert(has(&d, 2, 12, "security.insecure: true"));
	hf_diag_finish(&d);

	cr_assert_eq(load("security:\n  insecure: true\nendpoints:\n  publish: tcp://0.0.0.0:7701\n"
			  "  ingest: tcp://*:7703\n", &cfg, &d), 0);
	cr_assert(cfg->security.insecure);
	hf_config_destroy(cfg);
	hf_diag_finish(&d);

	/* with keys a network address is fine (the files are checked by
	 * hf_config_load, not by the pure string loader) */
	cr_assert_eq(load("security:\n  server_cert: k/server.key_secret\n  clients: k/keys.yaml\n"
			  "endpoints:\n  publish: tcp://10.0.0.1:7701\n", &cfg, &d), 0);
	cr_assert_str_eq(cfg->security.server_cert, "k/server.key_secret");
	hf_config_destroy(cfg);
	hf_diag_finish(&d);
}

Test(security_config, keys_and_the_keys_file_come_together_and_limits_have_defaults)
{
	struct hf_config *cfg;
	struct hf_diag d;

	cr_assert_eq(load("security:\n  server_cert: s.key_secret\n", &cfg, &d), -EINVAL);
	cr_assert(has(&d, 2, 16, "\"server_cert\" needs \"clients\" too"));
	hf_diag_finish(&d);
	cr_assert_eq(load("security:\n  clients: keys.yaml\n", &cfg, &d), -EINVAL);
	cr_assert(has(&d, 2, 12, "\"clients\" needs \"server_cert\" too"));
	hf_diag_finish(&d);

	cr_assert_eq(load("gateway: {id: a}\n", &cfg, &d), 0);
	cr_assert_eq(cfg->security.limits.max_command_bytes, 16384);
	cr_assert_eq(cfg->security.limits.max_ingest_bytes, 65536);
	cr_assert_float_eq(cfg->security.limits.commands_per_s, 20, 1e-9);
	cr_assert_float_eq(cfg->security.limits.ingest_per_s, 5000, 1e-9);
	cr_assert_eq(cfg->security.insecure, 0);
	hf_config_destroy(cfg);
	hf_diag_finish(&d);
}

static const char *roster =
	"roster:\n"
	"  - {id: pc-5002, issi: 5002, callsign: PC 5002, role: constable}\n";

Test(security_config, reads_a_keys_file, .init = make_pair)
{
	struct hf_config *cfg;
	struct hf_diag d;
	char keys[1024];

	cr_assert_eq(load(roster, &cfg, &d), 0);
	snprintf(keys, sizeof keys,
		 "clients:\n"
		 "  - name: desk-central\n    role: dispatcher\n    key: \"%s\"\n"
		 "  - name: pc-5002\n    role: constable\n    unit: pc-5002\n"
		 "    key: \"rq:rM>}U?@Lns47E1%%kR.o@n%%FcmmsL/@{H8]yf7\"\n",
		 pair.public_key);
	cr_assert_eq(hf_config_keys_load_string(cfg, "keys.yaml", keys, strlen(keys), &d), 0,
		     "%s", d.n ? d.entries[0].msg : "");
	cr_assert_eq(cfg->security.n_clients, 2);
	cr_assert_eq(hf_access_find_key(cfg, pair.public_key), &cfg->security.clients[0]);
	cr_assert_eq(hf_access_find_name(cfg, "pc-5002")->role, HF_CLIENT_CONSTABLE);
	cr_assert_str_eq(hf_access_find_name(cfg, "pc-5002")->unit, "pc-5002");
	cr_assert_null(hf_access_find_name(cfg, "nobody"));
	cr_assert_null(hf_access_find_key(cfg, "nobody"));
	hf_config_destroy(cfg);
	hf_diag_finish(&d);
}

Test(security_config, reports_keys_file_problems_at_their_line_and_column, .init = make_pair)
{
	static const struct {
		const char *yaml;
		int line, col;
		const char *want;
	} cases[] = {
		{ "clients:\n  - name: a\n    role: chief\n    key: K\n", 3, 11,
		  "unknown role \"chief\" (known: dispatcher, supervisor, constable, cad, adapter, admin)" },
		{ "clients:\n  - name: a\n    role: cad\n    key: abc\n", 4, 10,
		  "must be a CURVE public key: 40 characters of Z85" },
		{ "clients:\n  - name: a\n    role: constable\n    key: K\n", 2, 5,
		  "a constable's key needs \"unit\"" },
		{ "clients:\n  - name: a\n    role: cad\n    unit: pc-5002\n    key: K\n", 4, 11,
		  "\"unit\" applies only to a constable's key" },
		{ "clients:\n  - name: a\n    role: constable\n    unit: pc-9\n    key: K\n", 4, 11,
		  "names unit \"pc-9\", which is not on the roster" },
		{ "clients:\n  - name: a\n    role: cad\n    key: K\n  - name: a\n    role: cad\n"
		  "    key: K\n", 5, 11, "duplicate client name \"a\"" },
		{ "clients:\n  - name: a\n    role: cad\n    key: K\n  - name: b\n    role: cad\n"
		  "    key: K\n", 7, 10, "duplicate public key" },
		{ "clients:\n  - name: a\n    role: cad\n    kee: K\n", 4, 5, "unknown key \"kee\"" },
		{ "client:\n  - {}\n", 1, 1, "unknown key \"client\"" },
		{ "? a\n: b\n", 1, 1, "explicit mapping keys" },
		{ "", 1, 1, "the file is empty; expected a mapping with clients:" },
	};

	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct hf_config *cfg;
		struct hf_diag d;
		char yaml[1024], *k;

		cr_assert_eq(load(roster, &cfg, &d), 0);
		hf_diag_finish(&d);
		hf_diag_init(&d);
		/* K stands for a valid key */
		yaml[0] = '\0';
		for (const char *p = cases[i].yaml; *p; p = k + 1) {
			k = strchr(p, 'K');
			if (!k) {
				strcat(yaml, p);
				break;
			}
			strncat(yaml, p, (size_t)(k - p));
			strcat(yaml, "\"");
			strcat(yaml, pair.public_key);
			strcat(yaml, "\"");
		}
		cr_assert_eq(hf_config_keys_load_string(cfg, "keys.yaml", yaml, strlen(yaml), &d),
			     -EINVAL, "case %zu loaded", i);
		cr_assert(has(&d, cases[i].line, cases[i].col, cases[i].want),
			  "case %zu: want %d:%d: %s; got %d:%d: %s", i, cases[i].line,
			  cases[i].col, cases[i].want, d.n ? d.entries[0].line : 0,
			  d.n ? d.entries[0].col : 0, d.n ? d.entries[0].msg : "nothing");
		cr_assert_eq(cfg->security.n_clients, 0, "nothing kept from a bad keys file");
		hf_config_destroy(cfg);
		hf_diag_finish(&d);
	}
}
