/*
 * notify.h - telling systemd how handoffd is doing (sd_notify) and keeping its
 * watchdog fed.
 *
 * Under a Type=notify unit systemd sets NOTIFY_SOCKET; without it every call
 * here does nothing, so handoffd runs the same on a terminal or in a test.
 * The watchdog is pinged from a timer on the gateway's own libuv loop at half
 * of WatchdogSec: a loop that is stuck (or spinning in one callback) stops the
 * pings, and systemd restarts the service.
 *
 * One process has one service manager, so the state is a singleton, like the
 * log's.
 */
#ifndef HF_NOTIFY_H
#define HF_NOTIFY_H

#include <stddef.h>

#include <uv.h>

/* Writes a one-line summary of the service for `systemctl status` into buf
 * (size bytes), e.g. "16 units, 1 open incident, 1 of 1 links up,
 * journal ok". */
typedef void (*hf_notify_status_fn)(void *ctx, char *buf, size_t size);

/*
 * Starts watching over loop: when NOTIFY_SOCKET is set, a timer pings the
 * watchdog (if WATCHDOG_USEC enables it for this process) and refreshes the
 * status from status(ctx) when it changes. The timer does not keep the loop
 * alive (uv_unref); close it with hf_notify_close. status may be NULL.
 * Returns 0 or a negative errno.
 */
int hf_notify_start(uv_loop_t *loop, hf_notify_status_fn status, void *ctx);

/* Closes the timer (if started); run the loop once more to finish closing. */
void hf_notify_close(void);

/* READY=1 with the current status: the gateway is bound and serving (after
 * journal recovery), or a reload is over. */
void hf_notify_ready(void);

/* RELOADING=1 (with MONOTONIC_USEC, as Type=notify-reload wants): a reload of
 * the configuration begins; hf_notify_ready() ends it. */
void hf_notify_reloading(void);

/* STOPPING=1: a graceful stop begins. */
void hf_notify_stopping(void);

/* STATUS=<text>: a free-form status line for `systemctl status`. */
void hf_notify_status(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The watchdog interval systemd asked for, in microseconds (0: none). */
unsigned long long hf_notify_watchdog_usec(void);

#endif
