// SPDX-License-Identifier: GPL-2.0
/*
 * One VRRP instance on one interface, for tests/e2e/test_vrrp_io.sh: the
 * vrrp core driven by the real clock over vrrp_io. It prints one line per
 * event on stdout, "<CLOCK_BOOTTIME ms> <event> ...":
 *   ready | state FROM TO SEQ | drop REASON | prio N | shutdown
 * SIGTERM shuts down (a master resigns with priority 0), SIGUSR1 sets the
 * priority given with -l. -T sends with another TTL / hop limit than 255,
 * to check that receivers refuse it.
 *
 * vrrp_speaker -i IFACE -s PRIMARY -v VRID -p PRIO -a VIP [-a VIP...]
 *              [-t INTERVAL_CS] [-n] [-d PREEMPT_DELAY_MS] [-P PEER...]
 *              [-l PRIO] [-T TTL]
 */
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "vrrp.h"
#include "vrrp_io.h"
#include "xlb.h"

#define RX_BURST	64	/* packets per wakeup, so timers still run */

static struct vrrp v;
static struct vrrp_io io;

static __u64 now_ms(void)
{
	struct timespec ts;

	/* Like /proc/uptime, which the test script compares against. */
	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (__u64)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	va_list ap;

	printf("%llu ", (unsigned long long)now_ms());
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static void warn_err(const char *what, const struct ip_addr *a, int err)
{
	char buf[ADDR_STRLEN];

	fprintf(stderr, "vrrp_speaker: %s %s: %s\n", what,
		a ? addr_str(a, buf, sizeof(buf)) : "", strerror(-err));
}

static void exec(const struct vrrp_out *out)
{
	struct ip_addr dst[VRRP_PEERS_MAX];
	__u8 buf[VRRP_PKT_MAX];
	unsigned int i, n;
	int len, err;

	if (out->act & VRRP_ACT_RELEASE) {
		for (i = 0; i < v.cfg.naddrs; i++) {
			err = vrrp_io_addr_del(io.ifindex, &v.cfg.addrs[i]);
			if (err)
				warn_err("remove", &v.cfg.addrs[i], err);
		}
	}
	if (out->act & VRRP_ACT_ADVERT) {
		n = vrrp_dests(&v, dst);
		for (i = 0; i < n; i++) {
			len = vrrp_build(&v, out->prio, &dst[i], buf,
					 sizeof(buf));
			err = len < 0 ? len :
			      vrrp_io_send(&io, &v.cfg.primary, &dst[i], buf,
					   len);
			if (err)
				warn_err("send to", &dst[i], err);
		}
	}
	if (out->act & VRRP_ACT_TAKEOVER) {
		for (i = 0; i < v.cfg.naddrs; i++) {
			err = vrrp_io_addr_add(io.ifindex, &v.cfg.addrs[i]) ?:
			      vrrp_io_announce(io.ifindex, &v.cfg.addrs[i]);
			if (err)
				warn_err("take over", &v.cfg.addrs[i], err);
		}
	}
	if (out->changed)
		say("state %s %s %llu", vrrp_state_str(out->from),
		    vrrp_state_str(out->to), (unsigned long long)out->seq);
}

static void receive(void)
{
	__u8 buf[VRRP_PKT_MAX];
	struct vrrp_rx_info rx;
	struct vrrp_out out;
	enum vrrp_drop d;
	int i, len;

	for (i = 0; i < RX_BURST; i++) {
		memset(&rx, 0, sizeof(rx));
		len = vrrp_io_recv(&io, buf, sizeof(buf), &rx);
		if (len == -EAGAIN)
			return;
		if (len < 0) {
			say("drop io %d", -len);
			continue;
		}
		d = vrrp_decode(&v, buf, len, &rx);
		if (d != VRRP_OK) {
			say("drop %s", vrrp_drop_str(d));
			continue;
		}
		vrrp_rx(&v, now_ms(), &rx, &out);
		exec(&out);
	}
}

static int set_ttl(int fd, __u8 family, int ttl)
{
	int l4 = family == XLB_AF_INET;

	if (setsockopt(fd, l4 ? IPPROTO_IP : IPPROTO_IPV6,
		       l4 ? IP_TTL : IPV6_UNICAST_HOPS, &ttl, sizeof(ttl)) ||
	    setsockopt(fd, l4 ? IPPROTO_IP : IPPROTO_IPV6,
		       l4 ? IP_MULTICAST_TTL : IPV6_MULTICAST_HOPS, &ttl,
		       sizeof(ttl)))
		return -errno;
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: vrrp_speaker -i IFACE -s PRIMARY -v VRID "
		"-p PRIO -a VIP... [-t CS] [-n] [-d MS] [-P PEER...] "
		"[-l PRIO] [-T TTL]\n");
	return 2;
}

int main(int argc, char **argv)
{
	unsigned long long val, low = 0, ttl = VRRP_TTL;
	struct vrrp_cfg c = {
		.prio = VRRP_PRIO_DEFAULT,
		.interval_cs = VRRP_INTERVAL_DEFAULT_CS,
		.preempt = true,
	};
	struct pollfd pfd[2];
	struct vrrp_out out;
	const char *ifname = NULL;
	sigset_t sigs;
	int opt, err, sfd, ifindex;

	while ((opt = getopt(argc, argv, "i:s:v:p:a:t:nd:P:l:T:")) != -1) {
		switch (opt) {
		case 'i':
			ifname = optarg;
			break;
		case 's':
			if (addr_parse(optarg, &c.primary))
				return usage();
			break;
		case 'v':
			if (uint_parse(optarg, 1, 255, &val))
				return usage();
			c.vrid = val;
			break;
		case 'p':
		case 'l':
			if (uint_parse(optarg, 1, 254, &val))
				return usage();
			if (opt == 'p')
				c.prio = val;
			else
				low = val;
			break;
		case 'a':
			if (c.naddrs == VRRP_ADDRS_MAX ||
			    addr_parse(optarg, &c.addrs[c.naddrs++]))
				return usage();
			break;
		case 't':
			if (uint_parse(optarg, 1, 4095, &val))
				return usage();
			c.interval_cs = val;
			break;
		case 'n':
			c.preempt = false;
			break;
		case 'T':
			if (uint_parse(optarg, 1, 255, &val))
				return usage();
			ttl = val;
			break;
		case 'd':
			if (uint_parse(optarg, 0, DURATION_MAX_MS, &val))
				return usage();
			c.preempt_delay_ms = val;
			break;
		case 'P':
			if (c.npeers == VRRP_PEERS_MAX ||
			    addr_parse(optarg, &c.peers[c.npeers++]))
				return usage();
			break;
		default:
			return usage();
		}
	}
	if (!ifname || optind != argc)
		return usage();
	ifindex = if_nametoindex(ifname);
	if (!ifindex) {
		fprintf(stderr, "vrrp_speaker: %s: %s\n", ifname,
			strerror(errno));
		return 1;
	}
	err = vrrp_init(&v, &c);
	if (err) {
		fprintf(stderr, "vrrp_speaker: bad configuration\n");
		return 2;
	}
	err = vrrp_io_open(&io, c.primary.family, ifindex);
	if (!err && !c.npeers)
		err = vrrp_io_join(&io);
	if (!err && ttl != VRRP_TTL)
		err = set_ttl(io.fd, c.primary.family, ttl);
	if (err) {
		fprintf(stderr, "vrrp_speaker: socket on %s: %s\n", ifname,
			strerror(-err));
		return 1;
	}
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGUSR1);
	sigprocmask(SIG_BLOCK, &sigs, NULL);
	sfd = signalfd(-1, &sigs, SFD_CLOEXEC);
	if (sfd < 0) {
		perror("vrrp_speaker: signalfd");
		return 1;
	}
	say("ready");
	vrrp_start(&v, now_ms(), &out);
	exec(&out);

	pfd[0] = (struct pollfd){ .fd = io.fd, .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = sfd, .events = POLLIN };
	for (;;) {
		__u64 now = now_ms(), next = vrrp_next_timeout(&v);
		int timeout = next <= now ? 0 :
			      next - now > 1000 ? 1000 : (int)(next - now);

		if (poll(pfd, 2, timeout) < 0 && errno != EINTR) {
			perror("vrrp_speaker: poll");
			return 1;
		}
		if (pfd[1].revents & POLLIN) {
			struct signalfd_siginfo si;

			if (read(sfd, &si, sizeof(si)) != sizeof(si))
				continue;
			if (si.ssi_signo == SIGUSR1) {
				if (low) {
					vrrp_set_priority(&v, now_ms(), low,
							  &out);
					say("prio %llu", low);
					exec(&out);
				}
				continue;
			}
			vrrp_shutdown(&v, now_ms(), &out);
			exec(&out);
			say("shutdown");
			break;
		}
		if (pfd[0].revents & POLLIN)
			receive();
		vrrp_timer(&v, now_ms(), &out);
		exec(&out);
	}
	vrrp_io_close(&io);
	close(sfd);
	return 0;
}
