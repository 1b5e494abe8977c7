/* Benchmarks compiled into the m2mrsp binary as `m2mrsp bench ...`. They print figures;
 * no test depends on timing. */
#ifndef M2M_BENCH_H
#define M2M_BENCH_H

#include <stdbool.h>
#include <stddef.h>

/* Runs op(ctx) repeatedly for about `seconds` and returns operations per second, or a
 * negative value if an operation failed. */
double m2m_bench_rate(bool (*op)(void *ctx), void *ctx, double seconds);
/* Reads the only option of a benchmark, --seconds S (0 < S <= 600, default kept). */
int m2m_bench_seconds(const char *what, int argc, char **argv, double *seconds);
/* The same with --bytes B (1 <= B <= max_bytes, default kept). */
int m2m_bench_seconds_bytes(const char *what, int argc, char **argv, double *seconds,
			    size_t *bytes, size_t max_bytes);
int m2m_bench_crypto(int argc, char **argv);
int m2m_bench_scp80(int argc, char **argv);
int m2m_bench_saip(int argc, char **argv);
int m2m_bench_euicc(int argc, char **argv);
int m2m_bench_smsr(int argc, char **argv);
int m2m_bench_smdp(int argc, char **argv);
int m2m_bench_ws(int argc, char **argv);
int m2m_bench_http(int argc, char **argv);

#endif
