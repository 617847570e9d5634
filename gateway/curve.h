/*
 * curve.h - CURVE key pairs ("certificates") for ZeroMQ's CurveZMQ.
 *
 * The file format is czmq's ZPL certificate, the one pyzmq's zmq.auth and
 * czmq's zcert read and write, so clients in other languages use the same
 * files:
 *
 *     #   ZeroMQ CURVE **Secret** Certificate
 *     metadata
 *         name = "desk-central"
 *         role = "dispatcher"
 *     curve
 *         public-key = "rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7"
 *         secret-key = "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6"
 *
 * `handoffctl keygen NAME` writes NAME.key (the public half: share it) and
 * NAME.key_secret (both halves, mode 0600: keep it on that machine).
 *
 * The parser is pure (bytes in, struct out) and is fuzzed (fuzz_cert).
 */
#ifndef HF_CURVE_H
#define HF_CURVE_H

#include <stdbool.h>
#include <stddef.h>

#define HF_Z85_KEY_LEN 40 /* a 32-byte CURVE key in Z85 text */

struct hf_curve_cert {
	char public_key[HF_Z85_KEY_LEN + 1];
	char secret_key[HF_Z85_KEY_LEN + 1]; /* "" in a public certificate */
	char name[64];                       /* metadata name, "" when absent */
	char role[32];                       /* metadata role, "" when absent */
};

/* True when s is exactly 40 characters of Z85 that decode to 32 bytes. */
bool hf_z85_key_valid(const char *s);

/* Parses a certificate. Returns 0, or -1 with "LINE: reason" in err. A secret
 * key must belong to the public key beside it. */
int hf_curve_cert_parse(const char *text, size_t len, struct hf_curve_cert *c, char *err,
			size_t errsize);

/* Reads and parses PATH; errors are "PATH:LINE: reason" or "PATH: reason".
 * need_secret: refuse a certificate without its secret key. */
int hf_curve_cert_load(const char *path, bool need_secret, struct hf_curve_cert *c, char *err,
		       size_t errsize);

/* A fresh key pair into c (name and role as given). 0 or -1 (no CURVE in libzmq). */
int hf_curve_cert_new(struct hf_curve_cert *c, const char *name, const char *role);

/* Writes the certificate text (secret: include the secret key) into buf.
 * Returns the length, or -1 if buf is too small. created: "2026-11-23 10:02:03Z". */
int hf_curve_cert_format(const struct hf_curve_cert *c, bool secret, const char *created,
			 char *buf, size_t size);

/* The public certificate's path for a secret one: "x.key_secret" -> "x.key".
 * Returns false when path does not end in "_secret". */
bool hf_curve_public_path(const char *secret_path, char *out, size_t size);

/* Makes a socket (before bind) a CURVE server with this secret key, its
 * clients checked by the ZAP handler under domain. 0 or a negative errno. */
int hf_curve_server(void *sock, const char *secret_z85, const char *domain);

#endif
