/*
 * fuzz_keys.c - libFuzzer target for what the security setup reads: CURVE
 * certificates (hf_curve_cert_parse: `handoffctl --cert`, security.server_cert)
 * and the keys file (hf_config_keys_load_string: security.clients). The first
 * byte picks which; the rest is the file.
 *
 * Invariants: a certificate that parses has a valid public key, and its secret
 * (if any) is the public key's; a keys file that loads has only valid keys,
 * known roles and constables with a roster unit; one that fails keeps no
 * client and records at least one problem.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zmq.h>

#include "config.h"
#include "curve.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok)
{
	if (!ok)
		abort();
}

static const char roster[] =
	"roster:\n"
	"  - {id: pc-1, issi: 2002001, callsign: PC 1, role: constable}\n"
	"  - {id: pcso-1, issi: 2001001, callsign: PCSO 1, role: pcso}\n";

static void fuzz_cert(const char *text, size_t len)
{
	struct hf_curve_cert c;
	char err[256];

	if (hf_curve_cert_parse(text, len, &c, err, sizeof err) != 0) {
		check(err[0] != '\0');
		return;
	}
	check(hf_z85_key_valid(c.public_key));
	if (c.secret_key[0]) {
		char derived[HF_Z85_KEY_LEN + 1];

		check(zmq_curve_public(derived, c.secret_key) == 0);
		check(strcmp(derived, c.public_key) == 0);
	}
}

static void fuzz_keys_file(const char *text, size_t len)
{
	struct hf_config *cfg;
	struct hf_diag d;

	hf_diag_init(&d);
	check(hf_config_load_string("base.yaml", roster, strlen(roster), NULL, &cfg, &d) == 0);
	if (hf_config_keys_load_string(cfg, "keys.yaml", text, len, &d) == 0) {
		check(d.n == 0);
		for (size_t i = 0; i < cfg->security.n_clients; i++) {
			const struct hf_client_key *k = &cfg->security.clients[i];

			check(hf_z85_key_valid(k->key));
			check(k->role <= HF_CLIENT_ADMIN);
			check(k->name[0] != '\0');
			check((k->role == HF_CLIENT_CONSTABLE) == (k->unit[0] != '\0'));
		}
	} else {
		check(d.n > 0);
		check(cfg->security.n_clients == 0 && cfg->security.clients == NULL);
	}
	hf_config_destroy(cfg);
	hf_diag_finish(&d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	if (data[0] & 1)
		fuzz_keys_file((const char *)data + 1, size - 1);
	else
		fuzz_cert((const char *)data + 1, size - 1);
	return 0;
}
