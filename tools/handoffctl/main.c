/*
 * main.c - handoffctl: the dispatcher's and integrator's tool.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>

#include <zmq.h>

#include "adapter.h"
#include "ctl.h"
#include "pbjson.h"

static void usage(FILE *fp)
{
	fprintf(fp,
		"Usage: handoffctl [-c FILE] [--actor NAME] [--timeout MS] [--json] COMMAND ...\n"
		"\n"
		"Commands:\n"
		"  watch [--lines] [--json] [--units]\n"
		"                               live: on a terminal the dispatcher console (keys\n"
		"                               a ack, s assign, r resolve, c cancel, q quit), else\n"
		"                               alert lines (Clone pattern: snapshot, then updates)\n"
		"  snapshot [--json] [--units] [--all]\n"
		"                               open incidents and links, once\n"
		"  ack INCIDENT                 acknowledge an incident\n"
		"  assign INCIDENT CALLSIGN     assign a constable\n"
		"  accept INCIDENT [CALLSIGN]   the assigned constable accepts\n"
		"  arrive INCIDENT [CALLSIGN]   a constable is on scene\n"
		"  resolve INCIDENT [OUTCOME]   close with an outcome\n"
		"  cancel INCIDENT REASON       close without action (a reason is required)\n"
		"  check-in CALLSIGN            record a lone worker's check-in\n"
		"  decode [--quiet]             decode a captured PEI stream on stdin to JSON lines\n"
		"  export [--journal PATH] [-o FILE] INCIDENT\n"
		"                               the incident's timeline from the journal as\n"
		"                               tamper-evident JSON (see export --help)\n"
		"  verify FILE                  check an export (FILE - : stdin); exit 0 if intact\n"
		"  stats                        the gateway's counters (refusals, rate limits, ...)\n"
		"  keygen [--role ROLE] [--unit UNIT] [--dir DIR] NAME\n"
		"                               a CURVE key pair: NAME.key and NAME.key_secret,\n"
		"                               and the keys-file entry to add (keygen --help)\n"
		"\n"
		"Options:\n"
		"  -c, --config FILE   take endpoints and state_dir from the gateway's config\n"
		"                      (default: the shipped loopback endpoints and \"state\")\n"
		"  -a, --actor NAME    who is acting (default $HANDOFF_ACTOR, else $USER)\n"
		"  -t, --timeout MS    how long to wait for the gateway (default 5000)\n"
		"  -k, --key KEY       idempotency key: a command repeated with the same key is\n"
		"                      answered, not applied again (default: a fresh key)\n"
		"  -j, --json          print replies as proto3 JSON\n"
		"      --cert FILE     this desk's CURVE key pair (NAME.key_secret from\n"
		"                      `handoffctl keygen`; default $HANDOFF_CERT)\n"
		"      --server-key FILE\n"
		"                      the gateway's public certificate (server.key; default\n"
		"                      $HANDOFF_SERVER_KEY, else the one beside the config's\n"
		"                      security.server_cert). CURVE is used when both are known.\n"
		"  -h, --help          this help\n"
		"\n"
		"INCIDENT is an id like INC-0007, or just 7. Exit status: 0 done, 1 refused or\n"
		"failed (the reason is printed), 2 usage error.\n");
}

static const struct {
	const char *name;
	Handoff__V1__CommandKind kind;
	bool needs_callsign;
	bool takes_callsign;
	bool takes_note;
	bool needs_note;
	bool no_incident; /* the first argument is a callsign, not an incident */
} commands[] = {
	{ "ack", HANDOFF__V1__COMMAND_KIND__COMMAND_KIND_ACK, false, false, false },
	{ "assign", HANDOFF__V1__COMMAND_KIND__COMMAND_KIND_ASSIGN, true, true, false },
	{ "accept", HANDOFF__V1__COMMAND_KIND__COMMAND_KIND_ACCEPT, false, true, false },
	{ "arrive", HANDOFF__V1__COMMAND_KIND__COMMAND_KIND_ARRIVE, false, true, false },
	{ "resolve", HANDOFF__V1__COMMAND_KIND__COMMAND_KIND_RESOLVE, false, false, true },
	{ "cancel", HANDOFF__V1__COMMAND_KIND__COMMAND_KIND_CANCEL, false, false, true, true },
	{ "check-in", HANDOFF__V1__COMMAND_KIND__COMMAND_KIND_CHECK_IN, false, false, false,
	  false, true },
};

/* Joins argv[from..] with spaces into buf. */
static void join(char *buf, size_t size, int argc, char **argv, int from)
{
	buf[0] = '\0';
	for (int i = from; i < argc; i++) {
		if (i > from)
			strncat(buf, " ", size - strlen(buf) - 1);
		strncat(buf, argv[i], size - strlen(buf) - 1);
	}
}

static int run_command(const struct ctl *ctl, size_t which, int argc, char **argv)
{
	Handoff__V1__Request req;
	Handoff__V1__Command cmd;
	Handoff__V1__Reply *reply;
	char note[512];
	int rc;

	if (argc < 2 || (commands[which].needs_callsign && argc < 3) ||
	    (commands[which].needs_note && argc < 3) ||
	    (!commands[which].takes_note && argc > 2 + commands[which].takes_callsign)) {
		fprintf(stderr, "Usage: handoffctl %s %s%s\n", commands[which].name,
			commands[which].no_incident ? "CALLSIGN" : "INCIDENT",
			commands[which].needs_callsign   ? " CALLSIGN"
			: commands[which].takes_callsign ? " [CALLSIGN]"
			: commands[which].needs_note     ? " TEXT"
			: commands[which].takes_note     ? " [TEXT]"
							 : "");
		return 2;
	}
	handoff__v1__request__init(&req);
	handoff__v1__command__init(&cmd);
	cmd.kind = commands[which].kind;
	if (commands[which].no_incident)
		cmd.callsign = argv[1];
	else
		cmd.incident_id = argv[1];
	req.idempotency_key = (char *)ctl->key;
	if (commands[which].takes_callsign && argc > 2)
		cmd.callsign = argv[2];
	if (commands[which].takes_note) {
		join(note, sizeof note, argc, argv, 2);
		cmd.note = note;
	}
	req.body_case = HANDOFF__V1__REQUEST__BODY_COMMAND;
	req.command = &cmd;
	rc = ctl_request(ctl, &req, &reply);
	if (rc)
		return 1;
	if (ctl->json)
		hf_pbjson_print(stdout, &reply->base);
	else if (reply->code == HANDOFF__V1__REPLY_CODE__REPLY_CODE_OK)
		printf("%s\n", reply->message);
	if (reply->code != HANDOFF__V1__REPLY_CODE__REPLY_CODE_OK && !ctl->json)
		fprintf(stderr, "handoffctl: %s %s refused: %s\n", commands[which].name, argv[1],
			reply->message);
	rc = reply->code == HANDOFF__V1__REPLY_CODE__REPLY_CODE_OK ? 0 : 1;
	handoff__v1__reply__free_unpacked(reply, NULL);
	return rc;
}

/* `stats`: the gateway's counters, one "name value" line each. */
static int run_stats(const struct ctl *ctl)
{
	Handoff__V1__Request req;
	Handoff__V1__StatsRequest sr;
	Handoff__V1__Reply *reply;
	int rc;

	handoff__v1__request__init(&req);
	handoff__v1__stats_request__init(&sr);
	req.body_case = HANDOFF__V1__REQUEST__BODY_STATS;
	req.stats = &sr;
	if (ctl_request(ctl, &req, &reply))
		return 1;
	if (ctl->json)
		hf_pbjson_print(stdout, &reply->base);
	else if (reply->code != HANDOFF__V1__REPLY_CODE__REPLY_CODE_OK)
		fprintf(stderr, "handoffctl: stats refused: %s\n", reply->message);
	else if (reply->stats)
		for (size_t i = 0; i < reply->stats->n_counters; i++)
			printf("%-32s %llu\n", reply->stats->counters[i]->name,
			       (unsigned long long)reply->stats->counters[i]->value);
	rc = reply->code == HANDOFF__V1__REPLY_CODE__REPLY_CODE_OK ? 0 : 1;
	handoff__v1__reply__free_unpacked(reply, NULL);
	return rc;
}

/* CURVE keys for the client sockets: this desk's key pair and the gateway's
 * public key. Both or neither; a file that cannot be read stops the run. */
static int load_keys(struct ctl *ctl, const char *cert_path, const char *server_path)
{
	char err[512], derived[HF_PATH_MAX];
	struct hf_curve_cert server;

	if (cert_path && !*cert_path)
		cert_path = NULL;
	if (server_path && !*server_path)
		server_path = NULL;
	if (!server_path && cert_path && ctl->cfg->security.server_cert[0] &&
	    hf_curve_public_path(ctl->cfg->security.server_cert, derived, sizeof derived))
		server_path = derived;
	if (!cert_path && !server_path)
		return 0;
	if (!cert_path || !server_path) {
		fprintf(stderr, "handoffctl: CURVE needs both this desk's key pair (--cert) and "
				"the gateway's public key (--server-key)\n");
		return -1;
	}
	if (hf_curve_cert_load(cert_path, true, &ctl->cert, err, sizeof err) != 0 ||
	    hf_curve_cert_load(server_path, false, &server, err, sizeof err) != 0) {
		fprintf(stderr, "handoffctl: %s\n", err);
		return -1;
	}
	hf_strlcpy(ctl->server_key, server.public_key, sizeof ctl->server_key);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "actor", required_argument, NULL, 'a' },
		{ "timeout", required_argument, NULL, 't' },
		{ "key", required_argument, NULL, 'k' },
		{ "json", no_argument, NULL, 'j' },
		{ "cert", required_argument, NULL, 'C' },
		{ "server-key", required_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static struct hf_config defaults;
	const char *path = NULL;
	struct hf_config *loaded = NULL;
	struct ctl ctl = { .timeout_ms = 5000 };
	char fresh_key[64];
	struct timespec ts;
	const char *cmd;
	const char *cert_path = getenv("HANDOFF_CERT");
	const char *server_path = getenv("HANDOFF_SERVER_KEY");
	int opt, rc;

	/* A fresh key per run: the gateway applies this run's command once even if
	 * the request reaches it twice. --key lets a script retry a command safely. */
	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(fresh_key, sizeof fresh_key, "ctl-%ld-%ld.%09ld", (long)getpid(), (long)ts.tv_sec,
		 ts.tv_nsec);
	ctl.key = fresh_key;

	ctl.actor = getenv("HANDOFF_ACTOR");
	if (!ctl.actor || !*ctl.actor)
		ctl.actor = getenv("USER");
	if (!ctl.actor || !*ctl.actor)
		ctl.actor = "handoffctl";
	/* '+': stop at the command, whose own options follow it. */
	while ((opt = getopt_long(argc, argv, "+c:a:t:k:jh", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			path = optarg;
			break;
		case 'a':
			ctl.actor = optarg;
			break;
		case 't':
			ctl.timeout_ms = atoi(optarg);
			if (ctl.timeout_ms <= 0) {
				fprintf(stderr, "handoffctl: --timeout needs a positive number of ms\n");
				return 2;
			}
			break;
		case 'k':
			ctl.key = optarg;
			break;
		case 'j':
			ctl.json = true;
			break;
		case 'C':
			cert_path = optarg;
			break;
		case 'S':
			server_path = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	cmd = argv[optind];
	argc -= optind;
	argv += optind;

	if (path) {
		struct hf_diag diag;

		hf_diag_init(&diag);
		if (hf_config_load_client(path, hf_adapter_type_names(), &loaded, &diag) != 0) {
			hf_diag_print(&diag, stderr);
			hf_diag_finish(&diag);
			return 1;
		}
		hf_diag_finish(&diag);
		ctl.cfg = loaded;
	} else {
		hf_config_defaults(&defaults);
		ctl.cfg = &defaults;
	}

	if (strcmp(cmd, "keygen") == 0) {
		rc = ctl_keygen(&ctl, argc, argv);
		hf_config_destroy(loaded);
		return rc;
	}
	if (load_keys(&ctl, cert_path, server_path) != 0) {
		hf_config_destroy(loaded);
		return 1;
	}
	if (strcmp(cmd, "decode") == 0 || strcmp(cmd, "export") == 0 ||
	    strcmp(cmd, "verify") == 0) {
		rc = cmd[0] == 'd'   ? ctl_decode(&ctl, argc, argv)
		     : cmd[0] == 'e' ? ctl_export(&ctl, argc, argv)
				     : ctl_verify(&ctl, argc, argv);
		hf_config_destroy(loaded);
		return rc;
	}
	ctl.zmq_ctx = zmq_ctx_new();
	if (strcmp(cmd, "watch") == 0) {
		rc = ctl_watch(&ctl, argc, argv);
	} else if (strcmp(cmd, "snapshot") == 0) {
		rc = ctl_snapshot(&ctl, argc, argv);
	} else if (strcmp(cmd, "stats") == 0) {
		rc = run_stats(&ctl);
	} else {
		size_t i;

		for (i = 0; i < HF_ARRAY_SIZE(commands); i++)
			if (strcmp(cmd, commands[i].name) == 0)
				break;
		if (i == HF_ARRAY_SIZE(commands)) {
			fprintf(stderr, "handoffctl: unknown command \"%s\"\n", cmd);
			usage(stderr);
			rc = 2;
		} else {
			rc = run_command(&ctl, i, argc, argv);
		}
	}
	zmq_ctx_term(ctl.zmq_ctx);
	hf_config_destroy(loaded);
	return rc;
}
