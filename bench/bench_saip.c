/* m2mrsp bench saip: TS.48 packages decoded, re-encoded and compared per second on one core,
 * with the peak memory of the process and the bytes the decoded tree holds. */
#include <malloc.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "bench.h"
#include "cli/cli.h"
#include "saip/saip.h"

#define WHAT "bench saip"
#define DEFAULT_PACKAGE "../shared/vectors/saip/TS48v2_SAIP2.3_NoBERTLV.der"

struct ctx {
	m2m_buf der, out;
};

static bool op_round_trip(void *p)
{
	struct ctx *c = p;
	m2m_saip_pkg pkg;
	m2m_saip_pkg_init(&pkg);
	c->out.len = 0;
	bool ok = m2m_saip_decode(c->der.data, c->der.len, &pkg, NULL) == M2M_OK &&
		  m2m_saip_encode(&pkg, &c->out) == M2M_OK && c->out.len == c->der.len &&
		  memcmp(c->out.data, c->der.data, c->der.len) == 0;
	m2m_saip_pkg_free(&pkg);
	return ok;
}

static bool op_decode(void *p)
{
	struct ctx *c = p;
	m2m_saip_pkg pkg;
	m2m_saip_pkg_init(&pkg);
	bool ok = m2m_saip_decode(c->der.data, c->der.len, &pkg, NULL) == M2M_OK;
	m2m_saip_pkg_free(&pkg);
	return ok;
}

/* Heap bytes in use while one decoded package is held (mallinfo2: glibc). */
static size_t tree_bytes(const struct ctx *c)
{
	m2m_saip_pkg pkg;
	m2m_saip_pkg_init(&pkg);
	size_t before = mallinfo2().uordblks;
	size_t held = 0;
	if (m2m_saip_decode(c->der.data, c->der.len, &pkg, NULL) == M2M_OK)
		held = mallinfo2().uordblks - before;
	m2m_saip_pkg_free(&pkg);
	return held;
}

static int parse(int argc, char **argv, const char **path, double *seconds)
{
	int rc = M2M_EXIT_OK, n = 0;
	char *rest[3] = {argv[0], NULL, NULL};
	for (int i = 1; i < argc && rc == M2M_EXIT_OK; i++) {
		if (strcmp(argv[i], "--package") == 0 && i + 1 < argc)
			*path = argv[++i];
		else if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc && n == 0)
			rest[1] = argv[i], rest[2] = argv[++i], n = 2;
		else
			rc = m2m_cli_error(M2M_EXIT_USAGE, WHAT,
					   "usage: m2mrsp bench saip [--seconds S] [--package FILE]");
	}
	if (rc == M2M_EXIT_OK)
		rc = m2m_bench_seconds("bench saip", n + 1, rest, seconds);
	return rc;
}

int m2m_bench_saip(int argc, char **argv)
{
	struct ctx c;
	double seconds = 1;
	const char *path = DEFAULT_PACKAGE;
	m2m_buf_init(&c.der);
	m2m_buf_init(&c.out);
	int rc = parse(argc, argv, &path, &seconds);
	if (rc != M2M_EXIT_OK)
		goto out;
	if (m2m_saip_read_file(path, &c.der) != M2M_OK) {
		rc = m2m_cli_error(M2M_EXIT_IO, WHAT,
				   "cannot read %s (run from the build directory next to shared/, "
				   "or give --package FILE)", path);
		goto out;
	}
	double trip = m2m_bench_rate(op_round_trip, &c, seconds);
	double dec = m2m_bench_rate(op_decode, &c, seconds);
	if (trip < 0 || dec < 0) {
		rc = m2m_cli_error(M2M_EXIT_FAILED, WHAT, "%s does not round-trip", path);
		goto out;
	}
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	printf("package: %s (%zu bytes)\n", path, c.der.len);
	printf("decode+encode+compare: %10.0f packages/s  %7.1f MB/s\n", trip,
	       trip * (double)c.der.len / 1e6);
	printf("decode only:           %10.0f packages/s  %7.1f MB/s\n", dec,
	       dec * (double)c.der.len / 1e6);
	printf("decoded tree held:     %10zu bytes\n", tree_bytes(&c));
	printf("peak RSS:              %10ld KiB\n", ru.ru_maxrss);
out:
	m2m_buf_free(&c.der);
	m2m_buf_free(&c.out);
	return rc;
}
