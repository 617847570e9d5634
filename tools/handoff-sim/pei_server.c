/*
 * pei_server.c - a TCP server speaking the radio side of TETRA PEI: every
 * record is broadcast to every connected gateway; what gateways send (AT
 * commands) is read and answered with OK, and the text of each SDS sent to a
 * radio (AT+CMGS) is shown on stderr.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pei.h"
#include "sim.h"

struct client {
	uv_tcp_t tcp;
	struct sim_server *server;
	struct client *next;
	char cmd[1024];  /* the AT command being received */
	size_t len;
};

struct sim_server {
	uv_tcp_t listener;
	struct client *clients; /* newest first */
	int n_clients;
	void (*on_connect)(void *ctx, int clients);
	void *ctx;
	bool closing;
};

struct write {
	uv_write_t req;
	char data[];
};

static void on_client_closed(uv_handle_t *h)
{
	free(h->data);
}

static void drop_client(struct client *c)
{
	struct sim_server *s = c->server;

	for (struct client **p = &s->clients; *p; p = &(*p)->next) {
		if (*p == c) {
			*p = c->next;
			s->n_clients--;
			break;
		}
	}
	if (!uv_is_closing((uv_handle_t *)&c->tcp))
		uv_close((uv_handle_t *)&c->tcp, on_client_closed);
}

static void on_written(uv_write_t *req, int status)
{
	free(req);
}

static void send_to(struct client *c, const char *text, size_t len)
{
	struct write *w = malloc(sizeof *w + len);
	uv_buf_t buf;

	if (!w)
		return;
	memcpy(w->data, text, len);
	buf = uv_buf_init(w->data, (unsigned)len);
	if (uv_write(&w->req, (uv_stream_t *)&c->tcp, &buf, 1, on_written) != 0)
		free(w);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	static char slab[4096];

	buf->base = slab;
	buf->len = sizeof slab;
}

/* Prints the text of an AT+CMGS=<issi>,<bits><CR><hex> the gateway sent: what
 * the PCSO's radio would show. Decoded by the gateway's own SDS decoder. */
static void show_sds(const char *cmd)
{
	const char *cr = strchr(cmd, '\r');
	struct hf_pei_ctsdsr hdr = { .ai_service = HF_PEI_AI_SDS4 };
	struct hf_radio_event ev;
	const char *why = "";
	unsigned long issi, bits;

	if (!cr || sscanf(cmd + 8, "%lu,%lu", &issi, &bits) != 2 || bits > HF_PEI_SDS_BITS_MAX) {
		fprintf(stderr, "sim: malformed AT+CMGS from the gateway\n");
		return;
	}
	hdr.calling_ssi = (uint32_t)issi;
	hdr.length_bits = (uint16_t)bits;
	if (hf_pei_decode_sds(&hdr, cr + 1, strlen(cr + 1), &ev, &why) == 0 &&
	    ev.kind == HF_EVENT_TEXT)
		fprintf(stderr, "sim: SDS to ISSI %lu: \"%s\"\n", issi, ev.text);
	else
		fprintf(stderr, "sim: SDS to ISSI %lu (%lu bits, not text: %s)\n", issi, bits, why);
}

static void on_read(uv_stream_t *st, ssize_t nread, const uv_buf_t *buf)
{
	struct client *c = st->data;

	if (nread < 0) {
		fprintf(stderr, "sim: gateway disconnected (%d connected)\n", c->server->n_clients - 1);
		drop_client(c);
		return;
	}
	/* Each AT command line gets an OK, as a radio would answer; an AT+CMGS
	 * (an SDS to a radio) runs to its Ctrl-Z and its text is shown. */
	for (ssize_t i = 0; i < nread; i++) {
		char ch = buf->base[i];
		bool cmgs = c->len >= 8 && strncasecmp(c->cmd, "AT+CMGS=", 8) == 0;

		if ((ch == '\r' || ch == '\n') && !cmgs) {
			if (c->len)
				send_to(c, "\r\nOK\r\n", 6);
			c->len = 0;
		} else if (ch == 0x1a && cmgs) {
			c->cmd[c->len] = '\0';
			show_sds(c->cmd);
			send_to(c, "\r\n+CMGS: 0,4,0\r\n\r\nOK\r\n", 23);
			c->len = 0;
		} else if (c->len < sizeof c->cmd - 1) {
			c->cmd[c->len++] = ch;
		}
	}
}

static void on_connection(uv_stream_t *l, int status)
{
	struct sim_server *s = l->data;
	struct client *c;

	if (status < 0 || !(c = calloc(1, sizeof *c)))
		return;
	uv_tcp_init(l->loop, &c->tcp);
	c->tcp.data = c;
	c->server = s;
	if (uv_accept(l, (uv_stream_t *)&c->tcp) != 0) {
		uv_close((uv_handle_t *)&c->tcp, on_client_closed);
		return;
	}
	uv_tcp_nodelay(&c->tcp, 1);
	c->next = s->clients;
	s->clients = c;
	s->n_clients++;
	uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
	if (s->on_connect)
		s->on_connect(s->ctx, s->n_clients);
}

struct sim_server *sim_server_create(uv_loop_t *loop, const char *listen,
				     void (*on_connect)(void *ctx, int clients), void *ctx,
				     int *err)
{
	struct sim_server *s = calloc(1, sizeof *s);
	char host[128];
	const char *colon = strrchr(listen, ':');
	struct sockaddr_storage addr;
	int port, rc;

	if (!s) {
		*err = -ENOMEM;
		return NULL;
	}
	if (!colon || (size_t)(colon - listen) >= sizeof host) {
		free(s);
		*err = -EINVAL;
		return NULL;
	}
	memcpy(host, listen, (size_t)(colon - listen));
	host[colon - listen] = '\0';
	port = atoi(colon + 1);
	rc = uv_ip4_addr(host, port, (struct sockaddr_in *)&addr);
	if (rc)
		rc = uv_ip6_addr(host, port, (struct sockaddr_in6 *)&addr);
	if (rc) {
		free(s);
		*err = rc;
		return NULL;
	}
	s->on_connect = on_connect;
	s->ctx = ctx;
	uv_tcp_init(loop, &s->listener);
	s->listener.data = s;
	rc = uv_tcp_bind(&s->listener, (struct sockaddr *)&addr, 0);
	if (!rc)
		rc = uv_listen((uv_stream_t *)&s->listener, 16, on_connection);
	if (rc) {
		*err = rc;
		s->closing = true;
		uv_close((uv_handle_t *)&s->listener, on_client_closed);
		return NULL;
	}
	return s;
}

int sim_server_broadcast(struct sim_server *s, const char *text, size_t len)
{
	for (struct client *c = s->clients; c; c = c->next)
		send_to(c, text, len);
	return s->n_clients;
}

void sim_server_send_last(struct sim_server *s, const char *text, size_t len)
{
	if (s->clients)
		send_to(s->clients, text, len);
}

size_t sim_server_pending(const struct sim_server *s)
{
	size_t n = 0;

	for (const struct client *c = s->clients; c; c = c->next)
		n += uv_stream_get_write_queue_size((const uv_stream_t *)&c->tcp);
	return n;
}

int sim_server_clients(const struct sim_server *s)
{
	return s->n_clients;
}

void sim_server_close(struct sim_server *s)
{
	while (s->clients)
		drop_client(s->clients);
	s->closing = true;
	uv_close((uv_handle_t *)&s->listener, on_client_closed);
}
