/*
 * tetra_pei.c - the `tetra-pei` adapter: a TETRA radio terminal or line gateway
 * speaking the PEI AT command set (ETSI EN 300 392-5), reached over TCP
 * (ser2net style: the gateway connects to host:port).
 *
 * Bytes go through the pure parser in pei/pei.c; each decoded record becomes a
 * normalized radio event. When the link drops (or cannot be made) the adapter
 * reports link down and retries with exponential backoff (reconnect_min_ms,
 * doubling to reconnect_max_ms, +-20% jitter so many gateways don't retry in
 * step); a successful connection resets the backoff.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adapter.h"
#include "backoff.h"
#include "log.h"
#include "pei.h"

/* Sent on connect: register for status (AI 13) and LIP (PI 0x0A) reports. */
static const char pei_init[] = "AT+CTSP=1,2,20\r\nAT+CTSP=1,3,10\r\n";

struct pei {
	struct hf_adapter *a;
	char host[HF_ADDR_MAX];
	char port[8];
	uv_timer_t retry;
	uv_tcp_t tcp;
	uv_connect_t connect_req;
	uv_getaddrinfo_t gai;
	uv_write_t write_req;
	struct hf_pei_sink sink;
	struct hf_pei_stream stream;
	bool tcp_open;
	bool resolving;
	bool connected;
	bool stopping;
	int open_handles;
	uint32_t attempt;
	struct hf_backoff backoff;
	uint64_t events;   /* over every connection */
	uint64_t rejected;
	void (*done)(struct hf_adapter *a);
};

static void connect_now(struct pei *p);

/* Calls done once every handle is closed and no request is in flight. */
static void maybe_done(struct pei *p)
{
	if (!p->stopping || p->open_handles > 0 || p->resolving)
		return;
	struct hf_adapter *a = p->a;
	void (*done)(struct hf_adapter *) = p->done;

	hf_info("%s: %llu events, %llu records rejected", a->cfg.name,
		(unsigned long long)p->events, (unsigned long long)p->rejected);
	free(p);
	a->priv = NULL;
	done(a);
}

static void on_handle_closed(uv_handle_t *h)
{
	struct pei *p = h->data;

	if (h == (uv_handle_t *)&p->tcp)
		p->tcp_open = false;
	p->open_handles--;
	maybe_done(p);
}

static void close_tcp(struct pei *p)
{
	if (p->tcp_open && !uv_is_closing((uv_handle_t *)&p->tcp))
		uv_close((uv_handle_t *)&p->tcp, on_handle_closed);
}

static void on_retry(uv_timer_t *t)
{
	connect_now(t->data);
}

/* The link is down (or could not be made): report it and retry later. */
static void link_failed(struct pei *p, const char *what, int err)
{
	char reason[128];
	uint32_t delay;

	p->connected = false;
	close_tcp(p);
	if (p->stopping)
		return;
	snprintf(reason, sizeof reason, "%s: %s", what, err ? uv_strerror(err) : "closed");
	p->attempt++;
	p->a->host->link(p->a, false, reason, p->attempt);
	delay = hf_backoff_next(&p->backoff);
	hf_debug("%s: %s; retry %u in %u ms", p->a->cfg.name, reason, (unsigned)p->attempt,
		 (unsigned)delay);
	uv_timer_start(&p->retry, on_retry, delay, 0);
}

static void on_event(void *ctx, const struct hf_radio_event *ev)
{
	struct pei *p = ctx;

	p->events++;
	p->a->host->event(p->a, ev);
}

static void on_reject(void *ctx, uint64_t line_no, const char *why, const char *line,
		      size_t len)
{
	struct pei *p = ctx;

	p->rejected++;
	if (p->rejected <= 10 || p->rejected % 1000 == 0)
		hf_warn("%s: line %llu rejected: %s: \"%.*s\" (%llu rejected so far)",
			p->a->cfg.name, (unsigned long long)line_no, why,
			(int)(len > 80 ? 80 : len), line, (unsigned long long)p->rejected);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	static char slab[64 * 1024]; /* one loop thread; consumed before the next read */

	buf->base = slab;
	buf->len = sizeof slab;
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
	struct pei *p = s->data;

	if (nread > 0) {
		hf_pei_stream_feed(&p->stream, buf->base, (size_t)nread);
		return;
	}
	if (nread == 0)
		return;
	hf_pei_stream_end(&p->stream);
	link_failed(p, "link lost", nread == UV_EOF ? 0 : (int)nread);
}

static void on_written(uv_write_t *req, int status)
{
	if (status && status != UV_ECANCELED) {
		struct pei *p = req->data;

		hf_warn("%s: cannot send initialisation: %s", p->a->cfg.name,
			uv_strerror(status));
	}
}

static void on_connect(uv_connect_t *req, int status)
{
	struct pei *p = req->data;
	uv_buf_t buf = uv_buf_init((char *)pei_init, sizeof pei_init - 1);
	int rc;

	if (p->stopping)
		return;
	if (status < 0) {
		link_failed(p, "cannot connect", status);
		return;
	}
	p->connected = true;
	p->attempt = 0;
	hf_backoff_reset(&p->backoff);
	hf_pei_stream_init(&p->stream, &p->sink); /* a fresh stream per connection */
	p->write_req.data = p;
	rc = uv_write(&p->write_req, (uv_stream_t *)&p->tcp, &buf, 1, on_written);
	if (!rc)
		rc = uv_read_start((uv_stream_t *)&p->tcp, on_alloc, on_read);
	if (rc) {
		link_failed(p, "cannot start reading", rc);
		return;
	}
	p->a->host->link(p->a, true, "", 0);
}

static void on_resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *res)
{
	struct pei *p = req->data;
	int rc;

	p->resolving = false;
	if (p->stopping) {
		uv_freeaddrinfo(res);
		maybe_done(p);
		return;
	}
	if (status < 0) {
		link_failed(p, "cannot resolve host", status);
		return;
	}
	rc = uv_tcp_init(p->a->host->loop, &p->tcp);
	if (!rc) {
		p->tcp.data = p;
		p->tcp_open = true;
		p->open_handles++;
		uv_tcp_nodelay(&p->tcp, 1);
		p->connect_req.data = p;
		rc = uv_tcp_connect(&p->connect_req, &p->tcp, res->ai_addr, on_connect);
	}
	uv_freeaddrinfo(res);
	if (rc)
		link_failed(p, "cannot connect", rc);
}

static void connect_now(struct pei *p)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
	int rc;

	if (p->stopping || p->tcp_open)
		return;
	p->gai.data = p;
	rc = uv_getaddrinfo(p->a->host->loop, &p->gai, on_resolved, p->host, p->port, &hints);
	if (rc) {
		link_failed(p, "cannot resolve host", rc);
		return;
	}
	p->resolving = true;
}

/* Splits "host:port" or "[v6]:port". Returns 0 or -EINVAL. */
static int split_hostport(const char *s, char *host, size_t hsize, char *port, size_t psize)
{
	const char *colon = strrchr(s, ':');
	const char *h = s;
	size_t hlen;

	if (!colon || !colon[1])
		return -EINVAL;
	hlen = (size_t)(colon - s);
	if (*h == '[' && hlen >= 2 && colon[-1] == ']') {
		h++;
		hlen -= 2;
	}
	if (hlen == 0 || hlen >= hsize || strlen(colon + 1) >= psize)
		return -EINVAL;
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	strcpy(port, colon + 1);
	return 0;
}

static int pei_start(struct hf_adapter *a)
{
	struct pei *p = calloc(1, sizeof *p);

	if (!p)
		return -ENOMEM;
	if (split_hostport(a->cfg.connect, p->host, sizeof p->host, p->port, sizeof p->port)) {
		hf_err("%s: connect must be host:port, got \"%s\"", a->cfg.name, a->cfg.connect);
		free(p);
		return -EINVAL;
	}
	p->a = a;
	hf_backoff_init(&p->backoff, a->cfg.reconnect_min_ms, a->cfg.reconnect_max_ms);
	p->sink = (struct hf_pei_sink){ .event = on_event, .reject = on_reject, .ctx = p };
	hf_pei_stream_init(&p->stream, &p->sink);
	uv_timer_init(a->host->loop, &p->retry);
	p->retry.data = p;
	p->open_handles = 1;
	a->priv = p;
	connect_now(p);
	return 0;
}

static void pei_stop(struct hf_adapter *a, void (*done)(struct hf_adapter *a))
{
	struct pei *p = a->priv;

	p->stopping = true;
	p->done = done;
	if (p->resolving)
		uv_cancel((uv_req_t *)&p->gai);
	close_tcp(p);
	uv_close((uv_handle_t *)&p->retry, on_handle_closed);
}

static void pei_peer(const struct hf_adapter *a, char *buf, size_t size)
{
	hf_strlcpy(buf, a->cfg.connect, size);
}

const struct hf_adapter_ops hf_adapter_tetra_pei = {
	.type = "tetra-pei",
	.summary = "TETRA radio or line gateway speaking PEI (EN 300 392-5) over TCP",
	.start = pei_start,
	.stop = pei_stop,
	.send_sds = NULL, /* outgoing SDS (AT+CMGS) comes with the escalation engine */
	.peer = pei_peer,
};
