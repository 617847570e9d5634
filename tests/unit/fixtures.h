/*
 * fixtures.h - a small in-memory force for registry, nearest and engine tests:
 * the defaults plus a roster and status map built in code (no file needed).
 */
#ifndef HF_TEST_FIXTURES_H
#define HF_TEST_FIXTURES_H

#include <string.h>

#include "config.h"
#include "radio_event.h"

/* Status codes of the test force. */
enum {
	ST_AVAILABLE = 32768,
	ST_ON_PATROL = 32769,
	ST_AT_SCENE = 32770,
	ST_OFF_DUTY = 32771,
};

static struct hf_roster_entry fx_roster[] = {
	{ "pcso-1", 2001001, "PCSO 1", HF_ROLE_PCSO, "Safer Neighbourhood", "central" },
	{ "pcso-2", 2001002, "PCSO 2", HF_ROLE_PCSO, "Safer Transport", "transport" },
	{ "pc-1", 2002001, "PC 1", HF_ROLE_CONSTABLE, "Response", "central" },
	{ "pc-2", 2002002, "PC 2", HF_ROLE_CONSTABLE, "Response", "central" },
	{ "pc-3", 2002003, "PC 3", HF_ROLE_CONSTABLE, "Response", "central" },
	{ "pc-4", 2002004, "PC 4", HF_ROLE_CONSTABLE, "Response", "central" },
	{ "pc-5", 2002005, "PC 5", HF_ROLE_CONSTABLE, "Response", "transport" },
	{ "ps-1", 2003001, "PS 1", HF_ROLE_SUPERVISOR, "Response", "central" },
};

static struct hf_status_entry fx_status[] = {
	{ ST_AVAILABLE, "available" },
	{ ST_ON_PATROL, "on_patrol" },
	{ ST_AT_SCENE, "at_scene" },
	{ ST_OFF_DUTY, "off_duty" },
};

static struct hf_area_config fx_areas[] = {
	{ "central", "Central ward", "desk-central", "Safer Neighbourhood" },
	{ "transport", "Transport corridor", "desk-transport", "Safer Transport" },
};

/* Fills cfg with the defaults and the test force. */
static inline void fx_config(struct hf_config *cfg)
{
	hf_config_defaults(cfg);
	cfg->roster = fx_roster;
	cfg->n_roster = sizeof fx_roster / sizeof fx_roster[0];
	cfg->status_map = fx_status;
	cfg->n_status = sizeof fx_status / sizeof fx_status[0];
	cfg->areas = fx_areas;
	cfg->n_areas = sizeof fx_areas / sizeof fx_areas[0];
	strcpy(cfg->default_area, "central");
}

/* Events as adapters would produce them. */
static inline struct hf_radio_event fx_status_ev(uint32_t issi, uint16_t status)
{
	struct hf_radio_event ev = { .kind = HF_EVENT_STATUS, .issi = issi };

	ev.has_status = true;
	ev.status = status;
	strcpy(ev.source, "test");
	return ev;
}

static inline struct hf_radio_event fx_fix_ev(uint32_t issi, double lat, double lon)
{
	struct hf_radio_event ev = { .kind = HF_EVENT_LOCATION, .issi = issi };

	ev.has_fix = true;
	ev.fix.lat = lat;
	ev.fix.lon = lon;
	strcpy(ev.source, "test");
	return ev;
}

static inline struct hf_radio_event fx_lip_emergency_ev(uint32_t issi, double lat, double lon)
{
	struct hf_radio_event ev = fx_fix_ev(issi, lat, lon);

	ev.has_reason = true;
	ev.reason = HF_LIP_REASON_EMERGENCY;
	return ev;
}

#endif
