/*
 * tetra_pei.c - the `tetra-pei` adapter: a TETRA radio terminal or line gateway
 * speaking the PEI AT command set (ETSI EN 300 392-5), reached over TCP
 * (`connect: host:port`, ser2net style) or a serial port (`device:` +
 * `baud:`).
 *
 * Bytes go through the pure parser in pei/pei.c; each decoded record becomes a
 * normalized radio event, and each command response (OK, ERROR, +CMGS) goes to
 * the command queue. When the link drops (or cannot be made, or the device
 * vanishes) the adapter reports link down and retries with exponential backoff
 * (reconnect_min_ms, doubling to reconnect_max_ms, +-20% jitter so many
 * gateways don't retry in step); a successful connection resets the backoff.
 *
 * Commands: one in flight at a time, each with command_timeout_ms, from a
 * bounded queue (QUEUE_MAX) that lives for one connection. On connect the
 * queue registers for status, LIP and text reports and selects SDS type 4 for
 * sending; an ERROR or a timeout is logged as a warning naming the command
 * and the rest goes on. After liveness_ms with nothing received the adapter
 * sends AT; if nothing at all comes back within command_timeout_ms the link is
 * declared down ("no answer to AT within N ms") and reopened with backoff.
 * Outgoing text SDS (send_sds) are SDS-TL transfers sent with AT+CMGS
 * (pei/pei_tx.c).
 */
#include <errno.h>
#include <sys/ioctl.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "adapter.h"
#include "backoff.h"
#include "log.h"
#include "pei.h"
#include "pei_tx.h"

#define QUEUE_MAX 16          /* commands waiting or in flight, per connection */
#define LABEL_MAX 40          /* how logs name a command */
#define SERIAL_OUT_MAX (2 * HF_PEI_CMD_MAX) /* bytes waiting for a serial port */

/* Sent on connect, in order, each waiting for its answer. */
static const char *const init_cmds[] = {
	"AT+CTSP=1,2,20",   /* status SDS (AI 13) */
	"AT+CTSP=1,3,10",   /* SDS type 4, PI 0x0A: LIP */
	"AT+CTSP=1,3,130",  /* SDS type 4, PI 0x82: SDS-TL text */
	"AT+CTSDS=12,0",    /* what AT+CMGS sends: SDS type 4 to an SSI */
};

enum cmd_kind {
	CMD_INIT,
	CMD_PING,
	CMD_SDS,
};

struct cmd {
	enum cmd_kind kind;
	char label[LABEL_MAX];
	size_t len;
	char text[HF_PEI_CMD_MAX];
};

/* A TCP write in flight with its own copy of the bytes. */
struct wreq {
	uv_write_t req;
	char data[];
};

struct pei {
	struct hf_adapter *a;
	bool serial;                 /* device: rather than connect: */
	uint64_t shed_logged_ms;     /* when shedding was last logged (loop time) */
	unsigned shed_keep;          /* while behind: one position report in this many is kept */
	char host[HF_ADDR_MAX];
	char port[8];
	uv_timer_t retry;
	uv_timer_t cmd_timer;        /* the command in flight */
	uv_timer_t live_timer;       /* silence from the radio */
	uv_tcp_t tcp;
	uv_connect_t connect_req;
	uv_getaddrinfo_t gai;
	uv_poll_t poll;              /* the serial port */
	int fd;
	char out[SERIAL_OUT_MAX];    /* serial bytes not yet written */
	size_t out_len;
	struct hf_pei_sink sink;
	struct hf_pei_stream stream;
	bool link_open;              /* tcp or poll handle open (maybe closing) */
	bool resolving;
	bool connected;
	bool stopping;
	int open_handles;
	uint32_t attempt;
	struct hf_backoff backoff;
	struct cmd queue[QUEUE_MAX]; /* ring: head is in flight while inflight */
	size_t q_head, q_len;
	bool inflight;
	uint64_t sent_ms;            /* when the command in flight was written */
	uint64_t last_rx_ms;         /* when anything was last received */
	uint8_t next_ref;            /* SDS-TL message reference */
	uint64_t events;             /* over every connection */
	uint64_t rejected;
	uint64_t sds_sent;
	void (*done)(struct hf_adapter *a);
};

static void connect_now(struct pei *p);
static void send_next(struct pei *p);

/* ------------------------------------------------------------------------- */
/* Life and link state                                                       */
/* ------------------------------------------------------------------------- */

/* Calls done once every handle is closed and no request is in flight. */
static void maybe_done(struct pei *p)
{
	if (!p->stopping || p->open_handles > 0 || p->resolving)
		return;
	struct hf_adapter *a = p->a;
	void (*done)(struct hf_adapter *) = p->done;

	hf_info("%s: %llu events, %llu records rejected, %llu SDS sent", a->cfg.name,
		(unsigned long long)p->events, (unsigned long long)p->rejected,
		(unsigned long long)p->sds_sent);
	free(p);
	a->priv = NULL;
	done(a);
}

static void on_handle_closed(uv_handle_t *h)
{
	struct pei *p = h->data;

	if (h == (uv_handle_t *)&p->tcp) {
		p->link_open = false;
	} else if (h == (uv_handle_t *)&p->poll) {
		close(p->fd); /* only once libuv has let go of it */
		p->fd = -1;
		p->link_open = false;
	}
	p->open_handles--;
	maybe_done(p);
}

/* Closes the TCP or serial handle, if open. */
static void close_link(struct pei *p)
{
	uv_handle_t *h = p->serial ? (uv_handle_t *)&p->poll : (uv_handle_t *)&p->tcp;

	if (p->link_open && !uv_is_closing(h))
		uv_close(h, on_handle_closed);
	p->out_len = 0;
}

/* Empties the command queue; SDS not yet answered are lost with the link. */
static void clear_queue(struct pei *p)
{
	size_t lost = 0;

	for (size_t i = 0; i < p->q_len; i++)
		if (p->queue[(p->q_head + i) % QUEUE_MAX].kind == CMD_SDS)
			lost++;
	if (lost)
		hf_warn("%s: %zu outgoing SDS not confirmed before the link went down",
			p->a->cfg.name, lost);
	p->q_head = 0;
	p->q_len = 0;
	p->inflight = false;
	uv_timer_stop(&p->cmd_timer);
}

static void on_retry(uv_timer_t *t)
{
	connect_now(t->data);
}

/* The link is down (or could not be made): report reason and retry later. */
static void link_down(struct pei *p, const char *reason)
{
	uint32_t delay;

	p->connected = false;
	clear_queue(p);
	uv_timer_stop(&p->live_timer);
	close_link(p);
	if (p->stopping)
		return;
	p->attempt++;
	p->a->host->link(p->a, false, reason, p->attempt);
	delay = hf_backoff_next(&p->backoff);
	hf_debug("%s: %s; retry %u in %u ms", p->a->cfg.name, reason, (unsigned)p->attempt,
		 (unsigned)delay);
	uv_timer_start(&p->retry, on_retry, delay, 0);
}

/* link_down with "what: libuv error text" (err 0: "closed"). */
static void link_failed(struct pei *p, const char *what, int err)
{
	char reason[128];

	snprintf(reason, sizeof reason, "%s: %s", what, err ? uv_strerror(err) : "closed");
	link_down(p, reason);
}

static void on_live(uv_timer_t *t);

/* The link is up: a fresh stream and queue, then the initialisation. */
static void link_up(struct pei *p)
{
	p->connected = true;
	p->attempt = 0;
	hf_backoff_reset(&p->backoff);
	hf_pei_stream_init(&p->stream, &p->sink); /* a fresh stream per connection */
	p->last_rx_ms = uv_now(p->a->host->loop);
	p->a->host->link(p->a, true, "", 0);
	for (size_t i = 0; i < HF_ARRAY_SIZE(init_cmds) && p->connected; i++) {
		struct cmd *c = &p->queue[(p->q_head + p->q_len) % QUEUE_MAX];

		c->kind = CMD_INIT;
		c->len = (size_t)snprintf(c->text, sizeof c->text, "%s\r\n", init_cmds[i]);
		hf_strlcpy(c->label, init_cmds[i], sizeof c->label);
		p->q_len++;
	}
	if (p->a->cfg.liveness_ms > 0)
		uv_timer_start(&p->live_timer, on_live, p->a->cfg.liveness_ms, 0);
	send_next(p);
}

/* ------------------------------------------------------------------------- */
/* Writing                                                                   */
/* ------------------------------------------------------------------------- */

static void on_written(uv_write_t *req, int status)
{
	struct wreq *w = (struct wreq *)req;

	if (status && status != UV_ECANCELED) {
		struct pei *p = req->data;

		hf_warn("%s: cannot send a command: %s", p->a->cfg.name, uv_strerror(status));
	}
	free(w);
}

static void on_poll(uv_poll_t *h, int status, int events);

/* Watches the serial port for input, and for room to write while bytes wait. */
static int serial_watch(struct pei *p)
{
	return uv_poll_start(&p->poll, UV_READABLE | UV_DISCONNECT |
					       (p->out_len ? UV_WRITABLE : 0),
			     on_poll);
}

/* Writes what the serial port takes now; keeps the rest for UV_WRITABLE.
 * Returns 0 or a negative errno (the device is gone). */
static int serial_flush(struct pei *p)
{
	while (p->out_len > 0) {
		ssize_t n = write(p->fd, p->out, p->out_len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			return -errno;
		}
		memmove(p->out, p->out + n, p->out_len - (size_t)n);
		p->out_len -= (size_t)n;
	}
	return serial_watch(p);
}

/* Sends bytes over the link. Returns 0 or a negative errno. */
static int link_write(struct pei *p, const char *s, size_t n)
{
	struct wreq *w;
	uv_buf_t buf;
	int rc;

	if (p->serial) {
		if (n > sizeof p->out - p->out_len)
			return -ENOBUFS;
		memcpy(p->out + p->out_len, s, n);
		p->out_len += n;
		return serial_flush(p);
	}
	w = malloc(sizeof *w + n);
	if (!w)
		return -ENOMEM;
	memcpy(w->data, s, n);
	buf = uv_buf_init(w->data, (unsigned)n);
	w->req.data = p;
	rc = uv_write(&w->req, (uv_stream_t *)&p->tcp, &buf, 1, on_written);
	if (rc)
		free(w);
	return rc;
}

/* ------------------------------------------------------------------------- */
/* The command queue                                                         */
/* ------------------------------------------------------------------------- */

static void on_cmd_timeout(uv_timer_t *t);

/* Adds a command at the tail and sends it if nothing is in flight. Returns 0
 * or -ENOBUFS (queue full). */
static int enqueue(struct pei *p, enum cmd_kind kind, const char *label, const char *text,
		   size_t len)
{
	struct cmd *c;

	if (p->q_len == QUEUE_MAX)
		return -ENOBUFS;
	if (len >= sizeof c->text)
		return -EINVAL;
	c = &p->queue[(p->q_head + p->q_len) % QUEUE_MAX];
	c->kind = kind;
	hf_strlcpy(c->label, label, sizeof c->label);
	memcpy(c->text, text, len);
	c->len = len;
	p->q_len++;
	send_next(p);
	return 0;
}

/* Writes the head command if none is in flight, and starts its timeout. A
 * write that fails means the link is gone. */
static void send_next(struct pei *p)
{
	struct cmd *c;
	int rc;

	if (!p->connected || p->inflight || p->q_len == 0)
		return;
	c = &p->queue[p->q_head];
	p->inflight = true;
	p->sent_ms = uv_now(p->a->host->loop);
	hf_debug("%s: -> %s", p->a->cfg.name, c->label);
	uv_timer_start(&p->cmd_timer, on_cmd_timeout, p->a->cfg.command_timeout_ms, 0);
	rc = link_write(p, c->text, c->len);
	if (rc)
		link_failed(p, "cannot send a command", rc);
}

/* The command in flight is finished (answered, refused or timed out): drop
 * it and send the next. */
static void finish_cmd(struct pei *p)
{
	uv_timer_stop(&p->cmd_timer);
	p->inflight = false;
	p->q_head = (p->q_head + 1) % QUEUE_MAX;
	p->q_len--;
	send_next(p);
}

/*
 * A command response from the stream. +CMGS is information (the SDS was
 * accepted; OK follows). OK ends the command; ERROR ends it with a warning
 * that names it. A response with nothing in flight (a late answer to a
 * command that timed out) is only logged.
 */
static void on_response(void *ctx, const struct hf_pei_response *r)
{
	struct pei *p = ctx;
	struct cmd *c;

	if (!p->connected)
		return;
	if (!p->inflight) {
		hf_debug("%s: response with no command in flight: %.*s", p->a->cfg.name,
			 (int)r->len, r->text);
		return;
	}
	c = &p->queue[p->q_head];
	if (r->kind == HF_PEI_RESP_CMGS) {
		hf_debug("%s: %s: %.*s", p->a->cfg.name, c->label, (int)r->len, r->text);
		return;
	}
	if (r->kind == HF_PEI_RESP_ERROR) {
		hf_warn("%s: %s answered %.*s%s", p->a->cfg.name, c->label, (int)r->len, r->text,
			c->kind == CMD_INIT ? "; initialisation continues" : "");
	} else if (c->kind == CMD_SDS) {
		p->sds_sent++;
		hf_info("%s: %s accepted by the radio", p->a->cfg.name, c->label);
	}
	finish_cmd(p);
}

/*
 * The command in flight had no final answer within command_timeout_ms. For
 * the liveness AT that means the radio is gone, unless anything at all came
 * in since it was sent (any line counts as life). Other commands are logged
 * and dropped: a radio that answers nothing is found by the liveness check.
 */
static void on_cmd_timeout(uv_timer_t *t)
{
	struct pei *p = t->data;
	struct cmd *c;
	char reason[128];

	if (!p->connected || !p->inflight)
		return;
	c = &p->queue[p->q_head];
	if (c->kind == CMD_PING && p->last_rx_ms <= p->sent_ms) {
		snprintf(reason, sizeof reason, "no answer to AT within %u ms",
			 (unsigned)p->a->cfg.command_timeout_ms);
		hf_warn("%s: %s", p->a->cfg.name, reason);
		link_down(p, reason);
		return;
	}
	if (c->kind != CMD_PING)
		hf_warn("%s: no answer to %s within %u ms%s", p->a->cfg.name, c->label,
			(unsigned)p->a->cfg.command_timeout_ms,
			c->kind == CMD_INIT ? "; initialisation continues" : "");
	finish_cmd(p);
}

/*
 * Liveness: after liveness_ms with nothing received, send AT (unless a
 * command is already in flight: its answer or timeout comes first). The timer
 * is re-armed for the rest of the quiet period, so reads never touch it.
 */
static void on_live(uv_timer_t *t)
{
	struct pei *p = t->data;
	uint64_t now = uv_now(p->a->host->loop);
	uint64_t quiet = now - p->last_rx_ms;
	uint32_t every = p->a->cfg.liveness_ms;

	if (!p->connected)
		return;
	if (quiet < every) {
		uv_timer_start(&p->live_timer, on_live, every - quiet, 0);
		return;
	}
	if (p->q_len == 0) {
		hf_debug("%s: nothing heard for %llu ms; sending AT", p->a->cfg.name,
			 (unsigned long long)quiet);
		enqueue(p, CMD_PING, "AT", "AT\r\n", 4);
	}
	if (p->connected)
		uv_timer_start(&p->live_timer, on_live, every, 0);
}

/* ------------------------------------------------------------------------- */
/* Reading: stream callbacks                                                 */
/* ------------------------------------------------------------------------- */

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
	if (hf_log_sample(p->rejected))
		hf_warn("%s: line %llu rejected: %s: \"%.*s\" (%llu rejected so far)",
			p->a->cfg.name, (unsigned long long)line_no, why,
			(int)(len > 80 ? 80 : len), line, (unsigned long long)p->rejected);
}

/*
 * Bytes from the radio: life, then the parser. When the gateway falls behind
 * the link (more than SHED_HIGH bytes wait unread), position reports are
 * shed: one in `keep` is decoded, and keep grows by one on each read while
 * the backlog stays above SHED_HIGH and shrinks by one while it is below
 * SHED_LOW. So the gateway goes on processing about as many reports as it
 * can, drops only the excess, and the backlog (the wait of an emergency
 * behind it) stays under half a megabyte: a few milliseconds. Statuses, emergencies and radio-health
 * reports are never shed. Counted in the gateway's positions_shed, and
 * logged at most every SHED_LOG_MS.
 */
#define SHED_HIGH (384 * 1024)
#define SHED_LOW (64 * 1024)
#define SHED_KEEP_MAX 64
#define RCVBUF (4 * 1024 * 1024)
#define SHED_LOG_MS 10000

static void received(struct pei *p, int fd, const char *data, size_t n)
{
	int pending = 0;
	uint64_t shed = p->stream.stats.shed;

	p->last_rx_ms = uv_now(p->a->host->loop);
	if (fd >= 0 && ioctl(fd, FIONREAD, &pending) == 0) {
		if (pending > SHED_HIGH && p->shed_keep < SHED_KEEP_MAX)
			p->shed_keep++;
		else if (pending < SHED_LOW && p->shed_keep > 1)
			p->shed_keep--;
	}
	p->stream.shed = p->shed_keep;
	hf_pei_stream_feed(&p->stream, data, n);
	if (p->stream.stats.shed == shed)
		return;
	if (p->a->host->counters)
		p->a->host->counters->positions_shed += p->stream.stats.shed - shed;
	if (!p->shed_logged_ms || p->last_rx_ms - p->shed_logged_ms >= SHED_LOG_MS) {
		p->shed_logged_ms = p->last_rx_ms;
		hf_warn("%s: behind the link (%d bytes unread): shedding position reports, "
			"%llu so far (statuses, emergencies and radio health are never shed)",
			p->a->cfg.name, pending, (unsigned long long)p->stream.stats.shed);
	}
}

/* The descriptor of the open link, or -1. */
static int link_fd(struct pei *p)
{
	uv_os_fd_t fd;

	if (p->serial)
		return p->fd;
	return uv_fileno((uv_handle_t *)&p->tcp, &fd) == 0 ? fd : -1;
}

/* ------------------------------------------------------------------------- */
/* TCP                                                                       */
/* ------------------------------------------------------------------------- */

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
		received(p, link_fd(p), buf->base, (size_t)nread);
		return;
	}
	if (nread == 0 || !p->connected)
		return;
	hf_pei_stream_end(&p->stream);
	link_failed(p, "link lost", nread == UV_EOF ? 0 : (int)nread);
}

static void on_connect(uv_connect_t *req, int status)
{
	struct pei *p = req->data;
	int rc;

	if (p->stopping)
		return;
	if (status < 0) {
		link_failed(p, "cannot connect", status);
		return;
	}
	/* A large receive buffer keeps a backlog on this side of the link, where
	 * FIONREAD sees it and shedding can clear it (see received()); left to
	 * autotuning it would wait in the sender's buffer, out of sight. */
	int rcvbuf = RCVBUF;

	uv_recv_buffer_size((uv_handle_t *)&p->tcp, &rcvbuf);
	rc = uv_read_start((uv_stream_t *)&p->tcp, on_alloc, on_read);
	if (rc) {
		link_failed(p, "cannot start reading", rc);
		return;
	}
	link_up(p);
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
		p->link_open = true;
		p->open_handles++;
		uv_tcp_nodelay(&p->tcp, 1);
		p->connect_req.data = p;
		rc = uv_tcp_connect(&p->connect_req, &p->tcp, res->ai_addr, on_connect);
	}
	uv_freeaddrinfo(res);
	if (rc)
		link_failed(p, "cannot connect", rc);
}

/* ------------------------------------------------------------------------- */
/* Serial                                                                    */
/* ------------------------------------------------------------------------- */

/* The termios constant for a rate the config accepted (0 if none). */
static speed_t baud_const(uint32_t baud)
{
	static const struct {
		uint32_t rate;
		speed_t c;
	} rates[] = {
		{ 50, B50 }, { 75, B75 }, { 110, B110 }, { 134, B134 }, { 150, B150 },
		{ 200, B200 }, { 300, B300 }, { 600, B600 }, { 1200, B1200 },
		{ 1800, B1800 }, { 2400, B2400 }, { 4800, B4800 }, { 9600, B9600 },
		{ 19200, B19200 }, { 38400, B38400 }, { 57600, B57600 },
		{ 115200, B115200 }, { 230400, B230400 }, { 460800, B460800 },
		{ 500000, B500000 }, { 576000, B576000 }, { 921600, B921600 },
		{ 1000000, B1000000 }, { 1152000, B1152000 }, { 1500000, B1500000 },
		{ 2000000, B2000000 }, { 2500000, B2500000 }, { 3000000, B3000000 },
		{ 3500000, B3500000 }, { 4000000, B4000000 },
	};

	for (size_t i = 0; i < HF_ARRAY_SIZE(rates); i++)
		if (rates[i].rate == baud)
			return rates[i].c;
	return 0;
}

/* Raw 8N1 at the configured rate, no flow control, modem lines ignored.
 * Returns 0 or a negative errno. */
static int serial_setup(int fd, uint32_t baud)
{
	struct termios t;
	speed_t sp = baud_const(baud);

	if (sp == 0)
		return -EINVAL;
	if (tcgetattr(fd, &t) < 0)
		return -errno;
	cfmakeraw(&t);
	t.c_cflag &= ~(tcflag_t)(CSIZE | PARENB | CSTOPB | CRTSCTS);
	t.c_cflag |= CS8 | CLOCAL | CREAD;
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	if (cfsetispeed(&t, sp) < 0 || cfsetospeed(&t, sp) < 0)
		return -errno;
	if (tcsetattr(fd, TCSANOW, &t) < 0)
		return -errno;
	tcflush(fd, TCIOFLUSH);
	return 0;
}

/*
 * The serial port is readable, writable, or gone. Everything readable is
 * read (the descriptor is non-blocking); EOF, a read error (EIO when a USB
 * adapter is unplugged or a pty master closes) or a hang-up is link down.
 * libuv reports POLLERR as status UV_EBADF, which says nothing: the port is
 * then read, so the reason is the read's own error.
 */
static void on_poll(uv_poll_t *h, int status, int events)
{
	struct pei *p = h->data;
	char buf[4096];
	int rc;

	if (!p->connected)
		return;
	if (status < 0)
		events = UV_READABLE | UV_DISCONNECT;
	if (events & UV_READABLE) {
		for (;;) {
			ssize_t n = read(p->fd, buf, sizeof buf);

			if (n > 0) {
				received(p, p->fd, buf, (size_t)n);
				if (!p->connected)
					return;
				continue;
			}
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
				break;
			hf_pei_stream_end(&p->stream);
			link_failed(p, "device lost", n == 0 ? 0 : uv_translate_sys_error(errno));
			return;
		}
	}
	if (events & UV_DISCONNECT) {
		hf_pei_stream_end(&p->stream);
		if (status < 0)
			link_failed(p, "device lost", status);
		else
			link_down(p, "device lost: hung up");
		return;
	}
	if (events & UV_WRITABLE) {
		rc = serial_flush(p);
		if (rc)
			link_failed(p, "cannot write to the device", rc);
	}
}

/* Opens the serial device; failure (absent, busy, not a tty) is link down. */
static void open_serial(struct pei *p)
{
	const char *dev = p->a->cfg.device;
	int fd = open(dev, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	int rc;

	if (fd < 0) {
		link_failed(p, "cannot open device", uv_translate_sys_error(errno));
		return;
	}
	rc = serial_setup(fd, p->a->cfg.baud);
	if (!rc)
		rc = uv_poll_init(p->a->host->loop, &p->poll, fd);
	if (rc) {
		close(fd);
		link_failed(p, "cannot set up device", rc);
		return;
	}
	p->fd = fd;
	p->poll.data = p;
	p->link_open = true;
	p->open_handles++;
	p->out_len = 0;
	rc = serial_watch(p);
	if (rc) {
		link_failed(p, "cannot watch device", rc);
		return;
	}
	link_up(p);
}

/* ------------------------------------------------------------------------- */
/* The ops                                                                   */
/* ------------------------------------------------------------------------- */

/* Opens the link (TCP: resolve first). If the last one is still closing,
 * tries again shortly. */
static void connect_now(struct pei *p)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
	int rc;

	if (p->stopping || p->resolving)
		return;
	if (p->link_open) {
		uv_timer_start(&p->retry, on_retry, 10, 0);
		return;
	}
	if (p->serial) {
		open_serial(p);
		return;
	}
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
	p->fd = -1;
	p->serial = a->cfg.device[0] != '\0';
	if (p->serial && baud_const(a->cfg.baud) == 0) {
		hf_err("%s: baud %u is not a serial rate", a->cfg.name, (unsigned)a->cfg.baud);
		free(p);
		return -EINVAL;
	}
	if (!p->serial &&
	    split_hostport(a->cfg.connect, p->host, sizeof p->host, p->port, sizeof p->port)) {
		hf_err("%s: connect must be host:port, got \"%s\"", a->cfg.name, a->cfg.connect);
		free(p);
		return -EINVAL;
	}
	p->a = a;
	hf_backoff_init(&p->backoff, a->cfg.reconnect_min_ms, a->cfg.reconnect_max_ms);
	p->sink = (struct hf_pei_sink){ .event = on_event, .reject = on_reject,
					.response = on_response, .ctx = p };
	hf_pei_stream_init(&p->stream, &p->sink);
	uv_timer_init(a->host->loop, &p->retry);
	uv_timer_init(a->host->loop, &p->cmd_timer);
	uv_timer_init(a->host->loop, &p->live_timer);
	p->retry.data = p;
	p->cmd_timer.data = p;
	p->live_timer.data = p;
	p->open_handles = 3;
	a->priv = p;
	connect_now(p);
	return 0;
}

static void pei_stop(struct hf_adapter *a, void (*done)(struct hf_adapter *a))
{
	struct pei *p = a->priv;

	p->stopping = true;
	p->done = done;
	p->connected = false;
	if (p->resolving)
		uv_cancel((uv_req_t *)&p->gai);
	close_link(p);
	uv_close((uv_handle_t *)&p->retry, on_handle_closed);
	uv_close((uv_handle_t *)&p->cmd_timer, on_handle_closed);
	uv_close((uv_handle_t *)&p->live_timer, on_handle_closed);
}

/*
 * Queues a text SDS to the radio with SSI issi: an SDS-TL transfer (message
 * references count up per adapter) sent with AT+CMGS once the commands before
 * it are answered. 0 means queued, not delivered: the radio's answer is
 * logged. -EINVAL: issi not 1..16777215 or text NULL; -ENOTCONN: the link is
 * down; -ENOBUFS: QUEUE_MAX commands are already waiting.
 */
static int pei_send_sds(struct hf_adapter *a, uint32_t issi, const char *text)
{
	struct pei *p = a->priv;
	uint8_t pdu[HF_SDS_PDU_MAX];
	char cmd[HF_PEI_CMD_MAX], label[LABEL_MAX];
	bool cut;
	int bits, len, rc;

	if (issi == 0 || issi > HF_SSI_MAX || !text)
		return -EINVAL;
	if (!p || !p->connected)
		return -ENOTCONN;
	if (p->q_len == QUEUE_MAX)
		return -ENOBUFS;
	bits = hf_sds_text_encode(p->next_ref, text, pdu, sizeof pdu, &cut);
	if (bits < 0)
		return bits;
	len = hf_pei_format_cmgs(issi, pdu, (size_t)bits, cmd, sizeof cmd);
	if (len < 0)
		return len;
	snprintf(label, sizeof label, "AT+CMGS=%lu,%d (ref %u)", (unsigned long)issi, bits,
		 (unsigned)p->next_ref);
	if (cut)
		hf_warn("%s: SDS to %lu cut to %d characters", a->cfg.name, (unsigned long)issi,
			HF_SDS_TEXT_CHARS_MAX);
	rc = enqueue(p, CMD_SDS, label, cmd, (size_t)len);
	if (rc == 0)
		p->next_ref++;
	return rc;
}

static void pei_peer(const struct hf_adapter *a, char *buf, size_t size)
{
	hf_strlcpy(buf, a->cfg.device[0] ? a->cfg.device : a->cfg.connect, size);
}

const struct hf_adapter_ops hf_adapter_tetra_pei = {
	.type = "tetra-pei",
	.summary = "TETRA radio or line gateway speaking PEI (EN 300 392-5), TCP or serial",
	.start = pei_start,
	.stop = pei_stop,
	.send_sds = pei_send_sds,
	.peer = pei_peer,
};
