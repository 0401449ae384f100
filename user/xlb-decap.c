// SPDX-License-Identifier: GPL-2.0
/*
 * xlb-decap: attach, detach and inspect the backend-side decapsulation
 * program (bpf/decap.bpf.c) on one interface.
 *
 *   xlb-decap attach IFACE [generic] [gue-port N]
 *   xlb-decap detach IFACE
 *   xlb-decap status IFACE
 *
 * The program goes through libxdp's dispatcher so it coexists with other
 * XDP programs; the object is the one embedded in the skeleton, so the
 * tool needs no file at run time. libxdp keeps the attachment alive by
 * pinning it in bpffs: that bpffs must outlive this process, which is why
 * a namespace lab points LIBXDP_BPFFS at a mount of its own.
 */
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/magic.h>
#include <netinet/in.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>
#include "xlb.h"
#include "decap.skel.h"

#define PROG_NAME	"xlb_decap"
#define BPFFS_DIR	"/sys/fs/bpf"

static const char *const stat_names[XLB_DECAP_STAT_MAX] = {
	[XLB_DECAP_STAT_DECAP] = "decapsulated",
	[XLB_DECAP_STAT_PASS] = "passed",
	[XLB_DECAP_STAT_MALFORMED] = "malformed",
};

#ifndef XLB_VERSION
#define XLB_VERSION "unknown"
#endif

static void usage(FILE *f)
{
	fprintf(f,
		"usage: xlb-decap attach IFACE [generic] [gue-port N]\n"
		"       xlb-decap detach IFACE\n"
		"       xlb-decap status IFACE\n"
		"attach decapsulates IP-in-IP and GUE tunnels (UDP to\n"
		"gue-port, default %d, as xlbd's gue-port) addressed to\n"
		"IFACE's addresses (taken at attach time); status exits 0\n"
		"when attached, 1 when not. --help, --version.\n",
		XLB_GUE_PORT_DEFAULT);
}

/* The libraries' own messages only with XLB_DEBUG set: ours say enough. */
static int libbpf_quiet(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	(void)level;
	return getenv("XLB_DEBUG") ? vfprintf(stderr, fmt, ap) : 0;
}

static int libxdp_quiet(enum libxdp_print_level level, const char *fmt,
			va_list ap)
{
	(void)level;
	return getenv("XLB_DEBUG") ? vfprintf(stderr, fmt, ap) : 0;
}

/*
 * libxdp pins the dispatcher and our link in bpffs. `ip netns exec` gives
 * every command a fresh sysfs without one, so mount it unless the caller
 * chose a bpffs with LIBXDP_BPFFS. Returns 1 if it mounted one.
 */
static int ensure_bpffs(void)
{
	struct statfs st;

	if (getenv("LIBXDP_BPFFS"))
		return 0;
	if (statfs(BPFFS_DIR, &st) == 0 && st.f_type == BPF_FS_MAGIC)
		return 0;
	if (mount("bpf", BPFFS_DIR, "bpf", 0, "mode=0700"))
		return -errno;
	return 1;
}

/* True when this process has a mount namespace of its own (ip netns exec). */
static int private_mount_ns(void)
{
	struct stat self, init;

	if (stat("/proc/self/ns/mnt", &self) || stat("/proc/1/ns/mnt", &init))
		return 0;
	return self.st_ino != init.st_ino || self.st_dev != init.st_dev;
}

/* Our program on ifindex, or NULL; *mpp must be closed by the caller. */
static struct xdp_program *find_ours(int ifindex, struct xdp_multiprog **mpp)
{
	struct xdp_multiprog *mp;
	struct xdp_program *p;
	int err;

	*mpp = NULL;
	mp = xdp_multiprog__get_from_ifindex(ifindex);
	err = libxdp_get_error(mp);
	if (err) {
		errno = err == -ENOENT ? 0 : -err;
		return NULL;
	}
	*mpp = mp;
	/* Attached without a dispatcher, the program is the main one and
	 * there are no component programs to iterate. */
	if (xdp_multiprog__is_legacy(mp)) {
		p = xdp_multiprog__main_prog(mp);
		if (p && !strcmp(xdp_program__name(p), PROG_NAME))
			return p;
		errno = 0;
		return NULL;
	}
	for (p = xdp_multiprog__next_prog(NULL, mp); p;
	     p = xdp_multiprog__next_prog(p, mp)) {
		if (!strcmp(xdp_program__name(p), PROG_NAME))
			return p;
	}
	errno = 0;
	return NULL;
}

/*
 * The fd of the loaded program's map called name. Another process loaded
 * it, so there is no skeleton to reach it through: ask the kernel for the
 * program's maps.
 */
static int prog_map_fd(__u32 prog_id, const char *name)
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info), ids[16], i;
	int pfd, fd, err;

	pfd = bpf_prog_get_fd_by_id(prog_id);
	if (pfd < 0)
		return -errno;
	memset(&info, 0, sizeof(info));
	info.nr_map_ids = sizeof(ids) / sizeof(ids[0]);
	info.map_ids = (__u64)(unsigned long)ids;
	err = bpf_obj_get_info_by_fd(pfd, &info, &len);
	if (err) {
		err = -errno;
		goto out;
	}
	err = -ENOENT;
	for (i = 0; i < info.nr_map_ids && i < 16; i++) {
		struct bpf_map_info mi;
		__u32 mlen = sizeof(mi);

		fd = bpf_map_get_fd_by_id(ids[i]);
		if (fd < 0)
			continue;
		memset(&mi, 0, sizeof(mi));
		if (!bpf_obj_get_info_by_fd(fd, &mi, &mlen) &&
		    !strcmp(mi.name, name)) {
			err = fd;
			break;
		}
		close(fd);
	}
out:
	close(pfd);
	return err;
}

/* Fill the decap address map with ifname's addresses. Returns the count. */
static int fill_addrs(struct decap_bpf *skel, const char *ifname,
		      __u32 ifindex, char *list, size_t listlen)
{
	struct ifaddrs *ifa, *a;
	int n = 0, err = 0;
	size_t used = 0;

	if (getifaddrs(&ifa))
		return -errno;
	list[0] = '\0';
	for (a = ifa; a; a = a->ifa_next) {
		struct sockaddr_in6 *sin6 = (void *)a->ifa_addr;
		struct sockaddr_in *sin = (void *)a->ifa_addr;
		struct xlb_addr_key k;
		char buf[INET6_ADDRSTRLEN];
		int af;

		if (!a->ifa_addr || strcmp(a->ifa_name, ifname))
			continue;
		af = a->ifa_addr->sa_family;
		memset(&k, 0, sizeof(k));
		if (af == AF_INET) {
			k.family = XLB_AF_INET;
			memcpy(k.addr, &sin->sin_addr, 4);
		} else if (af == AF_INET6) {
			k.family = XLB_AF_INET6;
			memcpy(k.addr, &sin6->sin6_addr, 16);
		} else {
			continue;
		}
		err = bpf_map__update_elem(skel->maps.xlb_decap_addrs, &k,
					   sizeof(k), &ifindex, sizeof(ifindex),
					   BPF_ANY);
		if (err)
			break;
		n++;
		inet_ntop(af, k.addr, buf, sizeof(buf));
		if (used < listlen)
			used += snprintf(list + used, listlen - used, "%s%s",
					 n > 1 ? " " : "", buf);
	}
	freeifaddrs(ifa);
	return err ? err : n;
}

static int do_attach(const char *ifname, int ifindex, int argc, char **argv)
{
	enum xdp_attach_mode mode = XDP_MODE_NATIVE;
	struct xdp_multiprog *mp;
	struct xdp_program *prog;
	struct decap_bpf *skel;
	unsigned long port = XLB_GUE_PORT_DEFAULT;
	char list[1024], *e;
	int err, n, mounted, i;

	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "generic")) {
			mode = XDP_MODE_SKB;
		} else if (!strcmp(argv[i], "gue-port")) {
			if (i + 1 == argc) {
				fprintf(stderr, "xlb-decap: missing N after "
					"'gue-port'\n");
				return 1;
			}
			errno = 0;
			port = strtoul(argv[++i], &e, 10);
			if (errno || *e || e == argv[i] || !port ||
			    port > 65535) {
				fprintf(stderr, "xlb-decap: bad gue-port '%s'; "
					"expected a number 1..65535\n",
					argv[i]);
				return 1;
			}
		} else {
			fprintf(stderr, "xlb-decap: unknown word '%s'; "
				"expected: generic gue-port\n", argv[i]);
			return 1;
		}
	}
	mounted = ensure_bpffs();
	if (mounted < 0) {
		fprintf(stderr, "xlb-decap: mount bpffs on %s: %s\n",
			BPFFS_DIR, strerror(-mounted));
		return 1;
	}
	if (find_ours(ifindex, &mp)) {
		xdp_multiprog__close(mp);
		fprintf(stderr, "xlb-decap: attach to %s: already attached "
			"(detach first)\n", ifname);
		return 1;
	}
	xdp_multiprog__close(mp);

	skel = decap_bpf__open();
	if (!skel) {
		fprintf(stderr, "xlb-decap: open BPF object: %s\n",
			strerror(errno));
		return 1;
	}
	skel->rodata->gue_port = htons(port);
	prog = xdp_program__from_bpf_obj(skel->obj, "xdp");
	err = libxdp_get_error(prog);
	if (err) {
		fprintf(stderr, "xlb-decap: open BPF program: %s\n",
			strerror(-err));
		goto out_skel;
	}
	err = xdp_program__attach(prog, ifindex, mode, 0);
	if (err) {
		fprintf(stderr, "xlb-decap: attach to %s: %s\n", ifname,
			strerror(-err));
		goto out_prog;
	}
	/* The maps exist only once attach has loaded the object; until they
	 * are filled, tunnels pass untouched, as before the attach. */
	n = fill_addrs(skel, ifname, ifindex, list, sizeof(list));
	if (n <= 0) {
		err = n ? n : -EADDRNOTAVAIL;
		fprintf(stderr, "xlb-decap: attach to %s: %s\n", ifname,
			n ? strerror(-n) : "interface has no IP address");
		xdp_program__detach(prog, ifindex, mode, 0);
		goto out_prog;
	}
	printf("%s: attached (%s mode), decapsulating tunnels to %s\n",
	       ifname, mode == XDP_MODE_SKB ? "generic" : "native", list);
	/* Pins in a bpffs that dies with this mount namespace take a
	 * dispatcher-attached program with them; a directly attached one
	 * (no dispatcher) needs no pins. */
	mp = xdp_multiprog__get_from_ifindex(ifindex);
	if (mounted && private_mount_ns() && !libxdp_get_error(mp) &&
	    !xdp_multiprog__is_legacy(mp))
		fprintf(stderr, "xlb-decap: warning: bpffs was mounted in a "
			"private mount namespace; set LIBXDP_BPFFS to a "
			"bpffs that outlives it or the program goes with "
			"it\n");
	if (!libxdp_get_error(mp))
		xdp_multiprog__close(mp);
out_prog:
	xdp_program__close(prog);
out_skel:
	decap_bpf__destroy(skel);
	return err ? 1 : 0;
}

/* detach and status take no arguments after the interface and need the
 * bpffs that libxdp keeps its pins in. */
static int no_args_and_bpffs(int argc)
{
	int err;

	if (argc) {
		usage(stderr);
		return -1;
	}
	err = ensure_bpffs();
	if (err < 0) {
		fprintf(stderr, "xlb-decap: mount bpffs on %s: %s\n",
			BPFFS_DIR, strerror(-err));
		return -1;
	}
	return 0;
}

static int do_detach(const char *ifname, int ifindex, int argc, char **argv)
{
	struct xdp_multiprog *mp;
	struct xdp_program *prog;
	int err;

	(void)argv;
	if (no_args_and_bpffs(argc))
		return 1;
	prog = find_ours(ifindex, &mp);
	if (!prog) {
		err = errno;
		fprintf(stderr, "xlb-decap: detach from %s: %s\n", ifname,
			err ? strerror(err) : "not attached");
		xdp_multiprog__close(mp);
		return 1;
	}
	err = xdp_program__detach(prog, ifindex,
				  xdp_multiprog__attach_mode(mp), 0);
	xdp_multiprog__close(mp);
	if (err) {
		fprintf(stderr, "xlb-decap: detach from %s: %s\n", ifname,
			strerror(-err));
		return 1;
	}
	printf("%s: detached\n", ifname);
	return 0;
}

static int print_addrs(__u32 prog_id)
{
	struct xlb_addr_key k, next, *prev = NULL;
	char buf[INET6_ADDRSTRLEN];
	int fd, n = 0;

	fd = prog_map_fd(prog_id, "xlb_decap_addrs");
	if (fd < 0)
		return fd;
	printf("addresses:");
	while (n < XLB_DECAP_ADDRS_MAX &&
	       !bpf_map_get_next_key(fd, prev, &next)) {
		k = next;
		prev = &k;
		n++;
		inet_ntop(k.family == XLB_AF_INET ? AF_INET : AF_INET6, k.addr,
			  buf, sizeof(buf));
		printf(" %s", buf);
	}
	printf("\n");
	close(fd);
	return 0;
}

static int print_stats(__u32 prog_id)
{
	int ncpus = libbpf_num_possible_cpus(), fd, cpu, err = 0;
	struct xlb_ctr *v;
	__u32 i;

	if (ncpus <= 0)
		return ncpus ? ncpus : -EINVAL;
	v = calloc(ncpus, sizeof(*v));
	if (!v)
		return -ENOMEM;
	fd = prog_map_fd(prog_id, "xlb_decap_stats");
	if (fd < 0) {
		err = fd;
		goto out;
	}
	for (i = 0; i < XLB_DECAP_STAT_MAX; i++) {
		__u64 pkts = 0, bytes = 0;

		if (!stat_names[i])
			continue;
		if (bpf_map_lookup_elem(fd, &i, v)) {
			err = -errno;
			break;
		}
		for (cpu = 0; cpu < ncpus; cpu++) {
			pkts += v[cpu].packets;
			bytes += v[cpu].bytes;
		}
		printf("%-13s %llu packets %llu bytes\n", stat_names[i],
		       (unsigned long long)pkts, (unsigned long long)bytes);
	}
	close(fd);
out:
	free(v);
	return err;
}

static int do_status(const char *ifname, int ifindex, int argc, char **argv)
{
	struct xdp_multiprog *mp;
	struct xdp_program *prog;
	enum xdp_attach_mode mode;
	__u32 id;
	int err;

	(void)argv;
	if (no_args_and_bpffs(argc))
		return 1;
	prog = find_ours(ifindex, &mp);
	if (!prog) {
		err = errno;
		xdp_multiprog__close(mp);
		if (err) {
			fprintf(stderr, "xlb-decap: status of %s: %s\n",
				ifname, strerror(err));
			return 1;
		}
		printf("%s: not attached\n", ifname);
		return 1;
	}
	mode = xdp_multiprog__attach_mode(mp);
	id = xdp_program__id(prog);
	printf("%s: attached, %s mode, program id %u\n", ifname,
	       mode == XDP_MODE_SKB ? "generic" :
	       mode == XDP_MODE_HW ? "offload" : "native", id);
	xdp_multiprog__close(mp);
	err = print_addrs(id);
	if (!err)
		err = print_stats(id);
	if (err) {
		fprintf(stderr, "xlb-decap: status of %s: %s\n", ifname,
			strerror(-err));
		return 1;
	}
	return 0;
}

static const struct {
	const char *name;
	int (*fn)(const char *ifname, int ifindex, int argc, char **argv);
	const char *verb;	/* for error messages */
} cmds[] = {
	{ "attach", do_attach, "attach to" },
	{ "detach", do_detach, "detach from" },
	{ "status", do_status, "status of" },
};

int main(int argc, char **argv)
{
	unsigned int i;
	int ifindex;

	if (argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "help") ||
			  !strcmp(argv[1], "--help"))) {
		usage(stdout);
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "--version")) {
		printf("xlb-decap %s\n", XLB_VERSION);
		return 0;
	}
	if (argc < 3) {
		usage(stderr);
		return 1;
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[1], cmds[i].name))
			break;
	if (i == sizeof(cmds) / sizeof(cmds[0])) {
		fprintf(stderr, "xlb-decap: unknown command '%s'; expected one "
			"of: attach detach status\n", argv[1]);
		return 1;
	}
	libbpf_set_print(libbpf_quiet);
	libxdp_set_print(libxdp_quiet);
	ifindex = if_nametoindex(argv[2]);
	if (!ifindex) {
		fprintf(stderr, "xlb-decap: %s %s: %s\n", cmds[i].verb,
			argv[2], strerror(errno));
		return 1;
	}
	return cmds[i].fn(argv[2], ifindex, argc - 3, argv + 3);
}
