/*
 * curve.c - see curve.h.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zmq.h>

#include "curve.h"
#include "hf.h"
#include "yaml.h"

#define CERT_MAX_BYTES (64 * 1024)

bool hf_z85_key_valid(const char *s)
{
	uint8_t raw[32];

	if (!s || strlen(s) != HF_Z85_KEY_LEN)
		return false;
	return zmq_z85_decode(raw, s) != NULL;
}

static void fail(char *err, size_t size, unsigned line, const char *fmt, ...)
{
	va_list ap;
	int n = 0;

	if (line)
		n = snprintf(err, size, "%u: ", line);
	if (n < 0 || (size_t)n >= size)
		return;
	va_start(ap, fmt);
	vsnprintf(err + n, size - (size_t)n, fmt, ap);
	va_end(ap);
}

/* Copies a property value: "quoted", 'quoted' or bare up to a comment. */
static int take_value(const char *v, size_t len, char *out, size_t size)
{
	size_t n;

	if (len && (v[0] == '"' || v[0] == '\'')) {
		const char *end = memchr(v + 1, v[0], len - 1);

		if (!end)
			return -1;
		n = (size_t)(end - v - 1);
		v++;
	} else {
		const char *hash = memchr(v, '#', len);

		n = hash ? (size_t)(hash - v) : len;
		while (n && (v[n - 1] == ' ' || v[n - 1] == '\t'))
			n--;
	}
	if (n >= size)
		return -1;
	memcpy(out, v, n);
	out[n] = '\0';
	return 0;
}

int hf_curve_cert_parse(const char *text, size_t len, struct hf_curve_cert *c, char *err,
			size_t errsize)
{
	enum { NONE, METADATA, CURVE, OTHER } section = NONE;
	unsigned line = 0;
	size_t pos = 0;

	memset(c, 0, sizeof *c);
	while (pos < len) {
		const char *s = text + pos;
		const char *nl = memchr(s, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - s) : len - pos;
		size_t indent = 0;
		const char *eq;

		pos += n + (nl != NULL);
		line++;
		if (n && s[n - 1] == '\r')
			n--;
		if (memchr(s, '\0', n)) {
			fail(err, errsize, line, "NUL byte in a certificate");
			return -1;
		}
		while (indent < n && (s[indent] == ' ' || s[indent] == '\t'))
			indent++;
		if (indent == n || s[indent] == '#')
			continue;
		if (indent == 0) {
			size_t w = n;

			while (w && (s[w - 1] == ' ' || s[w - 1] == '\t'))
				w--;
			section = (w == 8 && !memcmp(s, "metadata", 8)) ? METADATA
				  : (w == 5 && !memcmp(s, "curve", 5))  ? CURVE
									 : OTHER;
			continue;
		}
		eq = memchr(s + indent, '=', n - indent);
		if (!eq) {
			fail(err, errsize, line, "expected \"name = value\"");
			return -1;
		}
		size_t klen = (size_t)(eq - s) - indent;
		const char *key = s + indent;
		const char *v = eq + 1;
		size_t vlen = n - (size_t)(v - s);

		while (klen && (key[klen - 1] == ' ' || key[klen - 1] == '\t'))
			klen--;
		while (vlen && (*v == ' ' || *v == '\t')) {
			v++;
			vlen--;
		}
#define KEY_IS(lit) (klen == sizeof(lit) - 1 && !memcmp(key, lit, klen))
		char *dst = NULL;
		size_t dsize = 0;

		if (section == CURVE && KEY_IS("public-key")) {
			dst = c->public_key;
			dsize = sizeof c->public_key;
		} else if (section == CURVE && KEY_IS("secret-key")) {
			dst = c->secret_key;
			dsize = sizeof c->secret_key;
		} else if (section == METADATA && KEY_IS("name")) {
			dst = c->name;
			dsize = sizeof c->name;
		} else if (section == METADATA && KEY_IS("role")) {
			dst = c->role;
			dsize = sizeof c->role;
		}
#undef KEY_IS
		if (!dst)
			continue; /* other metadata: kept by czmq, not needed here */
		if (take_value(v, vlen, dst, dsize) != 0) {
			fail(err, errsize, line, "value too long or its quote is not closed");
			return -1;
		}
		if ((dst == c->public_key || dst == c->secret_key) && !hf_z85_key_valid(dst)) {
			fail(err, errsize, line,
			     "a CURVE key must be 40 characters of Z85 text (got %zu characters)",
			     strlen(dst));
			return -1;
		}
	}
	if (!c->public_key[0]) {
		fail(err, errsize, 0, "no public-key in a \"curve\" section: not a certificate");
		return -1;
	}
	if (c->secret_key[0]) {
		char derived[HF_Z85_KEY_LEN + 1];

		if (zmq_curve_public(derived, c->secret_key) != 0 ||
		    strcmp(derived, c->public_key) != 0) {
			fail(err, errsize, 0, "the secret-key does not belong to the public-key");
			return -1;
		}
	}
	return 0;
}

int hf_curve_cert_load(const char *path, bool need_secret, struct hf_curve_cert *c, char *err,
		       size_t errsize)
{
	char why[256];
	char *buf = NULL;
	size_t len = 0;
	int rc = hf_file_read(path, CERT_MAX_BYTES, &buf, &len);

	if (rc) {
		snprintf(err, errsize, "%s: %s", path,
			 rc == -EFBIG ? "too large to be a certificate" : strerror(-rc));
		return -1;
	}
	rc = hf_curve_cert_parse(buf, len, c, why, sizeof why);
	free(buf);
	if (rc) {
		snprintf(err, errsize, "%s:%s", path, why);
		return -1;
	}
	if (need_secret && !c->secret_key[0]) {
		snprintf(err, errsize,
			 "%s: a public certificate; the secret one (NAME.key_secret) is needed here",
			 path);
		return -1;
	}
	return 0;
}

int hf_curve_cert_new(struct hf_curve_cert *c, const char *name, const char *role)
{
	memset(c, 0, sizeof *c);
	if (zmq_curve_keypair(c->public_key, c->secret_key) != 0)
		return -1;
	hf_strlcpy(c->name, name ? name : "", sizeof c->name);
	hf_strlcpy(c->role, role ? role : "", sizeof c->role);
	return 0;
}

int hf_curve_cert_format(const struct hf_curve_cert *c, bool secret, const char *created,
			 char *buf, size_t size)
{
	int n = snprintf(buf, size,
			 "#   ****  Generated on %s by handoffctl keygen  ****\n"
			 "%s"
			 "\n"
			 "metadata\n"
			 "    name = \"%s\"\n"
			 "%s%s%s"
			 "curve\n"
			 "    public-key = \"%s\"\n"
			 "%s%s%s",
			 created,
			 secret ? "#   ZeroMQ CURVE **Secret** Certificate\n"
				  "#   DO NOT PROVIDE THIS FILE TO OTHER USERS nor change its "
				  "permissions.\n"
				: "#   ZeroMQ CURVE Public Certificate\n"
				  "#   Give this file (or its public-key line) to the gateway's "
				  "keys file.\n",
			 c->name, c->role[0] ? "    role = \"" : "", c->role,
			 c->role[0] ? "\"\n" : "", c->public_key,
			 secret ? "    secret-key = \"" : "", secret ? c->secret_key : "",
			 secret ? "\"\n" : "");

	return n < 0 || (size_t)n >= size ? -1 : n;
}

bool hf_curve_public_path(const char *secret_path, char *out, size_t size)
{
	static const char suffix[] = "_secret";
	size_t n = strlen(secret_path);

	if (n <= sizeof suffix - 1 || strcmp(secret_path + n - (sizeof suffix - 1), suffix) != 0 ||
	    n - (sizeof suffix - 1) >= size)
		return false;
	memcpy(out, secret_path, n - (sizeof suffix - 1));
	out[n - (sizeof suffix - 1)] = '\0';
	return true;
}

int hf_curve_server(void *sock, const char *secret_z85, const char *domain)
{
	int on = 1;

	if (zmq_setsockopt(sock, ZMQ_ZAP_DOMAIN, domain, strlen(domain)) != 0 ||
	    zmq_setsockopt(sock, ZMQ_CURVE_SERVER, &on, sizeof on) != 0 ||
	    zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, secret_z85, HF_Z85_KEY_LEN) != 0)
		return -zmq_errno();
	return 0;
}
