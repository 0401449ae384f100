// SPDX-License-Identifier: GPL-2.0
/*
 * Health checking cost: "health_probe_cpu_pct VALUE %".
 *
 * Method: the process moves into a private network namespace (unshare;
 * nothing to clean up), puts 198.18.0.1 on its loopback and forks a
 * server that listens on 1000 ports and accepts and closes every
 * connection. The engine probes 1000 backends (one per port) with tcp
 * checks every 100 ms (+-10 % jitter, timeout 50 ms) on an epoll loop
 * like the daemon's. After one second of warm-up (the first probes are
 * spread over the first interval) it measures five seconds: user + system
 * CPU time of this process (getrusage RUSAGE_SELF, which counts the
 * kernel's work for our connects and resets, not the server's) divided
 * by wall-clock time, in percent of one core. On loopback the kernel
 * runs the server's side of each handshake in our context too, so this
 * overstates what probing remote backends costs. Also printed: probes
 * completed per second, CPU per probe, and the share of probes that
 * timed out (non-zero only when the host is too busy to run the loop in
 * time: the connects themselves never fail here). A refused or failed
 * probe means the setup is broken and voids the run.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "health.h"
#include "probe.h"
#include "xlb.h"

#define BACKENDS	1000
#define PORT0		30000
#define INTERVAL_MS	100
#define WARMUP_MS	1000
#define MEASURE_MS	5000

static int epfd;

static __u64 mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void raise_nofile(void)
{
	struct rlimit rl;

	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* Accepts and closes on every port until killed; at most two minutes. */
static void server_main(int ready_fd)
{
	struct epoll_event evs[64];
	time_t end = time(NULL) + 120;
	int ep, i;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		_exit(2);
	for (i = 0; i < BACKENDS; i++) {
		struct sockaddr_in sa = {
			.sin_family = AF_INET,
			.sin_port = htons(PORT0 + i),
			.sin_addr.s_addr = inet_addr("198.18.0.1"),
		};
		struct epoll_event e = { .events = EPOLLIN };
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

		if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
		    listen(fd, 1024))
			_exit(2);
		e.data.fd = fd;
		if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e))
			_exit(2);
	}
	if (write(ready_fd, "r", 1) != 1)
		_exit(2);
	while (time(NULL) < end) {
		int n = epoll_wait(ep, evs, 64, 1000);

		for (i = 0; i < n; i++) {
			int c;

			while ((c = accept(evs[i].data.fd, NULL, NULL)) >= 0)
				close(c);
		}
	}
	_exit(0);
}

static int fd_add(void *ctx, int fd, uint32_t events)
{
	struct epoll_event e = { .events = events, .data.fd = fd };

	(void)ctx;
	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &e) ? -errno : 0;
}

static int fd_mod(void *ctx, int fd, uint32_t events)
{
	struct epoll_event e = { .events = events, .data.fd = fd };

	(void)ctx;
	return epoll_ctl(epfd, EPOLL_CTL_MOD, fd, &e) ? -errno : 0;
}

static void fd_del(void *ctx, int fd)
{
	(void)ctx;
	epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL);
}

/* The daemon would update its maps here; the bench only probes. */
static void on_event(void *ctx, const struct health_event *ev)
{
	(void)ctx;
	(void)ev;
}

static void run_for(struct health *h, __u64 ms)
{
	__u64 end = mono_ms() + ms;

	for (;;) {
		struct epoll_event evs[256];
		__u64 now = mono_ms(), d;
		int n, i;

		health_tick(h, now);
		if (now >= end)
			return;
		d = health_next_deadline(h);
		if (d > end)
			d = end;
		n = epoll_wait(epfd, evs, 256, d > now ? (int)(d - now) : 0);
		now = mono_ms();
		for (i = 0; i < n; i++)
			health_io(h, evs[i].data.fd, evs[i].events, now);
	}
}

static __u64 total(struct health *h, int res)
{
	struct health_status st;
	__u64 sum = 0;
	int i;

	for (i = 1; i <= BACKENDS; i++)
		if (!health_get(h, i, &st))
			sum += st.count[res];
	return sum;
}

static double cpu_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	       ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

int main(void)
{
	const struct health_ops ops = {
		.fd_add = fd_add, .fd_mod = fd_mod, .fd_del = fd_del,
		.event = on_event,
	};
	struct health_params par = { .seed = 1 };
	double w0, c0, wall, cpu, rate;
	__u64 ok0, ok1, to0, to1, bad;
	struct health *h;
	int pfd[2], i;
	pid_t pid;
	char c;

	if (unshare(CLONE_NEWNET)) {
		fprintf(stderr, "unshare(CLONE_NEWNET): %s\n", strerror(errno));
		return 1;
	}
	if (system("ip link set lo up && ip addr add 198.18.0.1/32 dev lo")) {
		fprintf(stderr, "cannot configure the namespace's loopback\n");
		return 1;
	}
	raise_nofile();
	if (pipe2(pfd, O_CLOEXEC))
		return 1;
	pid = fork();
	if (pid < 0)
		return 1;
	if (pid == 0) {
		close(pfd[0]);
		server_main(pfd[1]);
	}
	close(pfd[1]);
	if (read(pfd[0], &c, 1) != 1) {
		fprintf(stderr, "server did not start\n");
		return 1;
	}
	epfd = epoll_create1(EPOLL_CLOEXEC);
	h = health_new(&ops, &par);
	if (epfd < 0 || !h)
		return 1;
	for (i = 0; i < BACKENDS; i++) {
		struct health_target t = {
			.id = i + 1,
			.group = 1,
			.port = PORT0 + i,
			.weight = 100,
			.initial = HEALTH_UP,
		};

		t.addr.family = XLB_AF_INET;
		t.addr.a[0] = inet_addr("198.18.0.1");
		t.check.kind = HEALTH_TCP;
		t.check.interval_ms = INTERVAL_MS;
		if (health_add(h, &t, mono_ms()))
			return 1;
	}
	run_for(h, WARMUP_MS);
	ok0 = total(h, HEALTH_RES_OK);
	to0 = total(h, HEALTH_RES_TIMEOUT);
	w0 = mono_s();
	c0 = cpu_s();
	run_for(h, MEASURE_MS);
	cpu = cpu_s() - c0;
	wall = mono_s() - w0;
	ok1 = total(h, HEALTH_RES_OK);
	to1 = total(h, HEALTH_RES_TIMEOUT);
	bad = total(h, HEALTH_RES_FAIL);
	health_free(h);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	if (bad || ok1 == ok0) {
		fprintf(stderr, "bench void: %llu failed probes, %llu ok\n",
			(unsigned long long)bad,
			(unsigned long long)(ok1 - ok0));
		return 1;
	}
	rate = (ok1 - ok0 + to1 - to0) / wall;
	/* Jitter averages out: the schedule asks BACKENDS / interval. */
	if (rate < 0.95 * BACKENDS * 1000 / INTERVAL_MS)
		fprintf(stderr, "bench_health: %.0f of %d probes/s: the host "
			"is too busy to run the loop on time, so the CPU "
			"share is understated\n", rate,
			BACKENDS * 1000 / INTERVAL_MS);
	printf("health_probe_cpu_pct %.1f %%\n", 100.0 * cpu / wall);
	printf("health_probes_per_s %.0f probes/s\n", rate);
	printf("health_probe_cpu_us %.1f us\n",
	       1e6 * cpu / (ok1 - ok0 + to1 - to0));
	printf("health_probe_timeout_pct %.2f %%\n",
	       100.0 * (to1 - to0) / (ok1 - ok0 + to1 - to0));
	return 0;
}
