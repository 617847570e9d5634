/*
 * keygen.c - `handoffctl keygen NAME`: a CURVE key pair for the gateway or
 * one of its clients, as NAME.key (public: give it to the gateway's admin)
 * and NAME.key_secret (mode 0600: it stays on the machine that uses it), in
 * czmq's certificate format (pyzmq's zmq.auth.load_certificate reads it).
 * Prints the entry to add to the gateway's keys file.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "access.h"
#include "ctl.h"

static const char *const roles[] = { "dispatcher", "supervisor", "constable", "cad",
				     "adapter",    "admin",      "server",    NULL };

/* Writes text to path, created with mode; refuses to replace a file unless
 * force. 0 or -errno. */
static int write_file(const char *path, const char *text, mode_t mode, bool force)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | (force ? O_TRUNC : O_EXCL), mode);
	size_t len = strlen(text), off = 0;

	if (fd < 0)
		return -errno;
	if (force && fchmod(fd, mode) != 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	while (off < len) {
		ssize_t n = write(fd, text + off, len - off);

		if (n < 0) {
			int err = -errno;

			close(fd);
			return err;
		}
		off += (size_t)n;
	}
	if (fsync(fd) != 0 || close(fd) != 0)
		return -errno;
	return 0;
}

static void usage(FILE *fp)
{
	fprintf(fp,
		"Usage: handoffctl keygen [--role ROLE] [--unit UNIT] [--dir DIR] [--force] NAME\n"
		"Writes DIR/NAME.key (the public key: give it to the gateway's admin) and\n"
		"DIR/NAME.key_secret (mode 0600: keep it on the machine that uses it), then\n"
		"prints the entry for the gateway's keys file (security.clients).\n"
		"  --role ROLE   dispatcher, supervisor, constable, cad, adapter, admin, or\n"
		"                server for the gateway's own pair (default dispatcher)\n"
		"  --unit UNIT   a constable's roster id (their own assignments only)\n"
		"  --dir DIR     where to write (default .)\n"
		"  --force       replace existing files\n"
		"NAME: lowercase letters, digits, '_' and '-' (it is the identity recorded\n"
		"as the actor of every command sent with this key).\n");
}

static bool valid_name(const char *s)
{
	if (!*s || strlen(s) >= HF_ID_MAX)
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_' ||
		      *s == '-'))
			return false;
	return true;
}

int ctl_keygen(const struct ctl *ctl, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "role", required_argument, NULL, 'r' }, { "unit", required_argument, NULL, 'u' },
		{ "dir", required_argument, NULL, 'd' },  { "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },       { NULL, 0, NULL, 0 },
	};
	const char *role = "dispatcher", *unit = NULL, *dir = ".", *name;
	char pub_path[1024], sec_path[1024], created[32], text[1024];
	struct hf_curve_cert cert;
	bool force = false, known = false;
	time_t t = time(NULL);
	struct tm tm;
	int opt, rc = -ENOSPC;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "r:u:d:fh", opts, NULL)) != -1) {
		switch (opt) {
		case 'r':
			role = optarg;
			break;
		case 'u':
			unit = optarg;
			break;
		case 'd':
			dir = optarg;
			break;
		case 'f':
			force = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return 2;
	}
	name = argv[optind];
	for (size_t i = 0; roles[i]; i++)
		known |= strcmp(roles[i], role) == 0;
	if (!known) {
		fprintf(stderr, "handoffctl keygen: unknown role \"%s\" (dispatcher, supervisor, "
				"constable, cad, adapter, admin, server)\n", role);
		return 2;
	}
	if (!valid_name(name)) {
		fprintf(stderr, "handoffctl keygen: \"%s\" is not a valid name: use lowercase "
				"letters, digits, '_' and '-'\n", name);
		return 2;
	}
	if (strcmp(role, "constable") == 0 && !unit) {
		fprintf(stderr, "handoffctl keygen: a constable's key needs --unit (their roster "
				"id), so they accept only their own assignments\n");
		return 2;
	}
	if (hf_curve_cert_new(&cert, name, strcmp(role, "server") ? role : "") != 0) {
		fprintf(stderr, "handoffctl keygen: this libzmq has no CURVE support\n");
		return 1;
	}
	gmtime_r(&t, &tm);
	strftime(created, sizeof created, "%Y-%m-%d %H:%M:%SZ", &tm);
	snprintf(pub_path, sizeof pub_path, "%s/%s.key", dir, name);
	snprintf(sec_path, sizeof sec_path, "%s/%s.key_secret", dir, name);
	if (hf_curve_cert_format(&cert, true, created, text, sizeof text) < 0 ||
	    (rc = write_file(sec_path, text, 0600, force)) != 0) {
		fprintf(stderr, "handoffctl keygen: cannot write %s: %s%s\n", sec_path,
			strerror(-rc), rc == -EEXIST ? " (--force replaces it)" : "");
		return 1;
	}
	hf_curve_cert_format(&cert, false, created, text, sizeof text);
	if ((rc = write_file(pub_path, text, 0644, force)) != 0) {
		fprintf(stderr, "handoffctl keygen: cannot write %s: %s%s\n", pub_path,
			strerror(-rc), rc == -EEXIST ? " (--force replaces it)" : "");
		unlink(sec_path);
		return 1;
	}
	fprintf(stderr, "wrote %s (secret, mode 0600) and %s (public)\n", sec_path, pub_path);
	if (strcmp(role, "server") == 0) {
		printf("# in the gateway's config:\n"
		       "security:\n"
		       "  server_cert: %s\n"
		       "  clients: keys.yaml\n"
		       "# and give %s to every client (handoffctl --server-key)\n",
		       sec_path, pub_path);
		return 0;
	}
	printf("# add to the gateway's keys file (security.clients), then SIGHUP handoffd:\n"
	       "  - name: %s\n"
	       "    role: %s\n"
	       "    key: \"%s\"\n",
	       name, role, cert.public_key);
	if (unit)
		printf("    unit: %s\n", unit);
	(void)ctl;
	return 0;
}
