/*
 * berth-shim: the conmon of Berth's process runtime. One per container run, detached from the agent so that containers
 * (and their logs and exit codes) survive an agent restart.
 *
 *   berth-shim LOGFILE EXITFILE PIDFILE [STDINFIFO] -- runc ... run -d --pid-file PIDFILE ... ID
 *
 * With STDINFIFO (a container with stdin: true) the container's stdin is that FIFO, opened read-write so that it never
 * sees end-of-file between attach sessions (kubectl attach -i writes into the FIFO); otherwise it is /dev/null.
 * The first process forks a daemon (new session, child subreaper), prints its pid and exits with runc's exit status once
 * runc has started the container (0) or failed. The daemon gives runc pipes as stdout/stderr (the container inherits them), so it becomes
 * the container's parent when runc exits (subreaper), writes every line of output to LOGFILE in the CRI format
 * ("2024-01-02T03:04:05.123456789Z stdout F text"), reaps the container and writes "EXITCODE SIGNAL\n" to EXITFILE
 * (atomically, through EXITFILE.tmp). If runc fails, EXITFILE holds "-1 0" and LOGFILE runc's error message.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define LINE_MAX_BYTES 16384

struct stream { int fd; const char *name; char buf[LINE_MAX_BYTES]; size_t len; };

static int log_fd = -1;

static void write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) { if (errno == EINTR) continue; return; }
        p += w; n -= (size_t)w;
    }
}

static void emit(struct stream *s, const char *text, size_t n, char tag)
{
    struct timespec ts; struct tm tm; char head[96];
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    int h = snprintf(head, sizeof head, "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ %s %c ",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec, s->name, tag);
    /* one write per line: readers never see half a record */
    char *rec = malloc((size_t)h + n + 1);
    if (!rec) return;
    memcpy(rec, head, (size_t)h); memcpy(rec + h, text, n); rec[(size_t)h + n] = '\n';
    write_all(log_fd, rec, (size_t)h + n + 1);
    free(rec);
}

/* Reads what is available; returns 0 at end of stream. */
static int pump(struct stream *s)
{
    ssize_t r = read(s->fd, s->buf + s->len, sizeof s->buf - s->len);
    if (r < 0 && errno == EINTR) return 1;
    if (r <= 0) {
        if (s->len > 0) emit(s, s->buf, s->len, 'F');
        s->len = 0;
        return 0;
    }
    s->len += (size_t)r;
    size_t start = 0;
    for (size_t i = 0; i < s->len; i++)
        if (s->buf[i] == '\n') { emit(s, s->buf + start, i - start, 'F'); start = i + 1; }
    memmove(s->buf, s->buf + start, s->len - start);
    s->len -= start;
    if (s->len == sizeof s->buf) { emit(s, s->buf, s->len, 'P'); s->len = 0; }
    return 1;
}

static void write_exit(const char *path, int code, int sig)
{
    char tmp[4096], text[64];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return;
    int n = snprintf(text, sizeof text, "%d %d\n", code, sig);
    write_all(fd, text, (size_t)n);
    fsync(fd);
    close(fd);
    rename(tmp, path);
}

static int read_pid(const char *path)
{
    char b[32] = {0};
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    ssize_t n = read(fd, b, sizeof b - 1);
    close(fd);
    return n > 0 ? atoi(b) : -1;
}

int main(int argc, char **argv)
{
    const char *stdin_fifo = NULL;
    int sep = 4; /* where "--" is */
    if (argc >= 7 && strcmp(argv[4], "--") != 0 && strcmp(argv[5], "--") == 0) { stdin_fifo = argv[4]; sep = 5; }
    if (argc < sep + 2 || strcmp(argv[sep], "--") != 0) {
        fprintf(stderr, "usage: berth-shim LOGFILE EXITFILE PIDFILE [STDINFIFO] -- RUNC-COMMAND...\n");
        return 2;
    }
    const char *logfile = argv[1], *exitfile = argv[2], *pidfile = argv[3];
    char **cmd = argv + sep + 1;

    int sync[2];
    if (pipe2(sync, O_CLOEXEC) < 0) return 3;
    pid_t d = fork();
    if (d < 0) return 3;
    if (d > 0) {
        close(sync[1]);
        int status = 125;
        ssize_t n;
        do n = read(sync[0], &status, sizeof status); while (n < 0 && errno == EINTR);
        if (n != sizeof status) status = 125;
        printf("%d\n", (int)d); /* the daemon: the agent reaps it when it is the agent's subreaped child */
        return status;
    }
    close(sync[0]);
    setsid();
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    signal(SIGPIPE, SIG_IGN);
    int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
    log_fd = open(logfile, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    int out[2], err[2];
    if (log_fd < 0 || devnull < 0 || pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0) {
        int s = 124; write_all(sync[1], (char *)&s, sizeof s); return 1;
    }
    pid_t runc = fork();
    if (runc == 0) {
        int in = stdin_fifo ? open(stdin_fifo, O_RDWR | O_CLOEXEC) : -1;
        dup2(in >= 0 ? in : devnull, 0); dup2(out[1], 1); dup2(err[1], 2);
        execvp(cmd[0], cmd);
        dprintf(2, "berth-shim: cannot run %s: %s\n", cmd[0], strerror(errno));
        _exit(127);
    }
    close(out[1]); close(err[1]);
    /* the agent's copies of stdio are dropped so that it never waits on us */
    dup2(devnull, 0); dup2(devnull, 1); dup2(devnull, 2);

    struct stream so = { .fd = out[0], .name = "stdout" }, se = { .fd = err[0], .name = "stderr" };
    int runc_status = 0;
    while (waitpid(runc, &runc_status, 0) < 0 && errno == EINTR) {}
    int runc_code = WIFEXITED(runc_status) ? WEXITSTATUS(runc_status) : 128 + WTERMSIG(runc_status);
    pid_t ctr = runc_code == 0 ? read_pid(pidfile) : -1;
    if (runc_code != 0 || ctr <= 0) {
        /* runc's own error went to the stderr pipe: copy it into the log (nothing else holds the pipes) */
        while (pump(&se)) {}
        while (pump(&so)) {}
        write_exit(exitfile, -1, 0);
        if (runc_code == 0) runc_code = 126;
        write_all(sync[1], (char *)&runc_code, sizeof runc_code);
        return 0;
    }
    int ok = 0;
    write_all(sync[1], (char *)&ok, sizeof ok);
    close(sync[1]);

    int open_streams = 2, exited = 0, code = 0, sig = 0;
    struct timespec exited_at = {0};
    struct pollfd fds[2] = { { .fd = so.fd, .events = POLLIN }, { .fd = se.fd, .events = POLLIN } };
    for (;;) {
        int status; pid_t p;
        while ((p = waitpid(-1, &status, WNOHANG)) > 0)
            if (p == ctr) {
                exited = 1;
                if (WIFSIGNALED(status)) { sig = WTERMSIG(status); code = 128 + sig; }
                else code = WEXITSTATUS(status);
                clock_gettime(CLOCK_MONOTONIC, &exited_at);
            }
        if (exited && open_streams == 0) break;
        if (exited) {
            /* a descendant that escaped the container's PID namespace could hold the pipes forever */
            struct timespec now; clock_gettime(CLOCK_MONOTONIC, &now);
            if (now.tv_sec - exited_at.tv_sec > 2) break;
        }
        if (open_streams == 0) {
            /* output closed but the container still runs: wait for it */
            if (waitpid(ctr, &status, 0) == ctr) {
                exited = 1;
                if (WIFSIGNALED(status)) { sig = WTERMSIG(status); code = 128 + sig; }
                else code = WEXITSTATUS(status);
            }
            else if (errno == ECHILD) { exited = 1; code = 255; }
            continue;
        }
        int n = poll(fds, 2, exited ? 200 : 1000);
        if (n < 0 && errno != EINTR) break;
        for (int i = 0; i < 2; i++) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            if (!pump(i == 0 ? &so : &se)) { close(fds[i].fd); fds[i].fd = -1; open_streams--; }
        }
    }
    if (so.len) emit(&so, so.buf, so.len, 'F');
    if (se.len) emit(&se, se.buf, se.len, 'F');
    write_exit(exitfile, code, sig);
    return 0;
}
