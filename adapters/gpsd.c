/*
 * gpsd.c - the `gpsd` adapter: positions of one unit from a GNSS receiver
 * served by gpsd (https://gpsd.io), read with libgps (Debian 12: gpsd 3.22,
 * API 11).
 *
 * The adapter connects to gpsd at host:port, asks it to stream JSON reports
 * of one device (WATCH_DEVICE) and polls the socket with a uv_poll_t. Each
 * TPV report with a 2D or 3D fix becomes a location event for the configured
 * roster unit. When gpsd is unreachable or closes the connection the adapter
 * reports link down and retries with exponential backoff (reconnect_min_ms,
 * doubling to reconnect_max_ms, +-20% jitter) as the tetra-pei adapter does.
 *
 * gps_open() connects synchronously: it blocks the loop for the duration of
 * the name lookup and TCP connect. gpsd normally runs on the same machine
 * (the default host is 127.0.0.1), where a connect succeeds or is refused at
 * once; do not point it at a distant or unreliable host.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gps.h>

#include "adapter.h"
#include "backoff.h"
#include "log.h"

struct gpsd {
	struct hf_adapter *a;
	char port[8];
	struct gps_data_t data;
	uv_timer_t retry;
	uv_poll_t poll;
	bool gps_open;     /* data holds an open connection (gps_close needed) */
	bool poll_open;    /* poll is initialised and not yet closed */
	bool stopping;
	int open_handles;
	uint32_t attempt;
	struct hf_backoff backoff;
	uint64_t fixes;    /* over every connection */
	uint64_t other_devices;
	void (*done)(struct hf_adapter *a);
};

static void connect_now(struct gpsd *g);

/* Calls done once every handle is closed. */
static void maybe_done(struct gpsd *g)
{
	if (!g->stopping || g->open_handles > 0)
		return;
	struct hf_adapter *a = g->a;
	void (*done)(struct hf_adapter *) = g->done;

	hf_info("%s: %llu fixes, %llu reports from other devices ignored", a->cfg.name,
		(unsigned long long)g->fixes, (unsigned long long)g->other_devices);
	free(g);
	a->priv = NULL;
	done(a);
}

/* Close callback of both handles. */
static void on_handle_closed(uv_handle_t *h)
{
	struct gpsd *g = h->data;

	if (h == (uv_handle_t *)&g->poll)
		g->poll_open = false;
	g->open_handles--;
	maybe_done(g);
}

/* Stops polling, then closes the gpsd connection (uv_close stops the
 * watcher at once, so the descriptor may be closed right after). */
static void close_connection(struct gpsd *g)
{
	if (g->poll_open && !uv_is_closing((uv_handle_t *)&g->poll))
		uv_close((uv_handle_t *)&g->poll, on_handle_closed);
	if (g->gps_open) {
		gps_close(&g->data);
		g->gps_open = false;
	}
}

/* Retry timer: try to connect again. */
static void on_retry(uv_timer_t *t)
{
	struct gpsd *g = t->data;

	if (g->poll_open) {
		/* the last connection's poll handle is still closing */
		uv_timer_start(&g->retry, on_retry, 10, 0);
		return;
	}
	connect_now(g);
}

/* The link is down (or could not be made): report it and retry later. */
static void link_failed(struct gpsd *g, const char *reason)
{
	uint32_t delay;

	close_connection(g);
	if (g->stopping)
		return;
	g->attempt++;
	g->a->host->link(g->a, false, reason, g->attempt);
	delay = hf_backoff_next(&g->backoff);
	hf_debug("%s: %s; retry %u in %u ms", g->a->cfg.name, reason, (unsigned)g->attempt,
		 (unsigned)delay);
	uv_timer_start(&g->retry, on_retry, delay, 0);
}

/* Turns the TPV just read into a location event, if it carries a position of
 * our device. The set mask is not cleared by libgps between reads, so it is
 * cleared here before each read and only what this report set is used. */
static void handle_tpv(struct gpsd *g)
{
	const struct gps_data_t *d = &g->data;
	const struct gps_fix_t *fix = &d->fix;
	struct hf_radio_event ev = { .kind = HF_EVENT_LOCATION };

	if (!(d->set & MODE_SET) || !(d->set & LATLON_SET) || fix->mode < MODE_2D)
		return;
	if (!isfinite(fix->latitude) || !isfinite(fix->longitude) ||
	    fabs(fix->latitude) > 90.0 || fabs(fix->longitude) > 180.0)
		return;
	/* gpsd sends only the watched device's reports; a TPV naming another
	 * device (a misbehaving or shared gpsd) is not ours. */
	if (d->dev.path[0] && strcmp(d->dev.path, g->a->cfg.device) != 0) {
		if (g->other_devices++ == 0)
			hf_warn("%s: ignoring reports from %s (watching %s)", g->a->cfg.name,
				d->dev.path, g->a->cfg.device);
		return;
	}
	hf_strlcpy(ev.unit_id, g->a->cfg.unit, sizeof ev.unit_id);
	ev.has_fix = true;
	ev.fix.lat = fix->latitude;
	ev.fix.lon = fix->longitude;
	if ((d->set & SPEED_SET) && isfinite(fix->speed) && fix->speed >= 0) {
		ev.fix.has_velocity = true;
		ev.fix.velocity_kmh = fix->speed * 3.6;
	}
	if ((d->set & TRACK_SET) && isfinite(fix->track)) {
		ev.fix.has_direction = true;
		ev.fix.direction_deg = fix->track;
	}
	if ((d->set & TIME_SET) && fix->time.tv_sec > 0) {
		ev.fix.has_fix_time = true;
		ev.fix.fix_unix_ms = (int64_t)fix->time.tv_sec * 1000 + fix->time.tv_nsec / 1000000;
	}
	/* libgps 3.22 sets HERR_SET only for epx/epy; eph is NaN when a TPV
	 * lacks it, so finiteness is the test. */
	if (isfinite(fix->eph) && fix->eph >= 0 && fix->eph < 4e9) {
		ev.fix.has_error = true;
		ev.fix.error_m = (uint32_t)ceil(fix->eph);
	}
	g->fixes++;
	g->a->host->event(g->a, &ev);
}

/* The gpsd socket is readable: read every complete report libgps has. Each
 * gps_read() decodes one JSON line; libgps may already hold further lines
 * that poll will not signal, hence the gps_waiting() loop. A read that finds
 * no complete line (returns 0) ends the loop until poll fires again. No cap
 * on reports per wake-up: lines left in libgps's buffer would not wake poll. */
static void on_readable(uv_poll_t *h, int status, int events)
{
	struct gpsd *g = h->data;
	char reason[128];
	int n;

	if (status < 0) {
		snprintf(reason, sizeof reason, "gpsd socket error: %s", uv_strerror(status));
		link_failed(g, reason);
		return;
	}
	do {
		g->data.set = 0;
		n = gps_read(&g->data, NULL, 0);
		if (n < 0) {
			link_failed(g, "gpsd closed the connection");
			return;
		}
		if (n == 0)
			break;
		if (g->data.set & ERROR_SET)
			hf_warn("%s: gpsd says: %.200s", g->a->cfg.name, g->data.error);
		if (g->data.set & (LATLON_SET | MODE_SET))
			handle_tpv(g);
	} while (g->gps_open && gps_waiting(&g->data, 0));
}

/* Connects to gpsd (blocking, see the top of this file) and starts watching
 * the device; on failure reports link down and schedules a retry. */
static void connect_now(struct gpsd *g)
{
	struct hf_adapter *a = g->a;
	char reason[192]; /* the gateway keeps the first 127 bytes */
	int rc;

	if (g->stopping || g->gps_open || g->poll_open)
		return;
	memset(&g->data, 0, sizeof g->data);
	if (gps_open(a->cfg.host, g->port, &g->data) != 0) {
		snprintf(reason, sizeof reason, "cannot connect to gpsd at %.60s:%s: %.40s",
			 a->cfg.host, g->port, gps_errstr(errno));
		link_failed(g, reason);
		return;
	}
	g->gps_open = true;
	if (gps_stream(&g->data, WATCH_ENABLE | WATCH_JSON | WATCH_DEVICE, a->cfg.device) != 0) {
		link_failed(g, "cannot send the watch command to gpsd");
		return;
	}
	rc = uv_poll_init(a->host->loop, &g->poll, g->data.gps_fd); /* makes it non-blocking */
	if (rc) {
		snprintf(reason, sizeof reason, "cannot poll the gpsd socket: %s", uv_strerror(rc));
		link_failed(g, reason);
		return;
	}
	g->poll.data = g;
	g->poll_open = true;
	g->open_handles++;
	rc = uv_poll_start(&g->poll, UV_READABLE | UV_DISCONNECT, on_readable);
	if (rc) {
		snprintf(reason, sizeof reason, "cannot poll the gpsd socket: %s", uv_strerror(rc));
		link_failed(g, reason);
		return;
	}
	g->attempt = 0;
	hf_backoff_reset(&g->backoff);
	hf_debug("%s: watching %s on gpsd %s:%s for unit %s", a->cfg.name, a->cfg.device,
		 a->cfg.host, g->port, a->cfg.unit);
	a->host->link(a, true, "", 0);
}

/* Starts the adapter; gpsd being down is not an error (link down, retry). */
static int gpsd_start(struct hf_adapter *a)
{
	struct gpsd *g = calloc(1, sizeof *g);

	if (!g)
		return -ENOMEM;
	if (!a->cfg.device[0] || !a->cfg.unit[0] || !a->cfg.host[0] || a->cfg.port == 0 ||
	    a->cfg.port > 65535) {
		hf_err("%s: gpsd adapter needs host, port, device and unit", a->cfg.name);
		free(g);
		return -EINVAL;
	}
	if (strlen(a->cfg.device) >= GPS_PATH_MAX) {
		hf_err("%s: device is longer than libgps's %d bytes", a->cfg.name, GPS_PATH_MAX - 1);
		free(g);
		return -EINVAL;
	}
	snprintf(g->port, sizeof g->port, "%u", (unsigned)a->cfg.port);
	g->a = a;
	hf_backoff_init(&g->backoff, a->cfg.reconnect_min_ms, a->cfg.reconnect_max_ms);
	uv_timer_init(a->host->loop, &g->retry);
	g->retry.data = g;
	g->open_handles = 1;
	a->priv = g;
	connect_now(g);
	return 0;
}

/* Stops: closes the poll handle, then the gpsd connection, then the timer;
 * done() runs from the last close callback. */
static void gpsd_stop(struct hf_adapter *a, void (*done)(struct hf_adapter *a))
{
	struct gpsd *g = a->priv;

	g->stopping = true;
	g->done = done;
	close_connection(g);
	uv_close((uv_handle_t *)&g->retry, on_handle_closed);
}

/* "host:port device". */
static void gpsd_peer(const struct hf_adapter *a, char *buf, size_t size)
{
	snprintf(buf, size, "%s:%u %s", a->cfg.host, (unsigned)a->cfg.port, a->cfg.device);
}

const struct hf_adapter_ops hf_adapter_gpsd = {
	.type = "gpsd",
	.summary = "positions of one unit from a GNSS receiver served by gpsd",
	.start = gpsd_start,
	.stop = gpsd_stop,
	.send_sds = NULL, /* a GNSS receiver cannot reach radios */
	.peer = gpsd_peer,
};
