/*
 * ctl.h - shared parts of handoffctl (the dispatcher and integrator tool).
 */
#ifndef HF_CTL_H
#define HF_CTL_H

#include <stdio.h>

#include "config.h"
#include "curve.h"
#include "handoff/v1/bus.pb-c.h"
#include "handoff/v1/command.pb-c.h"

struct ctl {
	const struct hf_config *cfg; /* endpoints from -c FILE, or the defaults */
	void *zmq_ctx;
	const char *actor;           /* --actor, $HANDOFF_ACTOR, $USER, or "handoffctl" */
	int timeout_ms;              /* for each request */
	const char *key;             /* --key, else a fresh idempotency key per run */
	bool json;
	/* CURVE: on when both are set (--cert/--server-key, $HANDOFF_CERT and
	 * $HANDOFF_SERVER_KEY, or the server key named by the config). */
	struct hf_curve_cert cert;   /* this client's key pair */
	char server_key[HF_Z85_KEY_LEN + 1];
};

/* client.c: a socket of type connected to ep, with CURVE when ctl has keys.
 * NULL after printing why. */
void *ctl_connect(const struct ctl *ctl, int type, const char *ep);
/* The same, and *mon (may be NULL on failure) a socket that receives s's
 * failed handshakes: pass it to ctl_handshake_refused; close it with s. */
void *ctl_connect_watched(const struct ctl *ctl, int type, const char *ep, void **mon);
/* Reads mon's events; if a handshake failed, prints why (refused key, keys
 * missing, wrong server key) and returns true. */
bool ctl_handshake_refused(const struct ctl *ctl, void *mon, const char *ep);

/* client.c: sends req on the command endpoint (DEALER) and waits for the reply.
 * Returns 0 with *reply set (free with handoff__v1__reply__free_unpacked), or a
 * negative errno (-ETIMEDOUT when the gateway does not answer) after printing
 * why to stderr. */
int ctl_request(const struct ctl *ctl, Handoff__V1__Request *req, Handoff__V1__Reply **reply);

/* format.c: one readable line per thing, for `watch` and `snapshot`. */
void ctl_print_incident(FILE *fp, const Handoff__V1__Incident *inc, int64_t at_unix_ms,
			const char *tag);
void ctl_print_notice(FILE *fp, const Handoff__V1__Notice *n, int64_t at_unix_ms);
void ctl_print_link(FILE *fp, const Handoff__V1__LinkState *l, int64_t at_unix_ms);
void ctl_print_unit(FILE *fp, const Handoff__V1__UnitState *u, int64_t at_unix_ms);
/* "10:02:03Z" (UTC) into buf. */
const char *ctl_clock(int64_t unix_ms, char *buf, size_t size);

/* watch.c / decode.c */
int ctl_watch(const struct ctl *ctl, int argc, char **argv);
int ctl_snapshot(const struct ctl *ctl, int argc, char **argv);
int ctl_decode(const struct ctl *ctl, int argc, char **argv);
/* export.c: `export INCIDENT` from the journal database, `verify FILE`. */
int ctl_export(const struct ctl *ctl, int argc, char **argv);
int ctl_verify(const struct ctl *ctl, int argc, char **argv);
/* keygen.c: `keygen NAME`, a CURVE key pair. */
int ctl_keygen(const struct ctl *ctl, int argc, char **argv);

#endif
