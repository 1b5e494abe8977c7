/* m2mrsp bench: the verb table of the benchmarks. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench.h"
#include "cli/cli.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double m2m_bench_rate(bool (*op)(void *ctx), void *ctx, double seconds)
{
	/* Batches of operations between clock reads keep the timer out of the figure. */
	unsigned long done = 0, batch = 16;
	double start = now(), elapsed = 0;
	while (elapsed < seconds) {
		for (unsigned long i = 0; i < batch; i++) {
			if (!op(ctx))
				return -1;
		}
		done += batch;
		elapsed = now() - start;
		if (elapsed < seconds / 20)
			batch *= 2;
	}
	return (double)done / elapsed;
}

int m2m_bench_seconds(const char *what, int argc, char **argv, double *seconds)
{
	for (int i = 1; i < argc; i++) {
		char *end = NULL;
		if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc)
			*seconds = strtod(argv[++i], &end);
		if (end == NULL || *end != '\0' || !(*seconds > 0) || *seconds > 600)
			return m2m_cli_error(M2M_EXIT_USAGE, what,
					     "usage: m2mrsp %s [--seconds S] (0 < S <= 600)", what);
	}
	return M2M_EXIT_OK;
}

int m2m_bench_seconds_bytes(const char *what, int argc, char **argv, double *seconds,
			    size_t *bytes, size_t max_bytes)
{
	for (int i = 1; i < argc; i++) {
		char *end = NULL;

		if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc)
			*seconds = strtod(argv[++i], &end);
		else if (strcmp(argv[i], "--bytes") == 0 && i + 1 < argc)
			*bytes = strtoul(argv[++i], &end, 10);
		if (end == NULL || *end != '\0' || !(*seconds > 0) || *seconds > 600 || *bytes < 1 ||
		    *bytes > max_bytes)
			return m2m_cli_error(M2M_EXIT_USAGE, what,
					     "usage: m2mrsp %s [--seconds S] [--bytes B] (0 < S <= 600,"
					     " 1 <= B <= %zu)", what, max_bytes);
	}
	return M2M_EXIT_OK;
}

static void crypto_help(FILE *out)
{
	fprintf(out,
		"usage: m2mrsp bench crypto [--seconds S]\n"
		"\n"
		"Prints operations per second on one core for the primitives every protocol figure is\n"
		"bounded by: AES-CMAC and AES-CBC on 64-byte messages, 3DES CBC-MAC, SHA-256, and\n"
		"ECDH, ECDSA sign and ECDSA verify on P-256, brainpoolP256r1 and FRP256V1.\n"
		"Each figure runs for S seconds (default 1).\n");
}

static void scp80_help(FILE *out)
{
	fprintf(out,
		"usage: m2mrsp bench scp80 [--seconds S]\n"
		"\n"
		"Wraps (server side) and opens (card side) SCP80 command packets with SGP.02's SPI\n"
		"16 39, AES-128 and 64 bytes of data, and prints packets per second beside the raw\n"
		"OpenSSL cost of the same crypto (AES-CBC over the 80 ciphered bytes and AES-CMAC\n"
		"over the 82 bytes of CC input, contexts reused), as a ratio.\n");
}

static void saip_help(FILE *out)
{
	fprintf(out,
		"usage: m2mrsp bench saip [--seconds S] [--package FILE]\n"
		"\n"
		"Decodes a SAIP profile package (all elements, constraints checked), re-encodes it\n"
		"as DER and compares, and prints packages per second on one core (wall clock, per\n"
		"CPU second and CPU time per package) with the trees on libc's heap, in a tree arena\n"
		"freed by asn1c's walk, and in a tree arena dropped unwalked; the decode-only rate,\n"
		"the heap bytes one decoded package holds and the peak RSS. FILE defaults to\n"
		"../shared/vectors/saip/TS48v2_SAIP2.3_NoBERTLV.der (run from the build directory).\n");
}

static void euicc_help(FILE *out)
{
	fprintf(out,
		"usage: m2mrsp bench euicc [--seconds S] [--package FILE]\n"
		"\n"
		"The software eUICC on one core: (a) EnableProfile + DisableProfile cycles per\n"
		"second, each an SCP80 packet (SPI 16 19, AES) built by the server side, run from\n"
		"an SMS-PP ENVELOPE and its PoR checked, with and without saving the state after\n"
		"each packet; (b) installations per second: CreateISDP + the package + DeleteISDP,\n"
		"and the same over ES8 (key establishment and SCP03t download, both sides); (c) the\n"
		"saved state and the heap one loaded idle card holds, against the 64 KiB aim.\n"
		"FILE defaults to ../shared/vectors/saip/TS48v2_SAIP2.3_NoBERTLV.der (run from the\n"
		"build directory).\n");
}

static void smsr_help(FILE *out)
{
	fprintf(out,
		"usage: m2mrsp bench smsr [--euiccs N] [--concurrency C] [--db sqlite|URL | --pg]\n"
		"                         [--window W] [--engine E] [--package FILE] [--keep]\n"
		"                         [--nice N]\n"
		"       m2mrsp bench smsr --memory | --memory-eis N [--package FILE] [--keep]\n"
		"\n"
		"End to end (issue 6): a farm of N eUICCs (default 10000) with a second, disabled\n"
		"profile behind its SMSC, `smsr import`, `m2mrsp smsr` on SQLite (WAL; --db URL: a\n"
		"fresh schema in that PostgreSQL database; --pg: a throw-away cluster made with\n"
		"scripts/pg-cluster.sh), then one ES4 EnableProfile of the second profile per eUICC\n"
		"from C client threads (default 256) over mutual TLS, answers held (no ReplyTo).\n"
		"Prints ops/s, p50/p95/p99/max latency, failures (every answer must be\n"
		"EXECUTED_SUCCESS), CPU and peak RSS of the SM-SR and the farm. The SM-SR runs with\n"
		"[smpp] window W (default 100) and [engine] concurrency E (default 512).\n"
		"--nice N: the measured processes run at nice N during the load (a machine shared\n"
		"with other work; below 0 needs root).\n"
		"Memory: N EIS records (--memory: 1000000) with a profile and key sets each in a\n"
		"fresh SQLite store, the SM-SR started on it, GetEIS on random EIDs timed, its\n"
		"VmRSS/VmHWM and the database size printed. Exit 1 when a call failed.\n"
		"docs/bench-smsr.md.\n");
}

static void smdp_help(FILE *out)
{
	fprintf(out,
		"usage: m2mrsp bench smdp [--downloads N] [--concurrency C] [--package FILE]\n"
		"                         [--in-process] [--enable] [--scp81-max M] [--seconds S]\n"
		"                         [--smsr-poll MS] [--log-level L] [--keep]\n"
		"\n"
		"Issue 7. First the ceiling, in the same run: P-256 keygen, ECDH, ECDSA sign and\n"
		"verify per second on one and two threads (S seconds each, default 1), and the\n"
		"downloads/s the key establishment crypto of both sides alone would allow.\n"
		"End to end: pki, a farm of N eUICCs (default 1000; HTTPS), `smsr import`, the\n"
		"SM-SR with SCP81, `smdp import` of N profiles and the SM-DP ([download] workers C),\n"
		"then one ES2 DownloadProfile per eUICC (EnableProfile false; --enable: true) from\n"
		"C client threads (default 64), answers held: downloads/s, p50/p95/p99, failures,\n"
		"CPU ms per download of the SM-DP, the SM-SR, the farm (--scp81-max M SCP81\n"
		"sessions at once, default 64) and the client. --smsr-poll: the SM-SR's [engine]\n"
		"poll (default 100, its own default). --in-process: the download engine\n"
		"against the software eUICC in one thread instead. Exit 1 when a download failed.\n"
		"docs/bench-smdp.md.\n");
}

static void ws_help(FILE *out)
{
	fprintf(out,
		"usage: m2mrsp bench ws [--seconds S] [--bytes B]\n"
		"\n"
		"The SOAP layer on one thread, in process: an ES3 SendData with B bytes of Data\n"
		"(default 12251, the TS.48 package) built, validated against the GSMA schema,\n"
		"written as a SOAP envelope, parsed, validated and its Data read back; messages\n"
		"per second and CPU microseconds per message of each step and of the whole round.\n"
		"docs/ws.md.\n");
}

static void http_help(FILE *out)
{
	fprintf(out,
		"usage: m2mrsp bench http [--seconds S] [--bytes B]\n"
		"\n"
		"One ES call's transport in process: m2m_http_client (libcurl, mutual TLS with the\n"
		"certificates of a temporary `pki init`, connection kept alive) POSTs B bytes\n"
		"(default 1024) to an m2m_http_server on its own thread, which answers B bytes, for\n"
		"S seconds (default 2). Prints round trips per second and the CPU microseconds per\n"
		"round trip of the client and of the server thread. docs/http-tls.md.\n");
}

static const m2m_verb bench_verbs[] = {
	{"crypto", "ops/s of the crypto primitives (the ceilings)", m2m_bench_crypto, crypto_help,
	 NULL},
	{"scp80", "SCP80 packets/s against the raw crypto rate", m2m_bench_scp80, scp80_help,
	 NULL},
	{"saip", "SAIP profile packages decoded and re-encoded per second", m2m_bench_saip,
	 saip_help, NULL},
	{"euicc", "software eUICC: OTA enable/disable cycles, installs/s, memory per card",
	 m2m_bench_euicc, euicc_help, NULL},
	{"smsr", "SM-SR: ES4 EnableProfile end to end over SMPP, memory with N EIS", m2m_bench_smsr,
	 smsr_help, NULL},
	{"smdp", "SM-DP: ES2 downloads end to end or in process, beside the EC ceiling",
	 m2m_bench_smdp, smdp_help, NULL},
	{"ws", "SOAP layer: build, validate, write, parse, validate, read per second", m2m_bench_ws,
	 ws_help, NULL},
	{"http", "HTTPS round trips in process: CPU per call of client and server", m2m_bench_http,
	 http_help, NULL},
	{NULL, NULL, NULL, NULL, NULL},
};

const m2m_verb m2m_verb_bench = {"bench", "benchmarks that print figures", NULL, NULL,
				 bench_verbs};
