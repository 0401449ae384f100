// SPDX-License-Identifier: GPL-2.0
/*
 * The packet side of `make bench-e2e` (tests/bench/e2e.sh); the programs
 * are in tests/bench/e2e.bpf.c.
 *
 *   e2e_gen fwd IFACE SRC BE=MAC...
 *	attach the minimal forwarder to IFACE (native XDP) and exit; it
 *	stays attached until `ip link set IFACE xdp off`.
 *   e2e_gen run IFACE DST_MAC SECONDS FLOWS
 *	attach the sink to IFACE, then for SECONDS send TCP/IPv4 frames from
 *	IFACE to DST_MAC (198.19.0.0/16 -> 198.18.0.100:80) by live-frame
 *	BPF_PROG_TEST_RUN on the calling CPU: FLOWS 0 sends SYNs, each from
 *	a tuple never used before; FLOWS N sends ACKs cycling over N tuples.
 *	Prints "sent N received N other N seconds S": generated frames,
 *	IPv4 frames back from the load balancer addressed to a backend
 *	(198.18.0.8/29), other IPv4 frames, and the generation time.
 *
 * The generator only builds frames; what the veth does not take (the
 * load balancer's queue is full) is dropped, so "received" over
 * "seconds" is the rate the load balancer forwarded.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if_link.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bench/e2e.skel.h"

#define FRAME_LEN	54
#define BATCH		(1u << 16)	/* frames per BPF_PROG_TEST_RUN */
#define MAX_SECONDS	60
#define MAX_FLOWS	(1u << 24)
#define VIP		"198.18.0.100"
#define VIP_PORT	80
#define CLIENT_NET	"198.19.0.0"

static int parse_mac(const char *s, __u8 mac[6])
{
	unsigned int m[6];
	char tail;
	int i;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x%c", &m[0], &m[1], &m[2], &m[3],
		   &m[4], &m[5], &tail) != 6)
		return -EINVAL;
	for (i = 0; i < 6; i++) {
		if (m[i] > 0xff)
			return -EINVAL;
		mac[i] = m[i];
	}
	return 0;
}

static int if_mac(const char *ifname, __u8 mac[6])
{
	struct ifreq ifr = {};
	int fd, err = 0;

	if (strlen(ifname) >= sizeof(ifr.ifr_name))
		return -EINVAL;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	strcpy(ifr.ifr_name, ifname);
	if (ioctl(fd, SIOCGIFHWADDR, &ifr))
		err = -errno;
	else
		memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	close(fd);
	return err;
}

/* Sum of the 16-bit big-endian words of p[0..len), unfolded. */
static __u32 sum16(const __u8 *p, size_t len, __u32 s)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		s += p[i] << 8 | p[i + 1];
	return s;
}

/* The template frame and its partial checksums (see e2e.bpf.c). */
static void gen_template(struct e2e_bpf *skel, const __u8 dmac[6],
			 const __u8 smac[6], int syn)
{
	__u8 f[FRAME_LEN] = {}, *ip = f + 14, *th = f + 34, ph[12];
	__be32 src, dst;
	__be16 port = htons(VIP_PORT);

	inet_pton(AF_INET, CLIENT_NET, &src);
	inet_pton(AF_INET, VIP, &dst);
	memcpy(f, dmac, 6);
	memcpy(f + 6, smac, 6);
	f[12] = 0x08;
	ip[0] = 0x45;
	ip[3] = 40;		/* total length */
	ip[6] = 0x40;		/* DF */
	ip[8] = 64;
	ip[9] = IPPROTO_TCP;
	memcpy(ip + 12, &src, 4);
	memcpy(ip + 16, &dst, 4);
	memcpy(th + 2, &port, 2);
	th[4] = 0x12;		/* sequence number */
	th[8] = syn ? 0 : 0x34;	/* acknowledgement number */
	th[12] = 5 << 4;
	th[13] = syn ? 0x02 : 0x10;
	th[14] = 0xff;		/* window */
	memcpy(ph, ip + 12, 8);
	ph[8] = 0;
	ph[9] = IPPROTO_TCP;
	ph[10] = 0;
	ph[11] = 20;
	memcpy((void *)skel->rodata->gen_frame, f, FRAME_LEN);
	skel->rodata->gen_ip_sum = sum16(ip, 20, 0);
	skel->rodata->gen_tcp_sum = sum16(th, 20, sum16(ph, 12, 0));
}

static __u64 percpu_sum(int fd, __u32 key)
{
	int n = libbpf_num_possible_cpus(), i;
	__u64 v[n > 0 ? n : 1], s = 0;

	if (n <= 0 || bpf_map_lookup_elem(fd, &key, v))
		return 0;
	for (i = 0; i < n; i++)
		s += v[i];
	return s;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmd_run(int argc, char **argv)
{
	struct e2e_bpf *skel = NULL;
	__u8 dmac[6], smac[6], frame[FRAME_LEN] = {};
	unsigned long secs, flows;
	__u64 sent, got, other, last;
	double t0, t1, deadline;
	unsigned int ifindex;
	char *end;
	int err, attached = 0, i, sink_fd;

	if (argc != 6)
		return -EINVAL;
	ifindex = if_nametoindex(argv[2]);
	secs = strtoul(argv[4], &end, 10);
	if (*end || !secs || secs > MAX_SECONDS) {
		fprintf(stderr, "e2e_gen: SECONDS: 1..%d\n", MAX_SECONDS);
		return -EINVAL;
	}
	flows = strtoul(argv[5], &end, 10);
	if (*end || flows > MAX_FLOWS) {
		fprintf(stderr, "e2e_gen: FLOWS: 0..%u\n", MAX_FLOWS);
		return -EINVAL;
	}
	if (!ifindex) {
		fprintf(stderr, "e2e_gen: %s: no such interface\n", argv[2]);
		return -ENODEV;
	}
	if (parse_mac(argv[3], dmac)) {
		fprintf(stderr, "e2e_gen: %s: not a MAC address\n", argv[3]);
		return -EINVAL;
	}
	err = if_mac(argv[2], smac);
	if (err) {
		fprintf(stderr, "e2e_gen: MAC of %s: %s\n", argv[2],
			strerror(-err));
		return err;
	}
	skel = e2e_bpf__open();
	if (!skel)
		return -errno;
	gen_template(skel, dmac, smac, flows == 0);
	skel->rodata->gen_flows = flows;
	inet_pton(AF_INET, "198.18.0.8", (void *)&skel->rodata->sink_net);
	inet_pton(AF_INET, "255.255.255.248",
		  (void *)&skel->rodata->sink_mask);
	err = e2e_bpf__load(skel);
	if (err) {
		fprintf(stderr, "e2e_gen: load: %s\n", strerror(-err));
		goto out;
	}
	sink_fd = bpf_map__fd(skel->maps.sink_ctr);
	err = bpf_xdp_attach(ifindex, bpf_program__fd(skel->progs.e2e_sink),
			     XDP_FLAGS_DRV_MODE, NULL);
	if (err) {
		fprintf(stderr, "e2e_gen: attach the sink to %s: %s\n",
			argv[2], strerror(-err));
		goto out;
	}
	attached = 1;

	t0 = now_s();
	deadline = t0 + secs;
	do {
		struct xdp_md ctx = {
			.data_end = FRAME_LEN,
			.ingress_ifindex = ifindex,
		};
		LIBBPF_OPTS(bpf_test_run_opts, o,
			    .data_in = frame,
			    .data_size_in = FRAME_LEN,
			    .ctx_in = &ctx,
			    .ctx_size_in = sizeof(ctx),
			    .repeat = BATCH,
			    .flags = BPF_F_TEST_XDP_LIVE_FRAMES);

		if (bpf_prog_test_run_opts(
			    bpf_program__fd(skel->progs.e2e_gen), &o)) {
			err = -errno;
			fprintf(stderr, "e2e_gen: test run: %s\n",
				strerror(-err));
			goto out;
		}
		t1 = now_s();
	} while (t1 < deadline);

	/* Frames still in the veth queues: wait until the count settles
	 * (at most a second). */
	last = percpu_sum(sink_fd, 0) + percpu_sum(sink_fd, 1);
	for (i = 0; i < 100; i++) {
		usleep(10000);
		got = percpu_sum(sink_fd, 0) + percpu_sum(sink_fd, 1);
		if (got == last)
			break;
		last = got;
	}
	sent = percpu_sum(bpf_map__fd(skel->maps.gen_ctr), 0);
	got = percpu_sum(sink_fd, 0);
	other = percpu_sum(sink_fd, 1);
	printf("sent %llu received %llu other %llu seconds %.3f\n",
	       (unsigned long long)sent, (unsigned long long)got,
	       (unsigned long long)other, t1 - t0);
out:
	if (attached)
		bpf_xdp_detach(ifindex, XDP_FLAGS_DRV_MODE, NULL);
	e2e_bpf__destroy(skel);
	return err;
}

static int cmd_fwd(int argc, char **argv)
{
	struct e2e_bpf *skel;
	unsigned int ifindex;
	int err, i, nbe = argc - 4;

	if (argc < 5 || nbe > 8)
		return -EINVAL;
	ifindex = if_nametoindex(argv[2]);
	if (!ifindex) {
		fprintf(stderr, "e2e_gen: %s: no such interface\n", argv[2]);
		return -ENODEV;
	}
	skel = e2e_bpf__open();
	if (!skel)
		return -errno;
	err = if_mac(argv[2], (__u8 *)skel->rodata->fwd_mac);
	if (!err && inet_pton(AF_INET, argv[3],
			      (void *)&skel->rodata->fwd_src) != 1)
		err = -EINVAL;
	for (i = 0; i < nbe && !err; i++) {
		char addr[INET_ADDRSTRLEN], *eq = strchr(argv[4 + i], '=');

		if (!eq || eq - argv[4 + i] >= INET_ADDRSTRLEN) {
			err = -EINVAL;
			break;
		}
		memcpy(addr, argv[4 + i], eq - argv[4 + i]);
		addr[eq - argv[4 + i]] = 0;
		if (inet_pton(AF_INET, addr,
			      (void *)&skel->rodata->fwd_be_addr[i]) != 1 ||
		    parse_mac(eq + 1, (__u8 *)skel->rodata->fwd_be_mac[i]))
			err = -EINVAL;
	}
	if (err) {
		fprintf(stderr, "e2e_gen: fwd: bad SRC or BE=MAC\n");
		goto out;
	}
	skel->rodata->fwd_nbe = nbe;
	err = e2e_bpf__load(skel);
	if (!err)
		err = bpf_xdp_attach(ifindex,
				     bpf_program__fd(skel->progs.e2e_fwd),
				     XDP_FLAGS_DRV_MODE, NULL);
	if (err)
		fprintf(stderr, "e2e_gen: attach the forwarder to %s: %s\n",
			argv[2], strerror(-err));
out:
	e2e_bpf__destroy(skel);
	return err;
}

int main(int argc, char **argv)
{
	int err = -EINVAL;

	if (argc > 1 && !strcmp(argv[1], "run"))
		err = cmd_run(argc, argv);
	else if (argc > 1 && !strcmp(argv[1], "fwd"))
		err = cmd_fwd(argc, argv);
	if (err == -EINVAL)
		fprintf(stderr, "usage: e2e_gen run IFACE DST_MAC SECONDS "
			"FLOWS\n       e2e_gen fwd IFACE SRC BE=MAC...\n");
	return err ? 1 : 0;
}
