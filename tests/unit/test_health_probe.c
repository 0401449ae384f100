// SPDX-License-Identifier: GPL-2.0
/*
 * Real probes against real servers: the process moves into a private
 * network namespace (unshare, so nothing is left behind when it exits),
 * puts 198.18.0.x and 2001:db8::x on its loopback and forks a server
 * process answering tcp, http 200/404/500, udp echo, agent lines and a
 * connection that never answers. The engine runs on an epoll loop here.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "health.h"
#include "probe.h"
#include "xlb.h"

/* --- the server process ---------------------------------------------- */

enum beh {
	B_TCP = 1,	/* accept, close */
	B_HTTP,		/* /health answers code, anything else 404 */
	B_AGENT,	/* write line, close */
	B_AGENT_PEER,	/* "42%" to 198.18.0.12, "bad-peer" to others */
	B_HANG,		/* accept, read, never answer */
	B_UDP_ECHO,
	B_UDP_PONG,	/* answers "pong" to anything */
	B_UDP_SILENT,	/* reads, never answers */
};

struct listener {
	const char *addr;
	int port;
	int beh;
	int code;		/* B_HTTP */
	const char *line;	/* B_AGENT */
};

#define SCHED_PORT0	20000
#define SCHED_N		40

static const struct listener listeners[] = {
	{ "198.18.0.1", 80, B_TCP, 0, NULL },
	{ "198.18.0.1", 8080, B_HTTP, 200, NULL },
	{ "198.18.0.3", 8080, B_HTTP, 500, NULL },
	{ "198.18.0.4", 5353, B_UDP_ECHO, 0, NULL },
	{ "198.18.0.6", 5353, B_UDP_PONG, 0, NULL },
	{ "198.18.0.6", 5354, B_UDP_SILENT, 0, NULL },
	{ "198.18.0.7", 7777, B_AGENT, 0, "50%\n" },
	{ "198.18.0.8", 7777, B_AGENT, 0, "drain\r\n" },
	{ "198.18.0.9", 7777, B_AGENT, 0, "garbage\n" },
	{ "198.18.0.10", 7777, B_AGENT, 0, "down\n" },
	{ "198.18.0.10", 80, B_TCP, 0, NULL },
	{ "198.18.0.11", 8080, B_HANG, 0, NULL },
	{ "198.18.0.13", 7777, B_AGENT_PEER, 0, NULL },
	{ "2001:db8::1", 80, B_TCP, 0, NULL },
	{ "2001:db8::1", 8080, B_HTTP, 200, NULL },
	{ "2001:db8::4", 5353, B_UDP_ECHO, 0, NULL },
	{ "2001:db8::7", 7777, B_AGENT, 0, "25%" },	/* closes, no LF */
	{ "2001:db8::13", 7777, B_AGENT_PEER, 0, NULL },
};

#define MAX_FDS	256

struct sconn {
	int fd;
	const struct listener *l;	/* NULL: a listening/udp socket */
	int lidx;
	char buf[512];
	size_t len;
};

static struct sockaddr_storage sa_of(const char *addr, int port,
				     socklen_t *sl)
{
	struct sockaddr_storage ss = { 0 };

	if (strchr(addr, ':')) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		inet_pton(AF_INET6, addr, &s6->sin6_addr);
		*sl = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		inet_pton(AF_INET, addr, &s4->sin_addr);
		*sl = sizeof(*s4);
	}
	return ss;
}

static int server_socket(const char *addr, int port, bool udp)
{
	socklen_t sl;
	struct sockaddr_storage ss = sa_of(addr, port, &sl);
	int one = 1;
	int fd = socket(ss.ss_family, (udp ? SOCK_DGRAM : SOCK_STREAM) |
			SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, sl) ||
	    (!udp && listen(fd, 512))) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * A probe that gave up (its timeout passed while this process waited for
 * the CPU) has reset its connection: probes close with RST. The engine
 * has judged that probe already, so the server drops the answer and
 * serves on; dying here would fail every later test.
 */
static void answer(int fd, const char *buf, size_t len)
{
	if (send(fd, buf, len, MSG_NOSIGNAL) < 0)
		return;
}

static void http_answer(struct sconn *c)
{
	char resp[128];
	int code = 404, n;

	if (!strncmp(c->buf, "GET /health ", 12))
		code = c->l->code;
	n = snprintf(resp, sizeof(resp),
		     "HTTP/1.0 %d Test\r\nContent-Length: 0\r\n\r\n", code);
	answer(c->fd, resp, n);
}

/* Tells whether the probe came from the source the engine was given. */
static void agent_peer(int fd)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	socklen_t pl = sizeof(ss);
	const char *line = "bad-peer\n";
	struct in6_addr want6;

	inet_pton(AF_INET6, "2001:db8::12", &want6);
	if (getpeername(fd, (struct sockaddr *)&ss, &pl))
		return;
	if (ss.ss_family == AF_INET &&
	    s4->sin_addr.s_addr == inet_addr("198.18.0.12"))
		line = "42%\n";
	if (ss.ss_family == AF_INET6 &&
	    !memcmp(&s6->sin6_addr, &want6, sizeof(want6)))
		line = "43%\n";
	answer(fd, line, strlen(line));
}

/* conns[k] is readable; returns the new number of conns. */
static int server_ready(struct sconn *conns, int k, int n)
{
	struct sconn *c = &conns[k];
	const struct listener *l;
	ssize_t r;
	int fd;

	if (c->l) {	/* an accepted connection */
		r = read(c->fd, c->buf + c->len, sizeof(c->buf) - 1 - c->len);
		if (r <= 0) {
			close(c->fd);
			c->fd = -1;
			return n;
		}
		c->len += r;
		c->buf[c->len] = '\0';
		if (c->l->beh == B_HTTP && strstr(c->buf, "\r\n\r\n")) {
			http_answer(c);
			close(c->fd);
			c->fd = -1;
		}
		return n;
	}
	l = c->lidx >= 0 ? &listeners[c->lidx] : NULL;
	if (l && l->beh >= B_UDP_ECHO) {
		struct sockaddr_storage from;
		socklen_t fl = sizeof(from);
		char buf[512];

		r = recvfrom(c->fd, buf, sizeof(buf), 0,
			     (struct sockaddr *)&from, &fl);
		if (r < 0 || l->beh == B_UDP_SILENT)
			return n;
		if (l->beh == B_UDP_PONG) {
			memcpy(buf, "pong", 4);
			r = 4;
		}
		sendto(c->fd, buf, r, 0, (struct sockaddr *)&from, fl);
		return n;
	}
	fd = accept4(c->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return n;
	if (!l || l->beh == B_TCP) {
		close(fd);
	} else if (l->beh == B_AGENT) {
		answer(fd, l->line, strlen(l->line));
		close(fd);
	} else if (l->beh == B_AGENT_PEER) {
		agent_peer(fd);
		close(fd);
	} else if (n < MAX_FDS) {	/* HTTP, HANG: wait for the request */
		conns[n].fd = fd;
		conns[n].l = l;
		conns[n].lidx = -1;
		conns[n].len = 0;
		n++;
	} else {
		close(fd);
	}
	return n;
}

/* Runs until killed (or its parent dies); bounded to two minutes. */
static void server_main(int ready_fd)
{
	static struct sconn conns[MAX_FDS];
	struct pollfd pfd[MAX_FDS];
	size_t nl = sizeof(listeners) / sizeof(listeners[0]), i;
	int n = 0, k;
	time_t end = time(NULL) + 120;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	for (i = 0; i < nl + SCHED_N; i++) {
		static const struct listener sched = {
			"198.18.0.2", 0, B_TCP, 0, NULL,
		};
		const struct listener *l = i < nl ? &listeners[i] : &sched;
		int port = i < nl ? l->port : SCHED_PORT0 + (int)(i - nl);
		bool udp = l->beh >= B_UDP_ECHO;

		conns[n].fd = server_socket(l->addr, port, udp);
		if (conns[n].fd < 0)
			_exit(2);
		conns[n].l = NULL;
		conns[n].lidx = i < nl ? (int)i : -1;
		n++;
	}
	if (write(ready_fd, "r", 1) != 1)
		_exit(2);
	close(ready_fd);
	while (time(NULL) < end) {
		int m = n;

		for (k = 0; k < m; k++) {
			pfd[k].fd = conns[k].fd;
			pfd[k].events = POLLIN;
		}
		if (poll(pfd, m, 1000) < 0)
			continue;
		/* Connections accepted now are appended past m, and closed
		 * ones marked -1 and compacted after the round. */
		for (k = 0; k < m; k++)
			if (pfd[k].revents)
				n = server_ready(conns, k, n);
		for (k = 0, m = 0; k < n; k++)
			if (conns[k].fd >= 0)
				conns[m++] = conns[k];
		n = m;
	}
	_exit(0);
}

static pid_t server_pid;

static int sh(const char *cmd)
{
	int rc = system(cmd);

	return rc == 0 ? 0 : -1;
}

static int setup_ns(void **state)
{
	int pfd[2], i;
	char c, cmd[128];

	(void)state;
	if (unshare(CLONE_NEWNET)) {
		fprintf(stderr, "unshare(CLONE_NEWNET): %s\n", strerror(errno));
		return -1;
	}
	if (sh("ip link set lo up"))
		return -1;
	for (i = 1; i <= 13; i++) {
		snprintf(cmd, sizeof(cmd),
			 "ip addr add 198.18.0.%d/32 dev lo && "
			 "ip -6 addr add 2001:db8::%d/128 dev lo nodad", i, i);
		if (sh(cmd))
			return -1;
	}
	if (pipe2(pfd, O_CLOEXEC))
		return -1;
	server_pid = fork();
	if (server_pid < 0)
		return -1;
	if (server_pid == 0) {
		close(pfd[0]);
		server_main(pfd[1]);
	}
	close(pfd[1]);
	/* Blocks until every server socket is bound, or the child died. */
	if (read(pfd[0], &c, 1) != 1) {
		close(pfd[0]);
		return -1;
	}
	close(pfd[0]);
	return 0;
}

static int teardown_ns(void **state)
{
	(void)state;
	if (server_pid > 0) {
		kill(server_pid, SIGKILL);
		waitpid(server_pid, NULL, 0);
	}
	return 0;
}

/* --- the engine on an epoll loop -------------------------------------- */

#define MAX_EV		512
#define MAX_STARTS	128
#define MAX_TICKS	32768

static struct {
	int epfd;
	struct health_event ev[MAX_EV];
	__u64 ev_ms[MAX_EV];
	char line[MAX_EV][64];
	int n_ev;
	/* start times of probes to SCHED_PORT0 + i, and the time lost
	 * (below) by each */
	__u64 starts[SCHED_N][MAX_STARTS];
	__u64 starts_lost[SCHED_N][MAX_STARTS];
	int n_starts[SCHED_N];
	/* the start time of the probe in flight on p; of the last one to
	 * time out, and the time lost by its timeout */
	struct {
		const struct probe *p;
		__u64 ms;
	} flight[64];
	__u64 timeout_start_ms, timeout_lost_us;
	int fds;
	__u64 now;		/* the loop's clock at its last tick */
	/* Time the machine took from the loop, us: waiting for a CPU
	 * (schedstat's run_delay), woken later than asked */
	__u64 lost_us, overslept_us;
	struct {		/* now and lost_us at every tick */
		__u64 ms, lost_us;
	} ticks[MAX_TICKS];
	int n_ticks;
	int sched_fd;
	int added[64];		/* fds in the order handed out */
	int n_added;
} L;

static __u64 mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static __u64 mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/*
 * How long this thread has been runnable but waiting for a CPU, in us:
 * schedstat's run_delay. It is what a loaded machine takes from the loop
 * (a late wake-up, a preemption), and never counts time the loop chose
 * to wait or spent working. Without schedstat it reads 0, which leaves
 * the bounds that allow for it as tight as on an idle machine.
 */
static __u64 run_delay_us(void)
{
	unsigned long long run, wait;
	char buf[128];
	ssize_t n;

	if (L.sched_fd < 0)
		return 0;
	n = pread(L.sched_fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	if (sscanf(buf, "%llu %llu", &run, &wait) != 2)
		return 0;
	return wait / 1000;
}

static int l_fd_add(void *ctx, int fd, uint32_t events)
{
	struct epoll_event e = { .events = events, .data.fd = fd };

	(void)ctx;
	L.fds++;
	if (L.n_added < 64)
		L.added[L.n_added++] = fd;
	return epoll_ctl(L.epfd, EPOLL_CTL_ADD, fd, &e) ? -errno : 0;
}

static int l_fd_mod(void *ctx, int fd, uint32_t events)
{
	struct epoll_event e = { .events = events, .data.fd = fd };

	(void)ctx;
	return epoll_ctl(L.epfd, EPOLL_CTL_MOD, fd, &e) ? -errno : 0;
}

static void l_fd_del(void *ctx, int fd)
{
	(void)ctx;
	L.fds--;
	epoll_ctl(L.epfd, EPOLL_CTL_DEL, fd, NULL);
}

static void l_event(void *ctx, const struct health_event *ev)
{
	(void)ctx;
	if (L.n_ev >= MAX_EV)
		return;
	L.ev[L.n_ev] = *ev;
	L.ev_ms[L.n_ev] = mono_ms();
	snprintf(L.line[L.n_ev], sizeof(L.line[0]), "%s",
		 ev->line ? ev->line : "");
	L.ev[L.n_ev].line = NULL;
	L.n_ev++;
}

/* Real probe I/O, with the start time of the schedule probes noted: the
 * time the loop ran the tick that started them. */
static int rec_start(struct probe *p, const struct probe_spec *s,
		     struct health_result *r)
{
	int i = s->port - SCHED_PORT0;

	if (i >= 0 && i < SCHED_N && L.n_starts[i] < MAX_STARTS) {
		L.starts_lost[i][L.n_starts[i]] = L.lost_us;
		L.starts[i][L.n_starts[i]++] = L.now;
	}
	for (i = 0; i < 64; i++) {
		if (!L.flight[i].p || L.flight[i].p == p) {
			L.flight[i].p = p;
			L.flight[i].ms = L.now;
			break;
		}
	}
	return probe_start(p, s, r);
}

static void rec_timeout(struct probe *p, const struct probe_spec *s,
			struct health_result *r)
{
	int i;

	for (i = 0; i < 64 && L.flight[i].p; i++) {
		if (L.flight[i].p == p) {
			L.timeout_start_ms = L.flight[i].ms;
			L.timeout_lost_us = L.lost_us;
		}
	}
	probe_timeout(p, s, r);
}

static const struct health_probe_ops rec_probe = {
	.start = rec_start,
	.io = probe_io,
	.timeout = rec_timeout,
	.close = probe_close,
};

static const struct health_ops lops = {
	.fd_add = l_fd_add,
	.fd_mod = l_fd_mod,
	.fd_del = l_fd_del,
	.event = l_event,
};

/* Every test needs the server: say so if it is gone, or every check
 * after this would fail for a reason it does not name. */
static void server_alive(void)
{
	int st;

	if (waitpid(server_pid, &st, WNOHANG) != server_pid)
		return;
	server_pid = 0;
	if (WIFSIGNALED(st))
		fail_msg("the test's server process died of signal %d",
			 WTERMSIG(st));
	fail_msg("the test's server process exited with status %d",
		 WEXITSTATUS(st));
}

static struct health *engine(const char *src, const char *src6)
{
	struct health_params par = { .seed = 12345, .probe = &rec_probe };
	struct health *h;

	server_alive();
	memset(&L, 0, sizeof(L));
	L.epfd = epoll_create1(EPOLL_CLOEXEC);
	assert_true(L.epfd >= 0);
	L.sched_fd = open("/proc/thread-self/schedstat", O_RDONLY | O_CLOEXEC);
	if (src) {
		assert_int_equal(addr_parse(src, &par.src4), 0);
		/* The v6 agent must still work: the kernel picks for it. */
		assert_int_equal(par.src4.family, XLB_AF_INET);
	}
	if (src6)
		assert_int_equal(addr_parse(src6, &par.src6), 0);
	h = health_new(&lops, &par);
	assert_non_null(h);
	return h;
}

static void engine_free(struct health *h)
{
	server_alive();
	health_free(h);
	assert_int_equal(L.fds, 0);
	close(L.epfd);
	if (L.sched_fd >= 0)
		close(L.sched_fd);
}

/* Drive the loop until done() or max_ms; true if done() held. */
static bool run(struct health *h, bool (*done)(struct health *h),
		unsigned int max_ms)
{
	__u64 end = mono_ms() + max_ms;

	for (;;) {
		struct epoll_event evs[64];
		__u64 now = mono_ms(), d, t0, t1;
		int n, i, to;

		L.now = now;
		L.lost_us = run_delay_us() + L.overslept_us;
		if (L.n_ticks < MAX_TICKS) {
			L.ticks[L.n_ticks].ms = now;
			L.ticks[L.n_ticks++].lost_us = L.lost_us;
		}
		health_tick(h, now);
		if (done && done(h))
			return true;
		if (now >= end)
			return false;
		d = health_next_deadline(h);
		if (d > end)
			d = end;
		to = d > now ? (int)(d - now) : 0;
		t0 = mono_us();
		n = epoll_wait(L.epfd, evs, 64, to);
		/* A host that runs this guest's vCPU late wakes it late
		 * without any run delay to show for it. */
		t1 = mono_us();
		if (t1 > t0 + to * 1000ull)
			L.overslept_us += t1 - t0 - to * 1000ull;
		now = mono_ms();
		for (i = 0; i < n; i++)
			health_io(h, evs[i].data.fd, evs[i].events, now);
	}
}

/*
 * Of a tick that read lost_us, how late it may have been through no
 * fault of the loop: the time lost since due_ms, counted from the last
 * tick before due_ms (more, then, not less). All of it if the record
 * does not reach back that far.
 */
static __u64 lost_ms(__u64 due_ms, __u64 lost_us)
{
	int lo = 0, hi = L.n_ticks;

	if (!L.n_ticks || L.ticks[0].ms > due_ms)
		return lost_us / 1000;
	while (hi - lo > 1) {	/* ticks[lo].ms <= due_ms < ticks[hi].ms */
		int mid = (lo + hi) / 2;

		if (L.ticks[mid].ms <= due_ms)
			lo = mid;
		else
			hi = mid;
	}
	/* a later tick of the same ms may have read more */
	return lost_us > L.ticks[lo].lost_us ?
	       (lost_us - L.ticks[lo].lost_us) / 1000 : 0;
}

static struct health_target target(__u32 id, const char *addr, int port,
				   int kind)
{
	struct health_target t = {
		.id = id,
		.group = 1,
		.port = port,
		.weight = 100,
		.initial = HEALTH_UNKNOWN,
	};

	assert_int_equal(addr_parse(addr, &t.addr), 0);
	t.check.kind = kind;
	t.check.interval_ms = 100;
	return t;
}

/*
 * The tests that sort answers (http codes, udp replies, agent lines) are
 * not about timing, but the server must answer within the timeout, and
 * on a loaded machine its process may get the CPU late: these probes get
 * PATIENT_MS, ten times the 50 ms they had. The target is added an
 * interval ago so that its first probe is due at once.
 */
#define PATIENT_MS	500

static void add_patient(struct health *h, struct health_target *t)
{
	if (t->check.kind != HEALTH_NONE) {
		t->check.interval_ms = PATIENT_MS;
		t->check.timeout_ms = PATIENT_MS;
	}
	if (t->agent.port) {
		t->agent.interval_ms = PATIENT_MS;
		t->agent.timeout_ms = PATIENT_MS;
	}
	assert_int_equal(health_add(h, t, mono_ms() - PATIENT_MS), 0);
}

static const struct health_event *state_ev(__u32 id)
{
	int i;

	for (i = 0; i < L.n_ev; i++)
		if (L.ev[i].id == id && L.ev[i].type == HEALTH_EV_STATE)
			return &L.ev[i];
	return NULL;
}

static int n_ids;
static bool all_decided(struct health *h)
{
	__u32 id;

	(void)h;
	for (id = 1; id <= (__u32)n_ids; id++)
		if (!state_ev(id))
			return false;
	return true;
}

static void expect_state(__u32 id, int state, int res, int why, int err,
			 int code)
{
	const struct health_event *e = state_ev(id);

	if (!e)
		fail_msg("backend %u: no state event", id);
	if (e->new_state != state || e->result.res != res ||
	    e->result.why != why || e->result.err != err ||
	    e->result.code != code) {
		char buf[96];

		fail_msg("backend %u: state %s (%s), expected %s", id,
			 health_state_str(e->new_state),
			 health_result_str(&e->result, buf, sizeof(buf)),
			 health_state_str(state));
	}
	assert_int_equal(e->old_state, HEALTH_UNKNOWN);
}

static void test_tcp(void **state)
{
	struct health *h = engine(NULL, NULL);
	struct health_target t[] = {
		target(1, "198.18.0.1", 80, HEALTH_TCP),
		target(2, "198.18.0.2", 80, HEALTH_TCP),	/* no listener */
		target(3, "2001:db8::1", 80, HEALTH_TCP),
		target(4, "2001:db8::2", 80, HEALTH_TCP),
		target(5, "198.18.0.10", 9, HEALTH_TCP),
	};
	size_t i;

	(void)state;
	t[4].check.port = 80;	/* check port overrides the backend's */
	for (i = 0; i < 5; i++)
		assert_int_equal(health_add(h, &t[i], mono_ms()), 0);
	n_ids = 5;
	assert_true(run(h, all_decided, 5000));
	expect_state(1, HEALTH_UP, HEALTH_RES_OK, 0, 0, 0);
	expect_state(2, HEALTH_DOWN, HEALTH_RES_FAIL, HEALTH_WHY_CONNECT,
		     ECONNREFUSED, 0);
	expect_state(3, HEALTH_UP, HEALTH_RES_OK, 0, 0, 0);
	expect_state(4, HEALTH_DOWN, HEALTH_RES_FAIL, HEALTH_WHY_CONNECT,
		     ECONNREFUSED, 0);
	expect_state(5, HEALTH_UP, HEALTH_RES_OK, 0, 0, 0);
	engine_free(h);
}

static void test_http(void **state)
{
	struct health *h = engine(NULL, NULL);
	struct health_target t[] = {
		target(1, "198.18.0.1", 8080, HEALTH_HTTP),
		target(2, "198.18.0.3", 8080, HEALTH_HTTP),	/* 500 */
		target(3, "2001:db8::1", 8080, HEALTH_HTTP),
		target(4, "198.18.0.3", 8080, HEALTH_HTTP),	/* expect 500 */
		target(5, "198.18.0.1", 8080, HEALTH_HTTP),	/* 404 */
		target(6, "198.18.0.1", 80, HEALTH_HTTP),	/* closes */
		target(7, "198.18.0.2", 8080, HEALTH_HTTP),	/* refused */
	};
	size_t i;

	(void)state;
	for (i = 0; i < 7; i++)
		strcpy(t[i].check.path, "/health");
	t[3].check.expect_code = 500;
	strcpy(t[4].check.path, "/other");
	for (i = 0; i < 7; i++)
		add_patient(h, &t[i]);
	n_ids = 7;
	assert_true(run(h, all_decided, 5000));
	expect_state(1, HEALTH_UP, HEALTH_RES_OK, 0, 0, 200);
	expect_state(2, HEALTH_DOWN, HEALTH_RES_FAIL, HEALTH_WHY_STATUS, 0,
		     500);
	expect_state(3, HEALTH_UP, HEALTH_RES_OK, 0, 0, 200);
	expect_state(4, HEALTH_UP, HEALTH_RES_OK, 0, 0, 500);
	expect_state(5, HEALTH_DOWN, HEALTH_RES_FAIL, HEALTH_WHY_STATUS, 0,
		     404);
	/* The peer resets or closes before any status line. */
	const struct health_event *e = state_ev(6);

	assert_non_null(e);
	assert_int_equal(e->new_state, HEALTH_DOWN);
	assert_int_equal(e->result.res, HEALTH_RES_FAIL);
	assert_true((e->result.why == HEALTH_WHY_CLOSED && !e->result.err) ||
		    (e->result.why == HEALTH_WHY_RECV &&
		     e->result.err == ECONNRESET) ||
		    (e->result.why == HEALTH_WHY_SEND &&
		     (e->result.err == ECONNRESET || e->result.err == EPIPE)));
	expect_state(7, HEALTH_DOWN, HEALTH_RES_FAIL, HEALTH_WHY_CONNECT,
		     ECONNREFUSED, 0);
	engine_free(h);
}

static void test_udp(void **state)
{
	struct health *h = engine(NULL, NULL);
	struct health_target t[] = {
		target(1, "198.18.0.4", 5353, HEALTH_UDP),	/* echo */
		target(2, "198.18.0.5", 5353, HEALTH_UDP),	/* nobody */
		target(3, "198.18.0.6", 5353, HEALTH_UDP),	/* pong */
		target(4, "2001:db8::4", 5353, HEALTH_UDP),	/* echo */
		target(5, "198.18.0.6", 5354, HEALTH_UDP),	/* silent */
		target(6, "198.18.0.6", 5355, HEALTH_UDP),	/* nobody */
		target(7, "2001:db8::5", 5353, HEALTH_UDP),	/* nobody */
	};
	const struct health_event *e;
	size_t i;

	(void)state;
	for (i = 0; i < 4; i++) {
		strcpy(t[i].check.send, "ping xlb");
		strcpy(t[i].check.expect, "xlb");
	}
	strcpy(t[6].check.send, "ping xlb");
	strcpy(t[6].check.expect, "xlb");
	/* 5 and 6 send an empty datagram and only want no ICMP error. */
	for (i = 0; i < 7; i++) {
		if (i == 4)	/* silent: its 50 ms timeout is the answer */
			assert_int_equal(health_add(h, &t[i], mono_ms()), 0);
		else
			add_patient(h, &t[i]);
	}
	n_ids = 7;
	assert_true(run(h, all_decided, 5000));
	expect_state(1, HEALTH_UP, HEALTH_RES_OK, 0, 0, 0);
	expect_state(2, HEALTH_DOWN, HEALTH_RES_FAIL, HEALTH_WHY_RECV,
		     ECONNREFUSED, 0);
	expect_state(3, HEALTH_DOWN, HEALTH_RES_FAIL, HEALTH_WHY_MISMATCH, 0,
		     0);
	expect_state(4, HEALTH_UP, HEALTH_RES_OK, 0, 0, 0);
	expect_state(5, HEALTH_UP, HEALTH_RES_OK, 0, 0, 0);
	expect_state(6, HEALTH_DOWN, HEALTH_RES_FAIL, HEALTH_WHY_RECV,
		     ECONNREFUSED, 0);
	expect_state(7, HEALTH_DOWN, HEALTH_RES_FAIL, HEALTH_WHY_RECV,
		     ECONNREFUSED, 0);
	/* The silent one succeeded by waiting out its 50 ms timeout... */
	e = state_ev(5);
	assert_true(e->latency_ms >= 50);
	/* ...answers and ICMP errors are taken as they come, not at the
	 * timeout (when one already there would count too). */
	assert_true(state_ev(1)->latency_ms < PATIENT_MS);
	assert_true(state_ev(2)->latency_ms < PATIENT_MS);
	engine_free(h);
}

static const struct health_event *nth_ev(__u32 id, int type, int nth)
{
	int i;

	for (i = 0; i < L.n_ev; i++)
		if (L.ev[i].id == id && L.ev[i].type == type && !nth--)
			return &L.ev[i];
	return NULL;
}

/* Results of agent probes to id, failed or not. */
static __u64 agent_probes(struct health *h, __u32 id)
{
	struct health_status st;
	__u64 n = 0;
	int i;

	health_get(h, id, &st);
	for (i = 0; i < HEALTH_RES_MAX; i++)
		n += st.agent_count[i];
	return n;
}

static bool agents_done(struct health *h)
{
	struct health_status st;

	health_get(h, 4, &st);
	/* 3 and 5 fail twice: an error is reported once, not twice */
	return agent_probes(h, 3) >= 2 && agent_probes(h, 5) >= 2 &&
	       nth_ev(1, HEALTH_EV_WEIGHT, 0) &&
	       nth_ev(2, HEALTH_EV_WEIGHT, 0) &&
	       nth_ev(3, HEALTH_EV_AGENT_ERROR, 0) &&
	       st.agent_down && st.check_state == HEALTH_UP &&
	       nth_ev(5, HEALTH_EV_AGENT_ERROR, 0) &&
	       nth_ev(6, HEALTH_EV_WEIGHT, 0) &&
	       nth_ev(7, HEALTH_EV_WEIGHT, 0) &&
	       nth_ev(8, HEALTH_EV_WEIGHT, 0);
}

static void test_agent(void **state)
{
	struct health *h = engine("198.18.0.12", "2001:db8::12");
	struct health_target t[] = {
		target(1, "198.18.0.7", 80, HEALTH_NONE),	/* 50% */
		target(2, "198.18.0.8", 80, HEALTH_NONE),	/* drain */
		target(3, "198.18.0.9", 80, HEALTH_NONE),	/* garbage */
		target(4, "198.18.0.10", 80, HEALTH_TCP),	/* down */
		target(5, "198.18.0.11", 80, HEALTH_NONE),	/* nobody */
		target(6, "198.18.0.13", 80, HEALTH_NONE),	/* src test */
		target(7, "2001:db8::7", 80, HEALTH_NONE),	/* 25%, v6 */
		target(8, "2001:db8::13", 80, HEALTH_NONE),	/* src6 test */
	};
	const struct health_event *e;
	struct health_status st;
	size_t i;

	(void)state;
	for (i = 0; i < 8; i++) {
		t[i].agent.port = 7777;
		add_patient(h, &t[i]);
	}
	if (!run(h, agents_done, 5000)) {
		for (i = 0; i < (size_t)L.n_ev; i++) {
			char buf[96];

			print_message("# ev id %u type %u %s->%s w %u->%u %s\n",
				      L.ev[i].id, L.ev[i].type,
				      health_state_str(L.ev[i].old_state),
				      health_state_str(L.ev[i].new_state),
				      L.ev[i].old_weight, L.ev[i].new_weight,
				      health_result_str(&L.ev[i].result, buf,
							sizeof(buf)));
		}
		fail_msg("agents did not all report");
	}
	e = nth_ev(1, HEALTH_EV_WEIGHT, 0);
	assert_int_equal(e->old_weight, 100);
	assert_int_equal(e->new_weight, 50);
	assert_int_equal(e->new_state, HEALTH_UP);
	e = nth_ev(2, HEALTH_EV_WEIGHT, 0);
	assert_int_equal(e->new_weight, 0);
	assert_int_equal(e->new_state, HEALTH_UP);
	e = nth_ev(3, HEALTH_EV_AGENT_ERROR, 0);
	assert_int_equal(e->result.why, HEALTH_WHY_BAD_REPLY);
	assert_string_equal(L.line[e - L.ev], "garbage");
	/* tcp check makes 4 UP, the agent's "down" takes it DOWN (in
	 * whichever order they arrive, the last word is DOWN). */
	health_get(h, 4, &st);
	assert_int_equal(st.state, HEALTH_DOWN);
	assert_int_equal(st.check_state, HEALTH_UP);
	assert_int_equal(st.agent_down, 1);
	e = nth_ev(5, HEALTH_EV_AGENT_ERROR, 0);
	assert_int_equal(e->result.why, HEALTH_WHY_CONNECT);
	assert_int_equal(e->result.err, ECONNREFUSED);
	/* The agent saw our bound source address. */
	e = nth_ev(6, HEALTH_EV_WEIGHT, 0);
	assert_int_equal(e->new_weight, 42);
	e = nth_ev(7, HEALTH_EV_WEIGHT, 0);
	assert_int_equal(e->new_weight, 25);
	e = nth_ev(8, HEALTH_EV_WEIGHT, 0);
	assert_int_equal(e->new_weight, 43);
	/* Errors were reported once, however many probes ran. */
	assert_null(nth_ev(3, HEALTH_EV_AGENT_ERROR, 1));
	assert_null(nth_ev(5, HEALTH_EV_AGENT_ERROR, 1));
	engine_free(h);
}

static bool hang_done(struct health *h)
{
	struct health_status st;

	health_get(h, 100, &st);
	return st.count[HEALTH_RES_TIMEOUT] >= 2;
}

/*
 * A backend that accepts and never answers times out at its timeout and
 * does not hold up anyone else: SCHED_N tcp backends at 100 ms keep their
 * +-10 % schedule while it hangs. A loop that waited for the hanging probe
 * would put its 400 ms timeout into their gaps.
 *
 * This runs under ASan on a shared two-core guest, often beside other
 * suites, so the loop may get the CPU late, or be woken late. That time
 * is measured (L.lost_us) and allowed for, gap by gap; what is left is
 * the engine's doing and must fit the schedule. Waiting for a probe in
 * a call, sleeping past a deadline or spinning gets no allowance.
 */
#define HANG_SLACK_MS	5	/* ms clock steps, the loop's own work */

static void test_hang(void **state)
{
	struct health *h = engine(NULL, NULL);
	struct health_target t = target(100, "198.18.0.11", 8080, HEALTH_HTTP);
	struct health_status st;
	__u64 gmax = 0, gsum = 0, ng = 0, lost, lsum = 0, lmax = 0;
	long long over, omax = -1000;
	int i, k;

	(void)state;
	t.check.interval_ms = 500;
	t.check.timeout_ms = 400;
	assert_int_equal(health_add(h, &t, mono_ms()), 0);
	for (i = 0; i < SCHED_N; i++) {
		struct health_target s = target(i + 1, "198.18.0.2",
						SCHED_PORT0 + i, HEALTH_TCP);

		assert_int_equal(health_add(h, &s, mono_ms()), 0);
	}
	assert_true(run(h, hang_done, 8000));
	health_get(h, 100, &st);
	assert_int_equal(st.state, HEALTH_DOWN);
	assert_int_equal(st.last.res, HEALTH_RES_TIMEOUT);
	assert_int_equal(st.count[HEALTH_RES_OK], 0);
	lost = lost_ms(L.timeout_start_ms + 400, L.timeout_lost_us);
	print_message("# timed out after %u ms, %llu ms lost to the machine "
		      "after 400\n", st.last_latency_ms,
		      (unsigned long long)lost);
	if (st.last_latency_ms < 400 ||
	    st.last_latency_ms > 400 + lost + HANG_SLACK_MS)
		fail_msg("timed out after %u ms, not 400", st.last_latency_ms);
	for (i = 0; i < SCHED_N; i++) {
		health_get(h, i + 1, &st);
		assert_int_equal(st.state, HEALTH_UP);
		/* No probe of theirs waited for anything: no timeouts. */
		assert_int_equal(st.count[HEALTH_RES_FAIL] +
				 st.count[HEALTH_RES_TIMEOUT], 0);
		assert_true(L.n_starts[i] >= 8);
		for (k = 1; k < L.n_starts[i]; k++) {
			__u64 g = L.starts[i][k] - L.starts[i][k - 1];

			/* due 90 ms after the last start at the earliest */
			lost = lost_ms(L.starts[i][k - 1] + 90,
				       L.starts_lost[i][k]);
			over = (long long)g - 110 - (long long)lost;
			if (g < 90 || over > HANG_SLACK_MS)
				fail_msg("backend %d: gap %llu ms, %llu ms of "
					 "it lost to the machine", i + 1,
					 (unsigned long long)g,
					 (unsigned long long)lost);
			omax = over > omax ? over : omax;
			gmax = g > gmax ? g : gmax;
			lmax = lost > lmax ? lost : lmax;
			gsum += g;
			lsum += lost;
			ng++;
		}
	}
	print_message("# %llu gaps, mean %.1f ms, max %llu ms; lost to the "
		      "machine: mean %.1f ms, max %llu ms; most over 110 ms "
		      "beyond that %lld ms\n", (unsigned long long)ng,
		      (double)gsum / ng, (unsigned long long)gmax,
		      (double)lsum / ng, (unsigned long long)lmax, omax);
	/* Jitter is symmetric: the gaps average the interval or more. */
	assert_true(gsum >= ng * 95);
	engine_free(h);
}

static int peer_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);

	if (getpeername(fd, (struct sockaddr *)&ss, &sl))
		return -1;
	return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

/*
 * The loop was busy past the probes' timeout (it never looked at their
 * fds), but what they waited for had arrived: that counts. A request
 * only sent at that point is not answered yet: that times out.
 */
static void test_late_loop(void **state)
{
	struct health *h = engine(NULL, NULL);
	struct health_target t[] = {
		target(1, "198.18.0.1", 80, HEALTH_TCP),
		target(2, "198.18.0.11", 8080, HEALTH_HTTP),	/* hangs */
		target(3, "198.18.0.7", 80, HEALTH_NONE),	/* 50% */
	};
	struct health_status st;
	int i;

	(void)state;
	t[2].agent.port = 7777;
	t[2].agent.interval_ms = 100;
	for (i = 0; i < 3; i++)
		assert_int_equal(health_add(h, &t[i], 0), 0);
	/* A fake clock on real sockets: every first probe starts at 100. */
	health_tick(h, 100);
	assert_int_equal(L.n_added, 3);
	/* Await (not sleep) each connect, and the agent's line. */
	for (i = 0; i < 3; i++) {
		struct pollfd pfd = { .fd = L.added[i], .events = POLLOUT };

		assert_int_equal(poll(&pfd, 1, 2000), 1);
		if (peer_port(pfd.fd) == 7777) {
			pfd.events = POLLIN;
			assert_int_equal(poll(&pfd, 1, 2000), 1);
		}
	}
	health_tick(h, 150);
	health_get(h, 1, &st);
	assert_int_equal(st.count[HEALTH_RES_OK], 1);
	assert_int_equal(st.last_latency_ms, 50);
	assert_int_equal(st.state, HEALTH_UP);
	health_get(h, 2, &st);
	assert_int_equal(st.count[HEALTH_RES_TIMEOUT], 1);
	assert_int_equal(st.state, HEALTH_DOWN);
	health_get(h, 3, &st);
	assert_int_equal(st.agent_count[HEALTH_RES_OK], 1);
	assert_int_equal(st.weight, 50);
	assert_int_equal(L.fds, 0);
	engine_free(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tcp),
		cmocka_unit_test(test_http),
		cmocka_unit_test(test_udp),
		cmocka_unit_test(test_agent),
		cmocka_unit_test(test_hang),
		cmocka_unit_test(test_late_loop),
	};

	return cmocka_run_group_tests_name("health_probe", tests, setup_ns,
					   teardown_ns);
}
