/*
 * util.c - small string and enum helpers shared by every part of handoff.
 */
#include <string.h>
#include <strings.h>

#include "hf.h"
#include "radio_event.h"

bool hf_strlcpy(char *dst, const char *src, size_t size)
{
	size_t n = strlen(src);

	if (size == 0)
		return n == 0;
	if (n >= size) {
		memcpy(dst, src, size - 1);
		dst[size - 1] = '\0';
		return false;
	}
	memcpy(dst, src, n + 1);
	return true;
}

static const char *const role_names[] = {
	[HF_ROLE_UNKNOWN] = "unknown",
	[HF_ROLE_PCSO] = "pcso",
	[HF_ROLE_CONSTABLE] = "constable",
	[HF_ROLE_SUPERVISOR] = "supervisor",
};

enum hf_role hf_role_parse(const char *s)
{
	for (size_t i = 1; i < HF_ARRAY_SIZE(role_names); i++)
		if (strcasecmp(s, role_names[i]) == 0)
			return (enum hf_role)i;
	return HF_ROLE_UNKNOWN;
}

const char *hf_role_name(enum hf_role role)
{
	if ((size_t)role < HF_ARRAY_SIZE(role_names))
		return role_names[role];
	return "unknown";
}

bool hf_radio_event_is_emergency(const struct hf_radio_event *ev)
{
	if (ev->kind == HF_EVENT_PANIC)
		return true;
	if (ev->kind == HF_EVENT_EMERGENCY_CALL)
		return !ev->has_call_priority ||
		       ev->call_priority == HF_CALL_PRIORITY_EMERGENCY;
	if (ev->has_status && ev->status == HF_STATUS_EMERGENCY)
		return true;
	return ev->has_reason && ev->reason == HF_LIP_REASON_EMERGENCY;
}
