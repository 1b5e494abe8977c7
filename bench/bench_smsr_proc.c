/* m2mrsp bench smsr: starting, reading and stopping the processes it measures. */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_smsr.h"

double bsr_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

const char *bsr_self(void)
{
	static char exe[PATH_MAX];

	if (exe[0] == '\0') {
		ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
		exe[n > 0 ? n : 0] = '\0';
	}
	return exe;
}

int bsr_sh(const char *fmt, ...)
{
	char cmd[8192];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	rc = system(cmd);
	return rc == -1 ? -1 : WIFEXITED(rc) ? WEXITSTATUS(rc) : 128;
}

pid_t bsr_spawn(char *const argv[], const char *out_file, const char *err_file)
{
	pid_t pid = fork();

	if (pid == 0) {
		int o = open(out_file, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int e = open(err_file, O_WRONLY | O_CREAT | O_APPEND, 0600);
		if (o < 0 || e < 0)
			_exit(127);
		dup2(o, 1);
		dup2(e, 2);
		execv(argv[0], argv);
		_exit(127);
	}
	return pid;
}

static bool find_line(const char *file, const char *key, char *out, size_t cap)
{
	FILE *f = fopen(file, "r");
	char line[512];
	size_t k = strlen(key);
	bool found = false;

	while (f != NULL && !found && fgets(line, sizeof line, f) != NULL) {
		if (strncmp(line, key, k) == 0 && line[k] == ' ') {
			line[strcspn(line, "\r\n")] = '\0';
			found = snprintf(out, cap, "%s", line + k + 1) >= 0;
		}
	}
	if (f != NULL)
		fclose(f);
	return found;
}

bool bsr_wait_line(const char *file, const char *key, char *out, size_t cap, double timeout_s)
{
	double end = bsr_now() + timeout_s;

	while (bsr_now() < end) {
		if (find_line(file, key, out, cap))
			return true;
		usleep(50000);
	}
	return false;
}

void bsr_stop(pid_t *pid)
{
	int status;

	if (*pid <= 0)
		return;
	kill(*pid, SIGTERM);
	waitpid(*pid, &status, 0);
	*pid = 0;
}

/* utime + stime (fields 14 and 15) of a /proc stat file, in seconds. */
static double stat_cpu(const char *file, char *comm, size_t comm_cap)
{
	char buf[1024];
	unsigned long ut = 0, st = 0;
	FILE *f = fopen(file, "r");
	size_t n = f != NULL ? fread(buf, 1, sizeof buf - 1, f) : 0;
	char *open_paren, *close_paren;

	if (f != NULL)
		fclose(f);
	buf[n] = '\0';
	open_paren = strchr(buf, '(');
	close_paren = strrchr(buf, ')');
	if (open_paren == NULL || close_paren == NULL)
		return 0;
	if (comm != NULL)
		snprintf(comm, comm_cap, "%.*s", (int)(close_paren - open_paren - 1), open_paren + 1);
	/* after ") ": state(3) ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt
	 * utime(14) stime(15) */
	if (sscanf(close_paren + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut,
		   &st) != 2)
		return 0;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

bool bsr_usage_of(pid_t pid, bsr_usage *u)
{
	char file[64], line[256];
	FILE *f;

	memset(u, 0, sizeof *u);
	snprintf(file, sizeof file, "/proc/%ld/stat", (long)pid);
	u->cpu_s = stat_cpu(file, NULL, 0);
	snprintf(file, sizeof file, "/proc/%ld/status", (long)pid);
	f = fopen(file, "r");
	if (f == NULL)
		return false;
	while (fgets(line, sizeof line, f) != NULL) {
		if (strncmp(line, "VmRSS:", 6) == 0)
			u->rss_kb = strtol(line + 6, NULL, 10);
		else if (strncmp(line, "VmHWM:", 6) == 0)
			u->hwm_kb = strtol(line + 6, NULL, 10);
	}
	fclose(f);
	return true;
}

size_t bsr_threads(pid_t pid, char names[][32], double *secs, size_t cap)
{
	char dir[64], file[320], comm[32];
	DIR *d;
	struct dirent *de;
	size_t n = 0;

	snprintf(dir, sizeof dir, "/proc/%ld/task", (long)pid);
	d = opendir(dir);
	while (d != NULL && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (snprintf(file, sizeof file, "%s/%s/stat", dir, de->d_name) >= (int)sizeof file)
			continue;
		double s = stat_cpu(file, comm, sizeof comm);
		size_t k = 0;
		/* the daemons do not name their threads: the thread id tells them apart */
		snprintf(comm, sizeof comm, "tid %.20s", de->d_name);
		while (k < n && strcmp(names[k], comm) != 0)
			k++;
		if (k == n && n < cap) {
			snprintf(names[n], 32, "%s", comm);
			secs[n++] = 0;
		}
		if (k < n)
			secs[k] += s;
	}
	if (d != NULL)
		closedir(d);
	return n;
}

long long bsr_file_size(const char *path)
{
	struct stat sb;
	return stat(path, &sb) == 0 ? (long long)sb.st_size : 0;
}

bool bsr_machine(bsr_machine_cpu *m)
{
	unsigned long long v[8] = {0};
	FILE *f = fopen("/proc/stat", "r");
	struct rusage ru;
	bool ok = f != NULL && fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0],
				      &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) == 8;

	if (f != NULL)
		fclose(f);
	memset(m, 0, sizeof *m);
	if (ok) {
		double tck = (double)sysconf(_SC_CLK_TCK);
		m->idle_s = (double)(v[3] + v[4]) / tck;
		m->total_s = (double)(v[0] + v[1] + v[2] + v[3] + v[4] + v[5] + v[6] + v[7]) / tck;
	}
	if (getrusage(RUSAGE_SELF, &ru) == 0)
		m->self_s = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
			    (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
	return ok;
}

double bsr_tree_cpu(pid_t root)
{
	char file[320], buf[512];
	DIR *d = opendir("/proc");
	struct dirent *de;
	double sum = 0;

	while (d != NULL && (de = readdir(d)) != NULL) {
		long ppid = -1;
		FILE *f;
		char *p;

		if (de->d_name[0] < '0' || de->d_name[0] > '9' ||
		    snprintf(file, sizeof file, "/proc/%s/stat", de->d_name) >= (int)sizeof file)
			continue;
		f = fopen(file, "r");
		if (f == NULL)
			continue;
		size_t n = fread(buf, 1, sizeof buf - 1, f);
		fclose(f);
		buf[n] = '\0';
		p = strrchr(buf, ')');
		if (p == NULL || sscanf(p + 2, "%*c %ld", &ppid) != 1)
			continue;
		if (ppid == (long)root || atol(de->d_name) == (long)root)
			sum += stat_cpu(file, NULL, 0);
	}
	if (d != NULL)
		closedir(d);
	return sum;
}

void bsr_renice(pid_t pid, int nice_value, bool children)
{
	char dir[64], file[320], buf[512];
	DIR *d;
	struct dirent *de;
	FILE *g;

	/* With CFS autogroups (sched_autogroup_enabled) CPU is first shared between sessions:
	 * the nice value of pid's group is what counts against other users' work. */
	snprintf(dir, sizeof dir, "/proc/%ld/autogroup", (long)pid);
	g = fopen(dir, "w");
	if (g != NULL) {
		fprintf(g, "%d", nice_value);
		fclose(g);
	}

	/* nice is per thread on Linux: every thread of pid */
	snprintf(dir, sizeof dir, "/proc/%ld/task", (long)pid);
	d = opendir(dir);
	while (d != NULL && (de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			(void)setpriority(PRIO_PROCESS, (id_t)atol(de->d_name), nice_value);
	if (d != NULL)
		closedir(d);
	if (!children)
		return;
	d = opendir("/proc");
	while (d != NULL && (de = readdir(d)) != NULL) {
		long ppid = -1;
		FILE *f;
		char *p;

		if (de->d_name[0] < '0' || de->d_name[0] > '9' ||
		    snprintf(file, sizeof file, "/proc/%s/stat", de->d_name) >= (int)sizeof file ||
		    (f = fopen(file, "r")) == NULL)
			continue;
		size_t n = fread(buf, 1, sizeof buf - 1, f);
		fclose(f);
		buf[n] = '\0';
		p = strrchr(buf, ')');
		if (p != NULL && sscanf(p + 2, "%*c %ld", &ppid) == 1 && ppid == (long)pid)
			bsr_renice((pid_t)atol(de->d_name), nice_value, false);
	}
	if (d != NULL)
		closedir(d);
}
