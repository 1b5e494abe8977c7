/* The demo's work directory and child processes: every verb runs as `m2mrsp VERB` from
 * /proc/self/exe with its output in the work directory (demo_int.h). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/demo_int.h"

#define ARGS_MAX 4096

/* For the signal handler: the daemons to stop when the demo is interrupted. */
static m2m_demo *trapped;

bool m2m_demo_find_exe(m2m_demo *d)
{
	ssize_t n = readlink("/proc/self/exe", d->exe, sizeof d->exe - 1);

	if (n <= 0)
		return false;
	d->exe[n] = '\0';
	return true;
}

void m2m_demo_path(const m2m_demo *d, const char *name, char *out, size_t cap)
{
	int n = snprintf(out, cap, "%s/%s", d->dir, name);

	if (n < 0 || (size_t)n >= cap)
		out[0] = '\0'; /* too long: the open that follows fails and says so */
}

int m2m_demo_make_dir(m2m_demo *d, const char *dir)
{
	char name[PATH_MAX], cwd[PATH_MAX];
	time_t now = time(NULL);
	struct tm tm;

	if (dir == NULL) {
		gmtime_r(&now, &tm);
		strftime(name, sizeof name, "m2mrsp-demo-%Y%m%d-%H%M%S", &tm);
		dir = name;
	}
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return m2m_cli_error(M2M_EXIT_IO, "demo", "%s: %s", dir, strerror(errno));
	if (dir[0] == '/') {
		snprintf(d->dir, sizeof d->dir, "%s", dir);
		return 0;
	}
	if (getcwd(cwd, sizeof cwd) == NULL ||
	    snprintf(d->dir, sizeof d->dir, "%s/%s", cwd, dir) >= (int)sizeof d->dir)
		return m2m_cli_error(M2M_EXIT_IO, "demo", "%s: path too long", dir);
	return 0;
}

/* In the child: stdout/stderr to the files (NULL: unchanged), then exec the binary. */
static void child(const m2m_demo *d, const char *out, const char *err, const char *const *args)
{
	char *argv[ARGS_MAX];
	size_t n = 0;

	if (out != NULL) {
		int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0600);
		if (fd < 0 || dup2(fd, 1) < 0)
			_exit(127);
		close(fd);
	}
	if (err != NULL && out != NULL && strcmp(err, out) == 0) {
		if (dup2(1, 2) < 0) /* one file for both: one offset, no overwriting */
			_exit(127);
	} else if (err != NULL) {
		int fd = open(err, O_WRONLY | O_CREAT | O_APPEND, 0600);
		if (fd < 0 || dup2(fd, 2) < 0)
			_exit(127);
		close(fd);
	}
	argv[n++] = (char *)d->exe;
	for (size_t i = 0; args[i] != NULL && n < ARGS_MAX - 1; i++)
		argv[n++] = (char *)args[i];
	argv[n] = NULL;
	execv(d->exe, argv);
	_exit(127);
}

static int exit_code(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 127;
}

pid_t m2m_demo_start(const m2m_demo *d, const char *stdout_name, const char *log_name,
		     const char *const *args)
{
	char out[PATH_MAX], err[PATH_MAX];
	pid_t pid;

	if (stdout_name != NULL)
		m2m_demo_path(d, stdout_name, out, sizeof out);
	if (log_name != NULL)
		m2m_demo_path(d, log_name, err, sizeof err);
	fflush(NULL);
	pid = fork();
	if (pid == 0)
		child(d, stdout_name ? out : NULL, log_name ? err : NULL, args);
	return pid;
}

int m2m_demo_wait(pid_t pid)
{
	int status = 0;

	if (pid < 0)
		return 127;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return 127;
	return exit_code(status);
}

int m2m_demo_run(const m2m_demo *d, const char *stdout_name, const char *log_name,
		 const char *const *args)
{
	return m2m_demo_wait(m2m_demo_start(d, stdout_name, log_name, args));
}

m2m_demo_proc *m2m_demo_spawn(m2m_demo *d, const char *name, const char *const *args)
{
	char out[PATH_MAX], err[PATH_MAX], file[64];
	m2m_demo_proc *p;
	pid_t pid;

	if (d->nprocs >= M2M_DEMO_PROCS)
		return NULL;
	snprintf(file, sizeof file, "%s.out", name);
	m2m_demo_path(d, file, out, sizeof out);
	snprintf(file, sizeof file, "%s.log", name);
	m2m_demo_path(d, file, err, sizeof err);
	unlink(out); /* never read an earlier run's port */
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return NULL;
	if (pid == 0) {
		/* Its own session: the terminal's signals and hang-up miss a kept daemon. */
		setsid();
		child(d, out, err, args);
	}
	p = &d->procs[d->nprocs++];
	p->name = name;
	p->pid = pid;
	m2m_demo_write_pids(d);
	return p;
}

static bool alive(m2m_demo_proc *p)
{
	int status;

	if (p->pid <= 0)
		return false;
	if (waitpid(p->pid, &status, WNOHANG) == p->pid) {
		p->pid = 0;
		return false;
	}
	return true;
}

/* The value of the first line "key VALUE" of file, if any. */
static bool find_line(const char *file, const char *key, char *value, size_t cap)
{
	char line[512];
	size_t k = strlen(key);
	bool found = false;
	FILE *f = fopen(file, "r");

	while (f != NULL && !found && fgets(line, sizeof line, f) != NULL) {
		if (strncmp(line, key, k) != 0 || line[k] != ' ')
			continue;
		line[strcspn(line, "\r\n")] = '\0';
		found = snprintf(value, cap, "%s", line + k + 1) < (int)cap;
	}
	if (f != NULL)
		fclose(f);
	return found;
}

bool m2m_demo_wait_line(const m2m_demo *d, m2m_demo_proc *p, const char *key, char *value,
			size_t cap, double timeout_s)
{
	char out[PATH_MAX], file[64];

	snprintf(file, sizeof file, "%s.out", p->name);
	m2m_demo_path(d, file, out, sizeof out);
	for (double t = 0; t < timeout_s; t += 0.05) {
		if (find_line(out, key, value, cap))
			return true;
		if (!alive(p))
			return find_line(out, key, value, cap);
		usleep(50000);
	}
	return false;
}

void m2m_demo_stop_all(m2m_demo *d)
{
	/* In reverse order of start: the SM-DP and SM-SR before the farm they talk to. */
	for (size_t i = d->nprocs; i-- > 0;) {
		m2m_demo_proc *p = &d->procs[i];
		int status;
		if (p->pid <= 0)
			continue;
		kill(p->pid, SIGTERM);
		while (waitpid(p->pid, &status, 0) < 0 && errno == EINTR)
			;
		p->pid = 0;
	}
	d->nprocs = 0;
	trapped = NULL;
}

void m2m_demo_write_pids(const m2m_demo *d)
{
	char file[PATH_MAX];
	FILE *f;

	m2m_demo_path(d, "daemons.pids", file, sizeof file);
	f = fopen(file, "w");
	if (f == NULL)
		return;
	for (size_t i = 0; i < d->nprocs; i++)
		if (d->procs[i].pid > 0)
			fprintf(f, "%ld\n", (long)d->procs[i].pid);
	fclose(f);
}

static void on_signal(int sig)
{
	/* Only async-signal-safe calls: kill the daemons we started, then die of the signal. */
	if (trapped != NULL)
		for (size_t i = 0; i < trapped->nprocs; i++)
			if (trapped->procs[i].pid > 0)
				kill(trapped->procs[i].pid, SIGTERM);
	signal(sig, SIG_DFL);
	raise(sig);
}

void m2m_demo_trap_signals(m2m_demo *d)
{
	struct sigaction sa;

	trapped = d;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

void m2m_demo_tail(const m2m_demo *d, const char *name, int lines)
{
	char file[PATH_MAX], line[512];
	long starts[64];
	int n = 0;
	FILE *f;

	if (lines > 64)
		lines = 64;
	m2m_demo_path(d, name, file, sizeof file);
	f = fopen(file, "r");
	if (f == NULL)
		return;
	/* Remember where each of the last `lines` lines begins, then print from the oldest. */
	for (long pos = ftell(f); fgets(line, sizeof line, f) != NULL; pos = ftell(f))
		starts[n++ % lines] = pos;
	if (n > 0 && fseek(f, starts[n > lines ? n % lines : 0], SEEK_SET) == 0) {
		fprintf(stderr, "  --- last lines of %s ---\n", file);
		while (fgets(line, sizeof line, f) != NULL)
			fprintf(stderr, "  | %s", line);
	}
	fclose(f);
}
