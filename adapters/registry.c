/*
 * registry.c - every adapter type the gateway can run.
 *
 * To add an adapter: write adapters/<name>.c exporting one
 * `const struct hf_adapter_ops hf_adapter_<name>` (see gateway/adapter.h and
 * README "Writing an adapter"), declare it below and list it in the array.
 */
#include <string.h>

#include "adapter.h"

extern const struct hf_adapter_ops hf_adapter_tetra_pei;
extern const struct hf_adapter_ops hf_adapter_ingest;
extern const struct hf_adapter_ops hf_adapter_gpsd;

const struct hf_adapter_ops *const hf_adapter_types[] = {
	&hf_adapter_tetra_pei,
	&hf_adapter_ingest,
	&hf_adapter_gpsd,
	NULL,
};

const struct hf_adapter_ops *hf_adapter_find(const char *type)
{
	for (size_t i = 0; hf_adapter_types[i]; i++)
		if (strcmp(hf_adapter_types[i]->type, type) == 0)
			return hf_adapter_types[i];
	return NULL;
}

const char *const *hf_adapter_type_names(void)
{
	static const char *names[HF_ARRAY_SIZE(hf_adapter_types)];

	for (size_t i = 0; hf_adapter_types[i]; i++)
		names[i] = hf_adapter_types[i]->type;
	return names;
}
