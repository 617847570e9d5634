/*
 * follow.h - following the gateway's bus with the ZeroMQ Guide's Clone
 * pattern, for `watch` (lines and console alike): subscribe first, then take a
 * snapshot on the command socket, and pass on only publications with a
 * sequence number above the snapshot's. A jump in the sequence (a message lost
 * to the high-water mark, a slow terminal) or a new epoch (the gateway
 * restarted) triggers a fresh snapshot, so a late or restarted watch never
 * hides an open incident. It subscribes to the whole bus, because gap
 * detection needs every sequence number.
 */
#ifndef HF_FOLLOW_H
#define HF_FOLLOW_H

#include <stdbool.h>
#include <stdint.h>

#include "ctl.h"

/* What the follower tells its user. Every pointer is borrowed for the call. */
struct ctl_follow_ops {
	/* A snapshot: the whole state from now on (the first, and every re-sync). */
	void (*snapshot)(void *data, const Handoff__V1__Snapshot *s);
	/* A publication above the snapshot's seq, in order. */
	void (*publication)(void *data, const Handoff__V1__Publication *p);
	/* Something the user should know: a re-sync and why, the gateway silent
	 * or back. One line, no newline. */
	void (*say)(void *data, const char *text);
};

struct ctl_follow {
	struct ctl ctl;       /* a copy: the snapshot timeout may be shorter */
	void *sub;            /* SUB socket on the publish endpoint */
	bool units;           /* snapshots include every unit */
	bool synced;          /* a snapshot was applied and no gap seen since */
	bool silent;          /* nothing heard for CTL_FOLLOW_SILENCE_MS */
	uint64_t epoch, seq;  /* of the last snapshot or publication applied */
	int64_t last_heard;   /* monotonic ms */
	const struct ctl_follow_ops *ops;
	void *data;
};

#define CTL_FOLLOW_SILENCE_MS 5000 /* no message (heartbeats flow when idle) this long: say so */

/* Connects the SUB socket and takes the first snapshot (saying so when the
 * gateway does not answer: pump and tick go on trying). Returns 0, or -1
 * after printing why the socket could not be made. */
int ctl_follow_start(struct ctl_follow *f, const struct ctl *ctl, bool units,
		     const struct ctl_follow_ops *ops, void *data);
/* Handles every message waiting on f->sub without blocking. */
void ctl_follow_pump(struct ctl_follow *f);
/* Once a second or so: notices silence, retries a snapshot when not synced. */
void ctl_follow_tick(struct ctl_follow *f);
void ctl_follow_stop(struct ctl_follow *f);

/* A snapshot (include_units, include_closed) from the gateway, or NULL after
 * printing why. Free with handoff__v1__reply__free_unpacked; ->snapshot is set. */
Handoff__V1__Reply *ctl_take_snapshot(const struct ctl *ctl, bool units, bool closed);

/* Monotonic and wall-clock (UTC) milliseconds. */
int64_t ctl_mono_ms(void);
int64_t ctl_wall_ms(void);

#endif
