/* m2mrsp bench saip: TS.48 packages decoded, re-encoded and compared per second on one core,
 * with the asn1c trees on libc's heap and in a tree arena (asn1_alloc.h; freed by asn1c's walk
 * or dropped with the scope), the peak memory of the process and the bytes the decoded tree
 * holds. docs/saip.md "Figures". */
#include <malloc.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "bench.h"
#include "cli/cli.h"
#include "saip/asn1_alloc/asn1_alloc.h"
#include "saip/saip.h"

#define WHAT "bench saip"
#define DEFAULT_PACKAGE "../shared/vectors/saip/TS48v2_SAIP2.3_NoBERTLV.der"

/* Where the trees live and how they go: libc's heap; an arena scope with asn1c's free walk
 * (m2m_saip_pkg_free) before the scope ends; an arena scope dropping them unwalked. */
enum mode { LIBC, ARENA_WALK, ARENA };

struct ctx {
	m2m_buf der, out;
	m2m_asn1_arena arena;
	enum mode mode;
	unsigned long done;
};

/* m2m_saip_pkg_abandon is right here: the trees were only decoded and encoded. */
static void end_package(struct ctx *c, m2m_saip_pkg *pkg)
{
	if (c->mode == ARENA)
		m2m_saip_pkg_abandon(pkg);
	else
		m2m_saip_pkg_free(pkg);
	if (c->mode != LIBC)
		m2m_asn1_arena_end(&c->arena);
}

/* One package's whole life (decode, encode, drop) is inside the scope. */
static bool op_round_trip(void *p)
{
	struct ctx *c = p;
	m2m_saip_pkg pkg;
	if (c->mode != LIBC)
		m2m_asn1_arena_begin(&c->arena);
	m2m_saip_pkg_init(&pkg);
	c->out.len = 0;
	bool ok = m2m_saip_decode(c->der.data, c->der.len, &pkg, NULL) == M2M_OK &&
		  m2m_saip_encode(&pkg, &c->out) == M2M_OK && c->out.len == c->der.len &&
		  memcmp(c->out.data, c->der.data, c->der.len) == 0;
	end_package(c, &pkg);
	c->done++;
	return ok;
}

static bool op_decode(void *p)
{
	struct ctx *c = p;
	m2m_saip_pkg pkg;
	if (c->mode != LIBC)
		m2m_asn1_arena_begin(&c->arena);
	m2m_saip_pkg_init(&pkg);
	bool ok = m2m_saip_decode(c->der.data, c->der.len, &pkg, NULL) == M2M_OK;
	end_package(c, &pkg);
	c->done++;
	return ok;
}

static double cpu_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Wall-clock rate, and the rate per second of this thread's CPU time: on a shared machine
 * the second is the steadier figure. */
struct rate {
	double wall, cpu;
};

static bool measure(bool (*op)(void *), struct ctx *c, enum mode mode, double seconds,
		    struct rate *r)
{
	c->mode = mode;
	c->done = 0;
	double t0 = cpu_now();
	r->wall = m2m_bench_rate(op, c, seconds);
	double cpu = cpu_now() - t0;
	r->cpu = cpu > 0 ? (double)c->done / cpu : 0;
	return r->wall >= 0;
}

static void print_rate(const char *what, const struct rate *r, size_t len)
{
	printf("%-36s %6.0f packages/s %6.1f MB/s  (%6.0f per CPU second, %5.1f us CPU each)\n",
	       what, r->wall, r->wall * (double)len / 1e6, r->cpu, r->cpu > 0 ? 1e6 / r->cpu : 0);
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
	m2m_asn1_arena_init(&c.arena);
	int rc = parse(argc, argv, &path, &seconds);
	if (rc != M2M_EXIT_OK)
		goto out;
	if (m2m_saip_read_file(path, &c.der) != M2M_OK) {
		rc = m2m_cli_error(M2M_EXIT_IO, WHAT,
				   "cannot read %s (run from the build directory next to shared/, "
				   "or give --package FILE)", path);
		goto out;
	}
	/* The modes alternate, so a change in the machine's load hits all of them. */
	struct rate trip, trip_w, trip_a, dec, dec_a;
	if (!measure(op_round_trip, &c, LIBC, seconds, &trip) ||
	    !measure(op_round_trip, &c, ARENA_WALK, seconds, &trip_w) ||
	    !measure(op_round_trip, &c, ARENA, seconds, &trip_a) ||
	    !measure(op_decode, &c, LIBC, seconds, &dec) ||
	    !measure(op_decode, &c, ARENA, seconds, &dec_a)) {
		rc = m2m_cli_error(M2M_EXIT_FAILED, WHAT, "%s does not round-trip", path);
		goto out;
	}
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	printf("package: %s (%zu bytes)\n", path, c.der.len);
	print_rate("decode+encode+compare, libc:", &trip, c.der.len);
	print_rate("decode+encode+compare, arena+walk:", &trip_w, c.der.len);
	print_rate("decode+encode+compare, arena:", &trip_a, c.der.len);
	print_rate("decode only, libc:", &dec, c.der.len);
	print_rate("decode only, arena:", &dec_a, c.der.len);
	printf("%-36s %10zu bytes\n", "decoded tree held (libc):", tree_bytes(&c));
	printf("%-36s %10zu bytes\n", "arena used per package:", c.arena.peak);
	printf("%-36s %10ld KiB\n", "peak RSS:", ru.ru_maxrss);
out:
	m2m_asn1_arena_release(&c.arena);
	m2m_buf_free(&c.der);
	m2m_buf_free(&c.out);
	return rc;
}
