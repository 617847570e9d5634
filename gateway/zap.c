/*
 * zap.c - see zap.h.
 */
#include <errno.h>
#include <string.h>

#include "access.h"
#include "curve.h"
#include "log.h"
#include "zap.h"

#define ZAP_ENDPOINT "inproc://zeromq.zap.01"

static uint64_t refused(const struct hf_zap_stats *s)
{
	return s->refused_unknown + s->refused_role + s->refused_other;
}

/* Sends the six reply frames. */
static void reply(struct hf_zap *zap, zmq_msg_t *request_id, const char *code,
		  const char *text, const char *user)
{
	void *s = zap->z.sock;

	zmq_send(s, "1.0", 3, ZMQ_SNDMORE);
	zmq_send(s, zmq_msg_data(request_id), zmq_msg_size(request_id), ZMQ_SNDMORE);
	zmq_send(s, code, strlen(code), ZMQ_SNDMORE);
	zmq_send(s, text, strlen(text), ZMQ_SNDMORE);
	zmq_send(s, user, strlen(user), ZMQ_SNDMORE);
	zmq_send(s, "", 0, 0);
}

/* Copies a frame as text (cut to size - 1). */
static void frame_text(zmq_msg_t *m, char *out, size_t size)
{
	size_t n = zmq_msg_size(m) < size - 1 ? zmq_msg_size(m) : size - 1;

	memcpy(out, zmq_msg_data(m), n);
	out[n] = '\0';
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)out[i] < 0x20 || (unsigned char)out[i] > 0x7e)
			out[i] = '?';
}

static void refuse(struct hf_zap *zap, zmq_msg_t *request_id, uint64_t *counter,
		   const char *code, const char *why, const char *domain, const char *address,
		   const char *key)
{
	(*counter)++;
	if (hf_log_sample(refused(&zap->stats)))
		hf_warn("refused a client on %s from %s (key %s): %s (%llu refused so far)",
			domain, address, key[0] ? key : "none", why,
			(unsigned long long)refused(&zap->stats));
	reply(zap, request_id, code, why, "");
}

/* frames: version, request id, domain, address, routing id, mechanism,
 * credentials (CURVE: the client's 32-byte public key). */
static void on_request(struct hf_zsock *z, zmq_msg_t *f, size_t n, bool truncated)
{
	struct hf_zap *zap = z->data;
	char domain[32], address[64], mechanism[16], key[HF_Z85_KEY_LEN + 1] = "";
	const struct hf_client_key *k;

	if (n < 2) {
		zap->stats.refused_other++;
		return; /* nothing to answer to: libzmq never sends this */
	}
	if (n < 6 || truncated || zmq_msg_size(&f[0]) != 3 || memcmp(zmq_msg_data(&f[0]), "1.0", 3)) {
		zap->stats.refused_other++;
		reply(zap, &f[1], "500", "malformed ZAP request", "");
		return;
	}
	frame_text(&f[2], domain, sizeof domain);
	frame_text(&f[3], address, sizeof address);
	frame_text(&f[5], mechanism, sizeof mechanism);
	if (strcmp(mechanism, "CURVE") != 0 || n != 7 || zmq_msg_size(&f[6]) != 32) {
		refuse(zap, &f[1], &zap->stats.refused_other, "400",
		       "only CURVE clients are accepted", domain, address, key);
		return;
	}
	zmq_z85_encode(key, zmq_msg_data(&f[6]), 32);
	k = hf_access_find_key(zap->cfg, key);
	if (!k) {
		refuse(zap, &f[1], &zap->stats.refused_unknown, "400",
		       "unknown key (not in the keys file)", domain, address, key);
		return;
	}
	if (!hf_access_domain(k->role, domain)) {
		char why[160];

		snprintf(why, sizeof why, "%s (%s) may not connect to the %s endpoint", k->name,
			 hf_client_role_name(k->role), domain);
		refuse(zap, &f[1], &zap->stats.refused_role, "400", why, domain, address, key);
		return;
	}
	zap->stats.accepted++;
	hf_info("%s (%s) connected to %s from %s", k->name, hf_client_role_name(k->role), domain,
		address);
	reply(zap, &f[1], "200", "OK", k->name);
}

int hf_zap_init(struct hf_zap *zap, uv_loop_t *loop, void *zmq_ctx, const struct hf_config *cfg)
{
	void *s = zmq_socket(zmq_ctx, ZMQ_REP);
	int linger = 0, rc;

	memset(zap, 0, sizeof *zap);
	zap->cfg = cfg;
	if (!s)
		return -zmq_errno();
	zmq_setsockopt(s, ZMQ_LINGER, &linger, sizeof linger);
	if (zmq_bind(s, ZAP_ENDPOINT) != 0) {
		rc = -zmq_errno();
		hf_err("cannot bind the ZAP handler %s: %s", ZAP_ENDPOINT, zmq_strerror(-rc));
		zmq_close(s);
		return rc;
	}
	rc = hf_zsock_init(&zap->z, loop, s, on_request);
	if (rc) {
		zmq_close(s);
		return rc;
	}
	zap->z.data = zap;
	return 0;
}

void hf_zap_set_config(struct hf_zap *zap, const struct hf_config *cfg)
{
	zap->cfg = cfg;
}

static void on_closed(struct hf_zsock *z)
{
	struct hf_zap *zap = z->data;

	hf_info("ZAP: %llu clients accepted, %llu refused", (unsigned long long)zap->stats.accepted,
		(unsigned long long)refused(&zap->stats));
	if (zap->close_cb)
		zap->close_cb(zap);
}

void hf_zap_close(struct hf_zap *zap, void (*cb)(struct hf_zap *zap))
{
	zap->close_cb = cb;
	hf_zsock_close(&zap->z, on_closed);
}
