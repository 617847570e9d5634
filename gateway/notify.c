/*
 * notify.c - see notify.h.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <systemd/sd-daemon.h>

#include "log.h"
#include "notify.h"

/* Without a watchdog the status is still refreshed this often (ms). */
#define STATUS_REFRESH_MS 5000

static struct {
	bool active;           /* NOTIFY_SOCKET is set */
	bool started;          /* the timer is initialised */
	uint64_t watchdog_usec;
	uv_timer_t timer;
	hf_notify_status_fn status;
	void *ctx;
	char last_status[256]; /* what systemd was last told */
} notify;

/* Sends one notification (fields separated by newlines). A failure is logged
 * at debug level only: a missed status line is not worth more, and missed
 * watchdog pings are reported (and acted on) by systemd itself. */
static void send_state(const char *state)
{
	int rc;

	if (!notify.active)
		return;
	rc = sd_notify(0, state);
	if (rc < 0)
		hf_debug("sd_notify: %s", strerror(-rc));
}

/* The status line from the callback; true if it changed since it was last
 * sent (and then it is remembered as sent). */
static bool fresh_status(char *buf, size_t size)
{
	buf[0] = '\0';
	if (!notify.status)
		return false;
	notify.status(notify.ctx, buf, size);
	if (strcmp(buf, notify.last_status) == 0)
		return false;
	snprintf(notify.last_status, sizeof notify.last_status, "%s", buf);
	return true;
}

/* Runs on the gateway's loop: the ping proves the loop turns. */
static void on_timer(uv_timer_t *t)
{
	char status[sizeof notify.last_status], msg[sizeof status + 32];
	bool changed = fresh_status(status, sizeof status);

	if (!notify.watchdog_usec && !changed)
		return;
	snprintf(msg, sizeof msg, "%s%s%s%s", notify.watchdog_usec ? "WATCHDOG=1" : "",
		 notify.watchdog_usec && changed ? "\n" : "", changed ? "STATUS=" : "",
		 changed ? status : "");
	send_state(msg);
}

int hf_notify_start(uv_loop_t *loop, hf_notify_status_fn status, void *ctx)
{
	uint64_t usec = 0;
	uint64_t every_ms;
	int rc;

	notify.status = status;
	notify.ctx = ctx;
	notify.active = getenv("NOTIFY_SOCKET") != NULL;
	if (!notify.active)
		return 0;
	/* > 0: enabled for this process (WATCHDOG_PID unset, or ours). */
	rc = sd_watchdog_enabled(0, &usec);
	if (rc < 0)
		hf_warn("systemd watchdog: WATCHDOG_USEC or WATCHDOG_PID unreadable (%s); "
			"not pinging", strerror(-rc));
	notify.watchdog_usec = rc > 0 ? usec : 0;
	every_ms = notify.watchdog_usec ? notify.watchdog_usec / 2000 : STATUS_REFRESH_MS;
	if (every_ms == 0)
		every_ms = 1;
	rc = uv_timer_init(loop, &notify.timer);
	if (rc)
		return rc;
	notify.started = true;
	uv_timer_start(&notify.timer, on_timer, every_ms, every_ms);
	uv_unref((uv_handle_t *)&notify.timer);
	if (notify.watchdog_usec)
		hf_info("systemd watchdog: %llu ms, pinged every %llu ms",
			(unsigned long long)(notify.watchdog_usec / 1000),
			(unsigned long long)every_ms);
	return 0;
}

void hf_notify_close(void)
{
	if (notify.started && !uv_is_closing((uv_handle_t *)&notify.timer))
		uv_close((uv_handle_t *)&notify.timer, NULL);
	notify.started = false;
}

void hf_notify_ready(void)
{
	char status[sizeof notify.last_status], msg[sizeof status + 32];

	if (!notify.active)
		return;
	fresh_status(status, sizeof status);
	snprintf(msg, sizeof msg, "READY=1%s%s", status[0] ? "\nSTATUS=" : "", status);
	send_state(msg);
}

void hf_notify_reloading(void)
{
	struct timespec ts;
	char msg[96];

	if (!notify.active)
		return;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	snprintf(msg, sizeof msg, "RELOADING=1\nSTATUS=Reloading the configuration\n"
		 "MONOTONIC_USEC=%" PRIu64,
		 (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u);
	notify.last_status[0] = '\0'; /* the next ready says the status again */
	send_state(msg);
}

void hf_notify_stopping(void)
{
	send_state("STOPPING=1\nSTATUS=Stopping");
}

void hf_notify_status(const char *fmt, ...)
{
	char msg[sizeof notify.last_status + 8];
	va_list ap;
	int n;

	if (!notify.active)
		return;
	n = snprintf(msg, sizeof msg, "STATUS=");
	va_start(ap, fmt);
	vsnprintf(msg + n, sizeof msg - (size_t)n, fmt, ap);
	va_end(ap);
	snprintf(notify.last_status, sizeof notify.last_status, "%s", msg + n);
	send_state(msg);
}

unsigned long long hf_notify_watchdog_usec(void)
{
	return notify.watchdog_usec;
}
