/*
 * zsock.c - see zsock.h.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "zsock.h"

#define DEFAULT_BUDGET 256

static bool readable(struct hf_zsock *z)
{
	int events = 0;
	size_t len = sizeof events;

	if (zmq_getsockopt(z->sock, ZMQ_EVENTS, &events, &len) != 0)
		return false;
	return events & ZMQ_POLLIN;
}

/* Receives one whole message; returns its frame count, 0 if none was waiting,
 * or -1 on error. Frames past the array are received and dropped. */
static int recv_message(struct hf_zsock *z, zmq_msg_t *frames, bool *truncated)
{
	int n = 0;
	int more;

	*truncated = false;
	do {
		zmq_msg_t scratch;
		zmq_msg_t *m = n < HF_ZSOCK_MAX_FRAMES ? &frames[n] : &scratch;

		zmq_msg_init(m);
		if (zmq_msg_recv(m, z->sock, ZMQ_DONTWAIT) < 0) {
			int err = zmq_errno();

			zmq_msg_close(m);
			for (int i = 0; i < n && i < HF_ZSOCK_MAX_FRAMES; i++)
				zmq_msg_close(&frames[i]);
			return err == EAGAIN && n == 0 ? 0 : -1;
		}
		more = zmq_msg_more(m);
		if (m == &scratch) {
			*truncated = true;
			zmq_msg_close(m);
		} else {
			n++;
		}
	} while (more);
	return n;
}

static void on_idle(uv_idle_t *h);

/* Delivers up to budget messages; re-arms the idle handle if more remain. */
static void drain(struct hf_zsock *z)
{
	for (unsigned i = 0; i < z->budget && !z->closing; i++) {
		zmq_msg_t frames[HF_ZSOCK_MAX_FRAMES];
		bool truncated;
		int n;

		if (!readable(z))
			goto idle;
		n = recv_message(z, frames, &truncated);
		if (n <= 0)
			goto idle;
		z->received++;
		z->on_msg(z, frames, (size_t)n, truncated);
		for (int f = 0; f < n; f++)
			zmq_msg_close(&frames[f]);
	}
	if (!z->closing && readable(z)) {
		/* Budget spent with more waiting: continue next loop iteration. */
		if (!uv_is_active((uv_handle_t *)&z->idle))
			uv_idle_start(&z->idle, on_idle);
		return;
	}
idle:
	uv_idle_stop(&z->idle);
}

static void on_idle(uv_idle_t *h)
{
	drain(h->data);
}

static void on_poll(uv_poll_t *h, int status, int events)
{
	struct hf_zsock *z = h->data;

	if (status < 0)
		hf_warn("zmq socket poll: %s", uv_strerror(status));
	drain(z);
}

int hf_zsock_init(struct hf_zsock *z, uv_loop_t *loop, void *sock, hf_zsock_msg_cb on_msg)
{
	int fd;
	size_t len = sizeof fd;
	int rc;

	memset(z, 0, sizeof *z);
	z->sock = sock;
	z->on_msg = on_msg;
	z->budget = DEFAULT_BUDGET;
	uv_idle_init(loop, &z->idle);
	z->idle.data = z;
	z->open_handles = 1;
	if (!on_msg)
		return 0;
	if (zmq_getsockopt(sock, ZMQ_FD, &fd, &len) != 0) {
		rc = -zmq_errno();
		goto fail;
	}
	rc = uv_poll_init(loop, &z->poll, fd);
	if (rc)
		goto fail;
	z->poll.data = z;
	z->open_handles++;
	rc = uv_poll_start(&z->poll, UV_READABLE, on_poll);
	if (rc) {
		uv_close((uv_handle_t *)&z->poll, NULL);
		goto fail;
	}
	/* Messages may already be queued (the edge may have passed). */
	hf_zsock_kick(z);
	return 0;
fail:
	uv_close((uv_handle_t *)&z->idle, NULL);
	return rc;
}

void hf_zsock_kick(struct hf_zsock *z)
{
	if (z->on_msg && !z->closing && readable(z) &&
	    !uv_is_active((uv_handle_t *)&z->idle))
		uv_idle_start(&z->idle, on_idle);
}

/* Reads every monitor event waiting: [u16 event, u32 value][endpoint]. */
static void on_mon_poll(uv_poll_t *h, int status, int events)
{
	struct hf_zsock *z = h->data;
	uint8_t ev[6];
	char ep[128];

	for (;;) {
		int n = zmq_recv(z->mon, ev, sizeof ev, ZMQ_DONTWAIT);
		int more = 0;
		size_t len = sizeof more;

		if (n < 0)
			break;
		zmq_getsockopt(z->mon, ZMQ_RCVMORE, &more, &len);
		if (more)
			zmq_recv(z->mon, ep, sizeof ep, ZMQ_DONTWAIT);
		if (n != (int)sizeof ev)
			continue;
		(*z->mon_failed)++;
		if (hf_log_sample(*z->mon_failed))
			hf_warn("%s: a client failed the CURVE handshake (it has no keys or the "
				"wrong server key; %llu so far)", z->mon_label,
				(unsigned long long)*z->mon_failed);
	}
}

int hf_zsock_watch_handshakes(struct hf_zsock *z, uv_loop_t *loop, void *zmq_ctx,
			      const char *label, uint64_t *failed)
{
	static unsigned n;
	char ep[64];
	int fd, linger = 0, rc;
	size_t len = sizeof fd;

	snprintf(ep, sizeof ep, "inproc://hf-handshakes-%u", n++);
	if (zmq_socket_monitor(z->sock, ep, ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL |
						    ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL) != 0)
		return -zmq_errno();
	z->mon = zmq_socket(zmq_ctx, ZMQ_PAIR);
	if (!z->mon)
		return -zmq_errno();
	zmq_setsockopt(z->mon, ZMQ_LINGER, &linger, sizeof linger);
	if (zmq_connect(z->mon, ep) != 0 || zmq_getsockopt(z->mon, ZMQ_FD, &fd, &len) != 0) {
		rc = -zmq_errno();
		goto fail;
	}
	rc = uv_poll_init(loop, &z->mon_poll, fd);
	if (rc)
		goto fail;
	z->mon_poll.data = z;
	z->mon_label = label;
	z->mon_failed = failed;
	z->open_handles++;
	uv_poll_start(&z->mon_poll, UV_READABLE, on_mon_poll);
	/* Read once now: ZMQ_FD only signals a pipe that was found empty. */
	on_mon_poll(&z->mon_poll, 0, 0);
	return 0;
fail:
	zmq_close(z->mon);
	z->mon = NULL;
	return rc;
}

static void on_handle_closed(uv_handle_t *h)
{
	struct hf_zsock *z = h->data;

	if (--z->open_handles > 0)
		return;
	int linger = 0;

	if (z->mon) {
		zmq_socket_monitor(z->sock, NULL, 0);
		zmq_close(z->mon);
		z->mon = NULL;
	}
	zmq_setsockopt(z->sock, ZMQ_LINGER, &linger, sizeof linger);
	zmq_close(z->sock);
	z->sock = NULL;
	if (z->close_cb)
		z->close_cb(z);
}

void hf_zsock_close(struct hf_zsock *z, void (*cb)(struct hf_zsock *z))
{
	if (z->closing)
		return;
	z->closing = true;
	z->close_cb = cb;
	uv_close((uv_handle_t *)&z->idle, on_handle_closed);
	if (z->on_msg)
		uv_close((uv_handle_t *)&z->poll, on_handle_closed);
	if (z->mon)
		uv_close((uv_handle_t *)&z->mon_poll, on_handle_closed);
}
